/**
 * The import of a toolchain archive (`npm run toolchain -- import FILE`): checks the manifest's versions against
 * this checkout, extracts into a folder beside the cache, checks every file's sha256, and only then installs.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { compressionOf, Refused, sha256File, tarFlags } from "./archive";
import {
  FoundFile,
  MANIFEST_NAME,
  Manifest,
  archiveProblems,
  isStamp,
  kubernetesPluginPath,
  manifestProblems,
  stampPart,
} from "./manifest";

/** Installs the Kubernetes provider plugin from a binary into PULUMI_HOME (`pulumi`: the CLI to use). */
export type PluginInstaller = (binary: string, pulumiHome: string, pulumi: string) => void;

/** The installer build.sh uses: `pulumi plugin rm` of an older copy, then `pulumi plugin install --file`. */
export function pulumiPluginInstaller(version: string): PluginInstaller {
  return (binary, pulumiHome, pulumi) => {
    const env = {
      ...process.env,
      PULUMI_HOME: pulumiHome,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    if (existsSync(join(pulumiHome, "plugins", `resource-kubernetes-v${version}`)))
      spawnSync(pulumi, ["plugin", "rm", "resource", "kubernetes", version, "--yes"], { env });
    const args = ["plugin", "install", "resource", "kubernetes", version, "--file", binary];
    const r = spawnSync(pulumi, args, { env, encoding: "utf8" });
    if (r.status !== 0)
      throw new Error(`${pulumi} ${args.join(" ")} failed: ${r.stderr || r.error || r.status}`);
  };
}

/** What an import needs; `goVersion` is `go env GOVERSION` here (undefined: no Go). */
export interface ImportOptions {
  cache: string;
  file: string;
  versions: Record<string, string>;
  goVersion: string | undefined;
  /** @default pulumiPluginInstaller(the pinned version): how the Kubernetes plugin goes into PULUMI_HOME. */
  installPlugin?: PluginInstaller;
}

/** What an import did. */
export interface ImportResult {
  files: number;
  bytes: number;
  /** "installed", "already installed" (same sha256), or "not in the archive". */
  plugin: string;
  /** Things that will make build.sh rebuild or stop here, though the import itself succeeded. */
  warnings: string[];
}

function tar(args: string[]) {
  return spawnSync("tar", args, { encoding: "utf8", maxBuffer: 256 << 20 });
}

/** Every path under a folder, relative to it, with what is there (regular files hashed). */
function extracted(
  dir: string,
  rel = "",
  out = new Map<string, FoundFile>(),
): Map<string, FoundFile> {
  for (const name of readdirSync(join(dir, rel))) {
    const path = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(dir, path));
    if (st.isDirectory()) extracted(dir, path, out);
    else if (st.isFile()) out.set(path, { kind: "file", sha256: sha256File(join(dir, path)) });
    else out.set(path, { kind: "other", what: st.isSymbolicLink() ? "symlink" : "special file" });
  }
  return out;
}

/** rename, or copy and unlink where the cache spans file systems. */
function move(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    copyFileSync(from, to);
    unlinkSync(from);
  }
}

/**
 * Installs an archive into the cache. Refuses, having installed nothing, an archive whose FILE.sha256 (when
 * present) or manifest versions differ, or whose files differ from its manifest in any way (the message names
 * the file). Then the Kubernetes plugin goes in through `pulumi plugin install --file`, share/ folders are
 * replaced whole, files are moved into place, and stamps last (older stamps of the same parts dropped), so an
 * import stopped half-way leaves binaries without stamps, which build.sh rebuilds.
 */
