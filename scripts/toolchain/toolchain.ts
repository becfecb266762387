/**
 * `npm run toolchain -- <command>`: the built toolchain as one file, for a second machine, a CI cache or an
 * air-gapped home (docs/toolchain.md).
 *
 *   export FILE   writes everything build.sh and build-sandbox.sh built under HEARTH_CACHE into FILE (tar +
 *                 zstd, gzip where zstd is missing) with a manifest (each file's sha256, the pinned versions,
 *                 the Go version, the stamps), and FILE.sha256
 *   import FILE   checks FILE.sha256 (when present), the manifest's versions against this checkout's
 *                 scripts/toolchain/versions.env and every file's sha256, then installs into HEARTH_CACHE;
 *                 a mismatch installs nothing and names what differs
 *
 * HEARTH_CACHE defaults to ~/.cache/hearth. Exit 0 on success, 1 when refused or failed, 2 on bad usage.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { Refused } from "./archive";
import { exportToolchain } from "./archive-export";
import { importToolchain } from "./archive-import";
import { parseVersionsEnv } from "./manifest";

const MB = 1e6;

function goVersion(): string | undefined {
  const r = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function main(argv: string[]): number {
  const [cmd, file, ...extra] = argv;
  if (!["export", "import"].includes(cmd) || !file || extra.length > 0) {
    console.error("usage: npm run toolchain -- export FILE | import FILE");
    return 2;
  }
  const cache = process.env.HEARTH_CACHE || join(homedir(), ".cache", "hearth");
  const versions = parseVersionsEnv(readFileSync(join(__dirname, "versions.env"), "utf8"));
  const path = resolve(process.env.INIT_CWD ?? process.cwd(), file);
  const t0 = Date.now();
  const seconds = () => ((Date.now() - t0) / 1000).toFixed(1);
  try {
    if (cmd === "export") {
      const r = exportToolchain({
        cache,
        file: path,
        versions,
        goVersion: goVersion() ?? "unknown",
      });
      console.log(
        `toolchain: exported ${r.files} files (${(r.bytes / MB).toFixed(0)} MB) from ${cache} to ${path} ` +
          `(${r.compression}, ${(r.archiveBytes / MB).toFixed(0)} MB) in ${seconds()} s\n` +
          `sha256 ${r.sha256} (also in ${path}.sha256)`,
      );
    } else {
      const r = importToolchain({ cache, file: path, versions, goVersion: goVersion() });
      console.log(
        `toolchain: imported ${r.files} files (${(r.bytes / MB).toFixed(0)} MB) into ${cache} in ` +
          `${seconds()} s; Kubernetes plugin: ${r.plugin}\n` +
          `next: bash scripts/toolchain/build.sh prints "cached" for every part`,
      );
      for (const w of r.warnings) console.error(`toolchain: warning: ${w}`);
    }
    return 0;
  } catch (e) {
    console.error(`toolchain: ${e instanceof Refused ? "refused: " : ""}${(e as Error).message}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
