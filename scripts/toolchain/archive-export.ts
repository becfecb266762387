/**
 * The export of the built toolchain (`npm run toolchain -- export FILE`): one archive of what build.sh and
 * build-sandbox.sh put under HEARTH_CACHE, the manifest first, and FILE.sha256 beside it.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { Compression, hasZstd, Refused, sha256File, tarFlags } from "./archive";
import {
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  Manifest,
  ManifestFile,
  exportRoots,
  exportablePath,
  isStamp,
  parseVersionsEnv,
  versionProblems,
} from "./manifest";

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
