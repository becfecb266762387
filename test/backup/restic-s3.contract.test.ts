/**
 * Real backups: the shipped hearth-backup.sh, Debian's restic and sqlite3, and two real S3 servers (versitygw on
 * loopback) as a local and an offsite target. Nothing here is mocked: the buckets on disk are what restic wrote.
 */
import { ChildProcess, spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { AppData, BackupTarget } from "../../components/backup/plan";
import {
  CANARY,
  files,
  local,
  offsite,
  run,
  sha,
  snapshotCount,
  startWriter,
  targetsOf,
  work,
} from "./restic-s3-harness";

let writer: ChildProcess | undefined;

describe("hearth-backup.sh against two real S3 servers", () => {
  const app: AppData = { app: "gitea", dataPath: "", sqlite: ["gitea/gitea.db"] };
  let targets: BackupTarget[];
  let keys: Record<string, string>;
  let originals: Map<string, string>;

  afterAll(() => {
    writer?.kill("SIGKILL");
  });

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
