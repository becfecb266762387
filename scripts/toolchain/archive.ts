/**
 * What the export and the import of the built toolchain (`npm run toolchain -- export|import FILE`) share: one
 * tar archive (zstd, or gzip where zstd is missing) of what build.sh and build-sandbox.sh put under
 * HEARTH_CACHE, with a manifest first (scripts/toolchain/manifest.ts). The export is in archive-export.ts, the
 * import (which checks the manifest's versions against this checkout, extracts into a folder beside the cache,
 * checks every file's sha256, and only then installs) in archive-import.ts.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

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

/** How an archive is compressed. */
export type Compression = "zstd" | "gzip";

/** Whether this machine has zstd (an export then uses it). */
export function hasZstd(): boolean {
  return spawnSync("zstd", ["--version"]).status === 0;
}

/** tar's flags to write (compress) or read an archive of this kind; tar adds `-d` to read. */
export function tarFlags(kind: Compression, write: boolean): string[] {
  if (kind === "zstd") return ["-I", write ? "zstd -T0 -3 -q" : "zstd"];
  return ["-I", write ? "gzip -6" : "gzip"];
}

/** The compression of an archive, by its first bytes. */
export function compressionOf(file: string): Compression {
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
