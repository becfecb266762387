/**
 * Export and import of the built toolchain (`npm run toolchain -- export|import FILE`): one tar archive
 * (zstd, or gzip where zstd is missing) of what build.sh and build-sandbox.sh put under HEARTH_CACHE, with a
 * manifest first (scripts/toolchain/manifest.ts). An import checks the manifest's versions against this
 * checkout, extracts into a folder beside the cache, checks every file's sha256, and only then installs.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import {
  FoundFile,
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  Manifest,
  ManifestFile,
  archiveProblems,
  exportRoots,
  exportablePath,
  isStamp,
  kubernetesPluginPath,
  manifestProblems,
  parseVersionsEnv,
  stampPart,
  versionProblems,
} from "./manifest";

/** An archive, or a cache, that must not be used; its message says why and what to do. */
export class Refused extends Error {}

/** sha256 of a file, read in 4 MiB chunks (binaries are up to 170 MB). */
export function sha256File(path: string): string {
  const hash = createHash("sha256");
  const buf = Buffer.allocUnsafe(4 << 20);
  const fd = openSync(path, "r");
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

type Compression = "zstd" | "gzip";

function hasZstd(): boolean {
  return spawnSync("zstd", ["--version"]).status === 0;
}

/** tar's flags to write (compress) or read an archive of this kind; tar adds `-d` to read. */
function tarFlags(kind: Compression, write: boolean): string[] {
  if (kind === "zstd") return ["-I", write ? "zstd -T0 -3 -q" : "zstd"];
  return ["-I", write ? "gzip -6" : "gzip"];
}

/** The compression of an archive, by its first bytes. */
function compressionOf(file: string): Compression {
  const head = Buffer.alloc(4);
  const fd = openSync(file, "r");
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (head.readUInt32LE(0) === 0xfd2fb528) {
    if (!hasZstd())
      throw new Refused(`${file} is zstd-compressed and zstd is missing: apt-get install zstd`);
    return "zstd";
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  throw new Refused(
    `${file} is neither zstd nor gzip: not an archive of npm run toolchain -- export`,
  );
}

/** Every regular file under a root (a file or a folder) relative to `base`; a symlink or device is refused. */
function walk(base: string, rel: string, out: string[] = []): string[] {
  const abs = join(base, rel);
  if (!existsSync(abs)) return out;
  const st = lstatSync(abs);
  if (st.isDirectory()) {
    for (const name of readdirSync(abs).sort()) walk(base, `${rel}/${name}`, out);
  } else if (st.isFile()) {
    out.push(rel);
  } else {
    throw new Refused(`${abs} is not a regular file or folder; the toolchain's folders hold none`);
  }
  return out;
}

/** What an export wrote. */
export interface ExportResult {
  files: number;
  bytes: number;
  archiveBytes: number;
  sha256: string;
  compression: Compression;
}

/** What an export needs: the cache, where to write, this checkout's versions.env and `go env GOVERSION`. */
export interface ExportOptions {
  cache: string;
  file: string;
  versions: Record<string, string>;
  goVersion: string;
  /** @default new Date(): the manifest's `created`. */
  now?: Date;
}

/**
 * Writes one archive of the built toolchain: the manifest first, then every file under exportRoots, and
 * FILE.sha256 beside it. Refuses a cache built for other versions than this checkout pins, or none at all.
 */
export function exportToolchain(opts: ExportOptions): ExportResult {
  const { cache, file, versions } = opts;
  const sandboxEnv = join(cache, "sandbox", "versions.env");
  if (existsSync(sandboxEnv)) {
    const built = parseVersionsEnv(readFileSync(sandboxEnv, "utf8"));
    const pinned = Object.fromEntries(Object.keys(built).map((k) => [k, versions[k]]));
    const problems = versionProblems(built, pinned, `the cache's sandbox/versions.env`);
    if (problems.length > 0)
      throw new Refused(`${problems.join("\n")}\nrun bash scripts/toolchain/build.sh, then export`);
  }
  const paths = exportRoots(versions)
    .flatMap((root) => walk(cache, root))
    .filter((p) => exportablePath(p, versions));
  if (!paths.some((p) => p.endsWith("/bin/pulumi-language-nodejs")))
    throw new Refused(
      `no toolchain for Pulumi ${versions.HEARTH_PULUMI_VERSION} in ${cache}: run bash scripts/toolchain/build.sh first`,
    );
  const files: ManifestFile[] = paths.map((path) => {
    const st = statSync(join(cache, path));
    return {
      path,
      sha256: sha256File(join(cache, path)),
      size: st.size,
      executable: (st.mode & 0o111) !== 0,
    };
  });
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    created: (opts.now ?? new Date()).toISOString(),
    versions,
    go: opts.goVersion,
    stamps: paths.filter(isStamp),
    files,
  };
  const compression: Compression = hasZstd() ? "zstd" : "gzip";
  mkdirSync(dirname(file), { recursive: true });
  const tmp = mkdtempSync(join(dirname(file), `.${basename(file)}.`));
  try {
    writeFileSync(join(tmp, MANIFEST_NAME), JSON.stringify(manifest, null, 1) + "\n");
    const out = join(tmp, "archive");
    const r = spawnSync(
      "nice",
      [
        ...["-n", "19", "tar", "-c", "-f", out, ...tarFlags(compression, true)],
        ...["--owner=0", "--group=0", "--numeric-owner", "-C", tmp, MANIFEST_NAME, "-C", cache],
        ...paths,
      ],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`tar failed writing ${file}: ${r.stderr || r.error}`);
    renameSync(out, file);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const sha256 = sha256File(file);
  writeFileSync(`${file}.sha256`, `${sha256}  ${basename(file)}\n`);
  return {
    files: files.length,
    bytes: files.reduce((n, f) => n + f.size, 0),
    archiveBytes: statSync(file).size,
    sha256,
    compression,
  };
}

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
