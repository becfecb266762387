/**
 * Real backups: the shipped hearth-backup.sh, Debian's restic and sqlite3, and two real S3 servers (versitygw on
 * loopback) as a local and an offsite target. Nothing here is mocked: the buckets on disk are what restic wrote.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AppData,
  BackupTarget,
  Retention,
  WorkPaths,
  repository,
  scriptEnv,
  secretEnv,
} from "../../components/backup/plan";
import {
  BackupAccess,
  BackupPlan,
  backupStatus,
  chooseSnapshot,
  listSnapshots,
  statusTable,
} from "../../cli/backup/restic";
import { startS3, TestS3 } from "../s3-server";

const SCRIPT = join(__dirname, "..", "..", "components", "backup", "hearth-backup.sh");
const CANARY = "hearth-canary-7d41c0ffee";
const PASSWORD = "correct horse battery staple, for this test only";

jest.setTimeout(180000);

let local: TestS3;
let offsite: TestS3;
let work: string;
let writer: ChildProcess | undefined;

beforeAll(async () => {
  [local, offsite] = await Promise.all([startS3(), startS3()]);
  work = mkdtempSync(join(tmpdir(), "hearth-backup-test-"));
});
afterAll(async () => {
  writer?.kill("SIGKILL");
  await Promise.all([local?.stop(), offsite?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

function targetsOf(...servers: [string, TestS3, "local" | "offsite"][]): BackupTarget[] {
  return servers.map(([name, s, role]) => ({
    name,
    role,
    endpoint: s.endpoint,
    bucket: "hearth-backups",
    region: "us-east-1",
    accessKeyId: s.accessKeyId,
  }));
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(
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

const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");

/** Every file under a directory, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

function snapshotCount(s: TestS3, app: string): number {
  const dir = join(s.root, "hearth-backups", app, "snapshots");
  return readdirSync(dir).length;
}

/** Starts a process that keeps inserting rows into a WAL-mode SQLite database until killed. */
function startWriter(db: string): ChildProcess {
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

describe("hearth-backup.sh against two real S3 servers", () => {
  const app: AppData = { app: "gitea", dataPath: "", sqlite: ["gitea/gitea.db"] };
  let targets: BackupTarget[];
  let keys: Record<string, string>;
  let originals: Map<string, string>;

  beforeAll(async () => {
    app.dataPath = join(work, "live", "data");
    mkdirSync(join(app.dataPath, "gitea"), { recursive: true });
    mkdirSync(join(app.dataPath, "repos", "hearth"), { recursive: true });
    writeFileSync(join(app.dataPath, "repos", "hearth", "README.md"), `# ${CANARY}\n`);
    writeFileSync(join(app.dataPath, "app.ini"), `[security]\nSECRET_KEY = ${CANARY}\n`);
    targets = targetsOf(["nas", local, "local"], ["off-site", offsite, "offsite"]);
    keys = { nas: local.secretAccessKey, "off-site": offsite.secretAccessKey };
    writer = startWriter(join(app.dataPath, "gitea", "gitea.db"));
    await new Promise<void>((resolve) => writer!.stdout!.once("data", () => resolve()));
    await new Promise((r) => setTimeout(r, 500)); // rows and a WAL file exist
  });

  test("backs up a live SQLite database consistently to both targets, and restores it byte for byte", async () => {
    const b = run(["backup"], app, targets, keys);
    expect(b.stderr).toBe("");
    expect(b.status).toBe(0);
    expect(b.stdout).toMatch(/target nas: snapshot [0-9a-f]{8} added \d+ bytes/);
    expect(b.stdout).toMatch(/target off-site: snapshot [0-9a-f]{8}/);
    expect(snapshotCount(local, "gitea")).toBe(1);
    expect(snapshotCount(offsite, "gitea")).toBe(1);
    // The consistent copy the snapshot holds, kept aside to compare the restore with.
    const staged = join(work, "gitea", "stage", "sqlite", "gitea", "gitea.db");
    const expected = join(work, "expected.db");
    copyFileSync(staged, expected);
    originals = new Map(
      ["repos/hearth/README.md", "app.ini"].map((f) => [f, sha(join(app.dataPath, f))]),
    );

    // The writer goes on writing while the data is lost.
    writer!.kill("SIGKILL");
    writer = undefined;
    rmSync(app.dataPath, { recursive: true, force: true });

    const to = join(work, "restored");
    const r = run(["restore", "latest"], app, targets, keys, { HEARTH_RESTORE_TO: to });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const back = join(to, app.dataPath);
    expect(sha(join(back, "gitea", "gitea.db"))).toBe(sha(expected));
    for (const [f, h] of originals) expect(sha(join(back, f))).toBe(h);
    const check = spawnSync(
      "sqlite3",
      [join(back, "gitea", "gitea.db"), "PRAGMA integrity_check;"],
      {
        encoding: "utf8",
      },
    );
    expect(check.stdout.trim()).toBe("ok");
    const rows = spawnSync(
      "sqlite3",
      [join(back, "gitea", "gitea.db"), "SELECT count(*) FROM t;"],
      {
        encoding: "utf8",
      },
    );
    expect(Number(rows.stdout.trim())).toBeGreaterThan(0);

    // Restoring to live puts the data back where it was.
    const live = run(["restore", "latest"], app, targets, keys, {
      HEARTH_RESTORE_TO: join(work, "restored-live"),
      HEARTH_RESTORE_LIVE: "1",
    });
    expect(live.stderr).toBe("");
    expect(live.status).toBe(0);
    expect(sha(join(app.dataPath, "gitea", "gitea.db"))).toBe(sha(expected));
  });

  test("the canary never appears in plain text in either bucket", () => {
    for (const s of [local, offsite]) {
      const all = files(s.root);
      expect(all.length).toBeGreaterThan(3);
      for (const f of all) expect(readFileSync(f).includes(CANARY)).toBe(false);
    }
  });

  test("a drill restores the latest snapshot of each target to scratch, verifies it and records it", () => {
    const d = run(["drill"], app, targets, keys);
    expect(d.stderr).toBe("");
    expect(d.status).toBe(0);
    expect(d.stdout).toMatch(/target nas: snapshot [0-9a-f]{64} verified \(\d+ files\)/);
    expect(d.stdout).toMatch(/target off-site: drill of snapshot [0-9a-f]{64} recorded/);
    // The live volume is untouched by the drill and the scratch copy is gone.
    expect(sha(join(app.dataPath, "app.ini"))).toBe(originals.get("app.ini"));
    expect(readdirSync(join(work, "gitea", "scratch"))).toEqual([]);
  });

  test("retention prunes to the configured number of snapshots", () => {
    for (let i = 0; i < 4; i++) {
      writeFileSync(join(app.dataPath, `change-${i}`), `${i}`);
      const b = run(
        ["backup"],
        app,
        targets,
        keys,
        {},
        { last: 2, daily: 0, weekly: 0, monthly: 0 },
      );
      expect(b.status).toBe(0);
    }
    // Two backups are kept on each target; the drill records are counted apart (their own tag).
    const s = run(["snapshots"], app, targets, keys);
    const lists = s.stdout
      .split("\n")
      .filter((l) => l.startsWith("["))
      .map((l) => JSON.parse(l) as { tags: string[] }[]);
    expect(lists.map((l) => l.length)).toEqual([2, 2]);
    for (const l of lists) for (const snap of l) expect(snap.tags).toContain("hearth-backup");
  });

  test("a file the app writes between stage and push is reported by the drill, not taken for damage", () => {
    const keep1 = { last: 1, daily: 0, weekly: 0, monthly: 0 };
    expect(run(["stage"], app, targets, keys).status).toBe(0);
    writeFileSync(join(app.dataPath, "app.ini"), `[security]\nSECRET_KEY = ${CANARY}\n; edited\n`);
    expect(run(["push"], app, targets, keys, {}, keep1).status).toBe(0);
    const d = run(["drill"], app, targets, keys);
    expect(d.stderr).toBe("");
    expect(d.status).toBe(0);
    expect(d.stdout).toMatch(
      /target nas: \/.*\/app\.ini changed while the backup ran \(not damage\)/,
    );
    // A pre-restore snapshot skips retention, so the snapshot about to be restored is still there.
    const before = snapshotCount(local, "gitea");
    expect(
      run(["backup"], app, targets, keys, { HEARTH_EXTRA_TAG: "pre-restore" }, keep1).status,
    ).toBe(0);
    expect(snapshotCount(local, "gitea")).toBe(before + 1);
    expect(
      run(["backup"], app, targets, keys, {}, { last: 2, daily: 0, weekly: 0, monthly: 0 }).status,
    ).toBe(0);
  });

  test("a corrupted pack makes the drill fail, naming the target and the snapshot; the other target passes", () => {
    const packs = files(join(offsite.root, "hearth-backups", "gitea", "data"));
    expect(packs.length).toBeGreaterThan(0);
    for (const p of packs) {
      const buf = readFileSync(p);
      const at = Math.floor(buf.length / 2);
      buf[at] ^= 0xff;
      writeFileSync(p, buf);
    }
    const d = run(["drill"], app, targets, keys);
    expect(d.status).toBe(1);
    expect(d.stderr).toMatch(
      new RegExp(
        `FAILED target off-site \\(s3:${offsite.endpoint.replace(/[.]/g, "\\.")}/hearth-backups/gitea\\): snapshot [0-9a-f]{64}: restic check`,
      ),
    );
    expect(d.stderr).toContain("drill-restore failed for: off-site");
    expect(d.stdout).toMatch(/target nas: restored snapshot/);
  });

  test("wrong credentials and an unreachable endpoint fail with the endpoint and the S3 error; good targets still back up", () => {
    const before = snapshotCount(local, "gitea");
    const bad = targetsOf(["nas", local, "local"], ["off-site", offsite, "offsite"]);
    bad.push({ ...bad[1], name: "gone", endpoint: "http://127.0.0.1:9" });
    const wrong = { ...keys, "off-site": "not-the-secret", gone: offsite.secretAccessKey };
    const b = run(
      ["backup"],
      app,
      bad,
      wrong,
      {},
      {
        last: 3,
        daily: 0,
        weekly: 0,
        monthly: 0,
      },
    );
    expect(b.status).toBe(1);
    expect(b.stderr).toContain(
      `FAILED target off-site (s3:${offsite.endpoint}/hearth-backups/gitea)`,
    );
    // versitygw's answer to a wrong secret key.
    expect(b.stderr).toMatch(/off-site.*opening the repository: .*Access Denied/);
    expect(b.stderr).toContain("FAILED target gone (s3:http://127.0.0.1:9/hearth-backups/gitea)");
    expect(b.stderr).toMatch(/connection refused/);
    expect(b.stderr).toContain("push failed for: off-site gone");
    // No repository was created where the credentials were wrong, and nas got its snapshot.
    expect(snapshotCount(local, "gitea")).toBe(before + 1);
    expect(b.stderr).not.toContain("not-the-secret");
    expect(b.stdout).not.toMatch(/initialising .*off-site/);
  });

  test("a restore of a snapshot that does not exist fails clearly", () => {
    const r = run(["restore", "0123abcd"], app, targets, keys, {
      HEARTH_RESTORE_TO: join(work, "x"),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /restoring snapshot 0123abcd from s3:.*failed: .*no matching ID found/,
    );
  });

  test("stage refuses a missing database and leaves the repository alone", () => {
    const r = run(["backup"], { ...app, sqlite: ["nope.db"] }, targets, keys);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`SQLite database ${app.dataPath}/nope.db does not exist`);
    expect(statSync(join(local.root, "hearth-backups", "gitea")).isDirectory()).toBe(true);
  });
});

describe("the operator commands' restic side against the real S3 servers", () => {
  const app: AppData = { app: "zot", dataPath: "", sqlite: [] };
  let targets: BackupTarget[];
  let keys: Record<string, string>;
  let plan: BackupPlan;
  let access: BackupAccess;

  beforeAll(() => {
    app.dataPath = join(work, "zot-data");
    mkdirSync(join(app.dataPath, "blobs"), { recursive: true });
    writeFileSync(join(app.dataPath, "blobs", "sha256-aa"), Buffer.alloc(200000, 7));
    targets = targetsOf(["nas", local, "local"], ["off-site", offsite, "offsite"]);
    keys = { nas: local.secretAccessKey, "off-site": offsite.secretAccessKey };
    plan = {
      targets,
      apps: {
        zot: {
          namespace: "zot",
          claimName: "hearth-zot-pvc-zot-0",
          mountPath: app.dataPath,
          sqlite: [],
          workload: { kind: "StatefulSet", name: "zot" },
          cronJobs: {
            backup: "hearth-backup-zot",
            drill: "hearth-drill-zot",
            restore: "hearth-restore-zot",
          },
          repositories: Object.fromEntries(targets.map((t) => [t.name, repository(t, "zot")])),
        },
      },
    };
    access = { password: PASSWORD, secretKeys: keys };
  });

  test("status reads every target: nothing yet, then the snapshot, its size and the last good drill", () => {
    const empty = backupStatus(plan, access);
    expect(empty.map((r) => [r.target, r.snapshots, r.error])).toEqual([
      ["nas", 0, undefined],
      ["off-site", 0, undefined],
    ]);
    expect(statusTable(empty)).toContain("no snapshot yet");

    expect(run(["backup"], app, targets, keys).status).toBe(0);
    expect(run(["drill"], app, targets, keys).status).toBe(0);
    const rows = backupStatus(plan, access);
    for (const r of rows) {
      expect(r.snapshots).toBe(1);
      expect(r.latest?.bytes).toBeGreaterThanOrEqual(200000);
      expect(r.lastGoodDrill?.ageHours).toBeLessThan(1);
    }
    const table = statusTable(rows);
    expect(table.split("\n")[0]).toMatch(
      /^APP\s+TARGET\s+SNAPSHOTS\s+LATEST\s+AGE\s+SIZE\s+LAST GOOD DRILL\s+STATUS$/,
    );
    expect(table).toMatch(/zot\s+nas\s+1\s+[0-9a-f]{8}\s+\S+\s+\d+\.\d KiB\s+\S+ ago\s+ok/);
  });

  test("a target with a wrong key is an error naming its repository, never skipped", () => {
    const rows = backupStatus(plan, { ...access, secretKeys: { ...keys, "off-site": "wrong" } });
    expect(rows[0].error).toBeUndefined();
    expect(rows[1].error).toContain(
      `target off-site (s3:${offsite.endpoint}/hearth-backups/zot): `,
    );
    expect(rows[1].error).toContain("Access Denied");
  });

  test("a restore of a snapshot that does not exist lists the ones that do", () => {
    const snaps = listSnapshots(plan, access, "zot", targets[0], join(work, "c")) ?? [];
    expect(snaps).toHaveLength(1);
    expect(chooseSnapshot(plan, access, "zot", snaps[0].short_id).id).toBe(snaps[0].id);
    expect(() => chooseSnapshot(plan, access, "zot", "deadbeef")).toThrow(
      `no snapshot of "zot" on target nas matches deadbeef; the snapshots there are:\n  ${snaps[0].short_id}  ${snaps[0].time}`,
    );
  });
});
