/**
 * The operator commands' restic side (cli/backup/restic.ts: status, snapshots, choosing one to restore)
 * against two real S3 servers that hearth-backup.sh has backed up to, with the same harness as
 * restic-s3.contract.test.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppData, BackupTarget, repository } from "../../components/backup/plan";
import {
  BackupAccess,
  BackupPlan,
  backupStatus,
  chooseSnapshot,
  listSnapshots,
  statusTable,
} from "../../cli/backup/restic";
import { local, offsite, PASSWORD, run, targetsOf, work } from "./restic-s3-harness";

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
