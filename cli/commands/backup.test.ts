/** `backup now`'s logic on stand-in operations: a Job, then a new snapshot on every target or a failure. */
import { fakeOps, samplePlan } from "../../test/backup-stand-ins";
import { Usage } from "../command";
import { appOf, backupNow, backupStackOf, jobOutcome } from "./backup";

describe("backup now", () => {
  it("runs the backup CronJob once and sees a new snapshot on every target", async () => {
    const { ops, calls, lines } = fakeOps();
    expect(await backupNow(samplePlan(), ops, "zot", undefined, 36 ** 3)).toBe(true);
    expect(calls).toEqual([`job zot/hearth-backup-zot {"env":{},"suffix":"now-1000"}`]);
    expect(lines).toEqual([
      "backup of zot: starting a Job from CronJob zot/hearth-backup-zot",
      "backup of zot: Job hearth-backup-zot-x completed",
      "  nas: new snapshot (3 in all)",
      "  offsite: new snapshot (3 in all)",
    ]);
  });

  it("tags the snapshots and names the Job after the tag", async () => {
    const { ops, calls } = fakeOps();
    await backupNow(samplePlan(), ops, "zot", "pre-restore", 35);
    expect(calls).toEqual([
      `job zot/hearth-backup-zot {"env":{"HEARTH_EXTRA_TAG":"pre-restore"},"suffix":"pre-restore-z"}`,
    ]);
  });

  it.each([
    [
      "a target that got no snapshot",
      { lands: ["nas"] },
      "!   offsite: the Job completed but no new snapshot arrived at https://s3.example.net",
    ],
    [
      "a failed Job",
      { jobOk: false },
      "backup of zot: Job hearth-backup-zot-x failed: BackoffLimitExceeded",
    ],
  ])("fails on %s, saying so", async (_what, opts, line) => {
    const { ops, lines } = fakeOps(opts);
    expect(await backupNow(samplePlan(), ops, "zot")).toBe(false);
    expect(lines).toContain(line);
  });
});

describe("the stack and the app", () => {
  it("refuses a stack without backups, naming the setting", () => {
    expect(() => backupStackOf("home", { kubeconfig: "k" })).toThrow(
      "stack home has no backups: set hearth:backup (docs/backups.md) and run pulumi up",
    );
    const plan = samplePlan();
    expect(
      backupStackOf("home", { backups: plan, backupAccess: { password: "p", secretKeys: {} } }),
    ).toEqual({
      plan,
      access: { password: "p", secretKeys: {} },
      kubeconfig: "",
    });
  });

  it("asks for the app, and names the apps there are", () => {
    expect(() => appOf(samplePlan(), undefined)).toThrow(Usage);
    expect(() => appOf(samplePlan(), "gitea")).toThrow(
      'app "gitea" has no backups in this stack; it has: zot',
    );
    expect(appOf(samplePlan(), "zot").namespace).toBe("zot");
  });

  it("says how a Job ended", () => {
    expect(jobOutcome({ name: "j", ok: true, message: "Complete" })).toBe("Job j completed");
    expect(jobOutcome({ name: "j", ok: false, message: "DeadlineExceeded" })).toBe(
      "Job j failed: DeadlineExceeded",
    );
  });
});
