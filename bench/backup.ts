/**
 * `npm run bench` (part): one backup -> delete -> restore cycle of an app's data with the shipped
 * hearth-backup.sh, Debian's restic and two real S3 servers (versitygw on loopback), beside its peer: a plain
 * `tar` copy of the same tree to a local file and back, in the same run. Data: BENCH_BACKUP_MIB (default 64)
 * MiB of incompressible files plus a SQLite database of about a quarter of that. Writes
 * bench/results/backup.json and prints times, sizes and the ratio to tar.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppData, BackupTarget, scriptEnv, secretEnv } from "../components/backup/plan";
import { startS3 } from "../test/s3-server";

const MIB = Number(process.env.BENCH_BACKUP_MIB ?? 64);
const SCRIPT = join(__dirname, "..", "components", "backup", "hearth-backup.sh");

function du(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  }
  return n;
}

function timed(cmd: string, args: string[], env?: NodeJS.ProcessEnv): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function main(): Promise<void> {
  const [nas, off] = await Promise.all([startS3(), startS3()]);
  const work = mkdtempSync(join(tmpdir(), "hearth-bench-backup-"));
  try {
    const data = join(work, "data");
    mkdirSync(join(data, "blobs"), { recursive: true });
    for (let i = 0; i < MIB; i++) writeFileSync(join(data, "blobs", `b${i}`), randomBytes(1 << 20));
    const rows = Math.round((MIB / 4) * 1000);
    spawnSync("sqlite3", [
      join(data, "app.db"),
      `CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < ${rows}) INSERT INTO t (pad) SELECT randomblob(256) FROM c;`,
    ]);
    const dataBytes = du(data);
    const app: AppData = { app: "bench", dataPath: data, sqlite: ["app.db"] };
    const targets: BackupTarget[] = [
      [nas, "nas", "local"],
      [off, "offsite", "offsite"],
    ].map(([s, name, role]) => ({
      name: name as string,
      role: role as "local" | "offsite",
      endpoint: (s as typeof nas).endpoint,
      bucket: "hearth-backups",
      region: "us-east-1",
      accessKeyId: (s as typeof nas).accessKeyId,
    }));
    const env = {
      PATH: process.env.PATH,
      ...scriptEnv(
        app,
        { stage: join(work, "stage"), scratch: join(work, "scratch"), cache: join(work, "cache") },
        targets,
        { last: 0, daily: 7, weekly: 4, monthly: 6 },
        "10%",
      ),
      ...secretEnv(randomBytes(24).toString("hex"), targets, {
        nas: nas.secretAccessKey,
        offsite: off.secretAccessKey,
      }),
    };

    const backup = timed("sh", [SCRIPT, "backup"], env);
    const bucketBytes = { nas: du(nas.root), offsite: du(off.root) };
    const drill = timed("sh", [SCRIPT, "drill"], env);
    rmSync(data, { recursive: true, force: true });
    const restore = timed("sh", [SCRIPT, "restore", "latest"], {
      ...env,
      HEARTH_RESTORE_TO: join(work, "back"),
    });
    const restoredBytes = du(join(work, "back", data));

    // The peer, side by side: tar of the same tree to a local file, and back.
    spawnSync("cp", ["-a", join(work, "back", data), data]);
    const tarOut = timed("tar", ["-cf", join(work, "copy.tar"), "-C", work, "data"]);
    const tarIn = timed("tar", ["-xf", join(work, "copy.tar"), "-C", join(work, "scratch")]);

    const result = {
      date: new Date().toISOString(),
      dataMiB: +(dataBytes / 2 ** 20).toFixed(1),
      restoredMiB: +(restoredBytes / 2 ** 20).toFixed(1),
      bucketMiB: {
        nas: +(bucketBytes.nas / 2 ** 20).toFixed(1),
        offsite: +(bucketBytes.offsite / 2 ** 20).toFixed(1),
      },
      seconds: {
        backupToTwoTargets: +backup.toFixed(2),
        drill: +drill.toFixed(2),
        restore: +restore.toFixed(2),
      },
      peer: { tarCreate: +tarOut.toFixed(2), tarExtract: +tarIn.toFixed(2) },
      ratio: {
        backupPerTargetVsTar: +(backup / 2 / tarOut).toFixed(1),
        restoreVsTar: +(restore / tarIn).toFixed(1),
      },
    };
    mkdirSync(join(__dirname, "results"), { recursive: true });
    writeFileSync(
      join(__dirname, "results", "backup.json"),
      JSON.stringify(result, null, 2) + "\n",
    );
    console.log(
      `backup cycle of ${result.dataMiB} MiB (SQLite ${rows} rows included): backup to 2 targets ${result.seconds.backupToTwoTargets} s, ` +
        `drill ${result.seconds.drill} s, restore ${result.seconds.restore} s; buckets ${result.bucketMiB.nas} + ` +
        `${result.bucketMiB.offsite} MiB; tar ${result.peer.tarCreate} s / ${result.peer.tarExtract} s; ` +
        `backup per target ${result.ratio.backupPerTargetVsTar}x tar, restore ${result.ratio.restoreVsTar}x tar`,
    );
  } finally {
    await Promise.all([nas.stop(), off.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