export function importToolchain(opts: ImportOptions): ImportResult {
  const { cache, file, versions } = opts;
  if (!existsSync(file)) throw new Refused(`${file}: no such file`);
  const sidecar = `${file}.sha256`;
  if (existsSync(sidecar)) {
    const want = readFileSync(sidecar, "utf8").split(/\s/)[0];
    const got = sha256File(file);
    if (got !== want)
      throw new Refused(
        `${file}: sha256 ${got}, ${basename(sidecar)} says ${want}; nothing was installed`,
      );
  }
  const read = tarFlags(compressionOf(file), false);
  const head = tar(["-x", "-O", "-f", file, ...read, "--occurrence=1", MANIFEST_NAME]);
  let manifest: unknown;
  try {
    if (head.status !== 0) throw new Error(head.stderr);
    manifest = JSON.parse(head.stdout);
  } catch (e) {
    throw new Refused(
      `${file}: no readable ${MANIFEST_NAME} (not an archive of npm run toolchain -- export, or damaged): ` +
        `${(e as Error).message.trim()}`,
    );
  }
  const early = manifestProblems(manifest, versions);
  if (early.length > 0)
    throw new Refused(
      `${file} cannot be installed here; nothing was installed:\n  ${early.join("\n  ")}`,
    );

  mkdirSync(cache, { recursive: true });
  const staging = mkdtempSync(join(cache, ".import-"));
  try {
    const x = tar(["-x", "-v", "-f", file, ...read, "-C", staging, "--no-same-owner"]);
    if (x.status !== 0) {
      const last = x.stdout.trim().split("\n").pop() || "its start";
      throw new Refused(
        `${file} is damaged (tar stopped at ${last}: ${x.stderr.trim()}); nothing was installed`,
      );
    }
    const again = readFileSync(join(staging, MANIFEST_NAME), "utf8");
    if (JSON.stringify(JSON.parse(again)) !== JSON.stringify(manifest))
      throw new Refused(`${file} holds more than one ${MANIFEST_NAME}; nothing was installed`);
    rmSync(join(staging, MANIFEST_NAME));
    const problems = archiveProblems(manifest, versions, extracted(staging));
    if (problems.length > 0)
      throw new Refused(
        `${file} does not match its manifest; nothing was installed:\n  ${problems.join("\n  ")}`,
      );
    return install(staging, manifest as Manifest, opts);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Moves a verified, extracted archive into the cache (see importToolchain for the order). */
function install(staging: string, manifest: Manifest, opts: ImportOptions): ImportResult {
  const { cache, versions } = opts;
  for (const f of manifest.files) chmodSync(join(staging, f.path), f.executable ? 0o755 : 0o644);

  const pluginPath = kubernetesPluginPath(versions);
  const pluginFile = manifest.files.find((f) => f.path === pluginPath);
  let plugin = "not in the archive";
  if (pluginFile) {
    const target = join(cache, pluginPath);
    if (existsSync(target) && sha256File(target) === pluginFile.sha256) {
      plugin = "already installed";
    } else {
      const tc = `toolchain/${versions.HEARTH_PULUMI_VERSION}/bin/pulumi`;
      const pulumi = [join(staging, tc), join(cache, tc)].find((p) => existsSync(p)) ?? "pulumi";
      const installer =
        opts.installPlugin ?? pulumiPluginInstaller(versions.HEARTH_PROVIDER_KUBERNETES_VERSION);
      installer(join(staging, pluginPath), join(cache, "pulumi-home"), pulumi);
      if (!existsSync(target) || sha256File(target) !== pluginFile.sha256)
        throw new Error(`after pulumi plugin install, ${target} is not the archive's plugin`);
      plugin = "installed";
    }
  }

  const rest = manifest.files.filter((f) => f.path !== pluginPath);
  const shares = new Set(
    rest.filter((f) => f.path.startsWith("sandbox/share/")).map((f) => f.path.split("/")[2]),
  );
  for (const s of shares)
    rmSync(join(cache, "sandbox", "share", s), { recursive: true, force: true });
  for (const f of rest.filter((f) => !isStamp(f.path)))
    move(join(staging, f.path), join(cache, f.path));

  const stamps = rest.filter((f) => isStamp(f.path)).map((f) => f.path);
  for (const dir of new Set(stamps.map((p) => dirname(p)))) {
    const mine = stamps.filter((p) => dirname(p) === dir).map((p) => basename(p));
    const parts = new Set(mine.map(stampPart));
    const there = existsSync(join(cache, dir)) ? readdirSync(join(cache, dir)) : [];
    for (const old of there)
      if (parts.has(stampPart(old)) && !mine.includes(old)) unlinkSync(join(cache, dir, old));
  }
  for (const p of stamps) move(join(staging, p), join(cache, p));

  const warnings: string[] = [];
  if (opts.goVersion === undefined)
    warnings.push(
      "no Go on this machine: build.sh (and so npm run dev) needs it to check the cache; " +
        ". scripts/toolchain/env.sh and npm run sandbox work without it",
    );
  else if (opts.goVersion !== manifest.go)
    warnings.push(
      `the archive was built with ${manifest.go} and this machine has ${opts.goVersion}: the Go version ` +
        `is part of every cache key, so build.sh will rebuild every part`,
    );
  return {
    files: manifest.files.length,
    bytes: manifest.files.reduce((n, f) => n + f.size, 0),
    plugin,
    warnings,
  };
}
