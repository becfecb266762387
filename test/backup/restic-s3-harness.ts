/**
 * What the real-backup contract tests share: two real S3 servers (versitygw on loopback) as a local and an
 * offsite target, started before the importing test file's tests and stopped after them (the hooks below run
 * in the importing file), a scratch folder, and `run`, which runs a step of the shipped hearth-backup.sh with
 * Debian's restic as the CronJobs do. Also sets the importing file's test timeout.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AppData,
  BackupTarget,
  Retention,
  WorkPaths,
  scriptEnv,
  secretEnv,
} from "../../components/backup/plan";
import { startS3, TestS3 } from "../s3-server";

const SCRIPT = join(__dirname, "..", "..", "components", "backup", "hearth-backup.sh");
/** A marker written into the data: it must never appear in plain text in a bucket. */
export const CANARY = "hearth-canary-7d41c0ffee";
/** The restic repositories' password. */
export const PASSWORD = "correct horse battery staple, for this test only";

jest.setTimeout(180000);

/** The local target's server. */
export let local: TestS3;
/** The offsite target's server. */
export let offsite: TestS3;
/** A scratch folder for the data, the stage and the restores. */
export let work: string;

beforeAll(async () => {
  [local, offsite] = await Promise.all([startS3(), startS3()]);
  work = mkdtempSync(join(tmpdir(), "hearth-backup-test-"));
});
afterAll(async () => {
  await Promise.all([local?.stop(), offsite?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

/** The targets on these servers: name, server and role each. */
export function targetsOf(...servers: [string, TestS3, "local" | "offsite"][]): BackupTarget[] {
  return servers.map(([name, s, role]) => ({
    name,
    role,
    endpoint: s.endpoint,
    bucket: "hearth-backups",
    region: "us-east-1",
    accessKeyId: s.accessKeyId,
  }));
}

/** What a run of the script gave. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs steps of hearth-backup.sh for `app` against `targets`, as the CronJobs do. */
export function run(
  step: string[],
  app: AppData,
  targets: BackupTarget[],
  keys: Record<string, string>,
  extra: Record<string, string> = {},
  retention: Retention = { last: 0, daily: 7, weekly: 4, monthly: 6 },
): Run {
  const paths: WorkPaths = {
    stage: join(work, app.app, "stage"),
    scratch: join(work, app.app, "scratch"),
    cache: join(work, app.app, "cache"),
  };
  const r = spawnSync("sh", [SCRIPT, ...step], {
    env: {
      PATH: process.env.PATH,
      ...scriptEnv(app, paths, targets, retention, "100%"),
      ...secretEnv(PASSWORD, targets, keys),
      ...extra,
    },
    encoding: "utf8",
    timeout: 120000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A file's SHA-256. */
export const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");

/** Every file under a directory, recursively. */
export function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** How many snapshots of `app` the server holds. */
export function snapshotCount(s: TestS3, app: string): number {
  const dir = join(s.root, "hearth-backups", app, "snapshots");
  return readdirSync(dir).length;
}

/** Starts a process that keeps inserting rows into a WAL-mode SQLite database until killed. */
export function startWriter(db: string): ChildProcess {
  const program = `
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode=WAL")
c.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, note TEXT, pad BLOB)")
print("ready", flush=True)
i = 0
while True:
    c.execute("BEGIN")
    for _ in range(50):
        c.execute("INSERT INTO t (note, pad) VALUES (?, randomblob(512))", ("${CANARY} row %d" % i,))
        i += 1
    c.execute("COMMIT")
    time.sleep(0.005)
`;
  return spawn("python3", ["-c", program, db], { stdio: ["ignore", "pipe", "inherit"] });
}
