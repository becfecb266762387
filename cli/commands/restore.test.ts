/** `restore`'s logic on stand-in operations: scratch, live with its guards, and the order of every step. */
import type { Snapshot } from "../backup/restic";
import { Usage } from "../command";
import { fakeOps, samplePlan } from "../../test/backup-stand-ins";
import { restore, RestoreOps, restoreTarget } from "./restore";

const SNAP: Snapshot = {
  id: "abcdef0123",
  short_id: "abcdef01",
  time: "2026-12-01T03:00:00Z",
  paths: [],
};

function restoreOps(opts: Parameters<typeof fakeOps>[0] & { answer?: boolean } = {}) {
  const base = fakeOps(opts);
  const ops: RestoreOps = {
    ...base.ops,
    replicas: () => 2,
    scale: (ns, w, n) => void base.calls.push(`scale ${ns}/${w.kind}/${w.name} ${n}`),
    confirm: async (q) => {
      base.calls.push(`ask ${q}`);
      return opts.answer ?? false;
    },
  };
  return { ...base, ops };
}

describe("restore", () => {
  it("to scratch: one Job from the restore CronJob with the snapshot, nothing scaled or asked", async () => {
    const { ops, calls } = restoreOps();
    expect(await restore(samplePlan(), ops, "zot", SNAP, { to: "scratch", now: 35 })).toBe(0);
    expect(calls).toEqual([
      `job zot/hearth-restore-zot {"step":["restore","abcdef0123"],"suffix":"scratch-z"}`,
    ]);
  });

  it("to live: asks, scales to 0, keeps a pre-restore snapshot, restores, scales back", async () => {
    const { ops, calls } = restoreOps({ answer: true });
    expect(await restore(samplePlan(), ops, "zot", SNAP, { to: "live", now: 35 })).toBe(0);
    expect(calls).toEqual([
      expect.stringMatching(
        /^ask Replace the live data of zot \(zot\/zot-pvc-zot-0\) with snapshot abcdef01\?/,
      ),
      "scale zot/StatefulSet/zot 0",
      `job zot/hearth-backup-zot {"env":{"HEARTH_EXTRA_TAG":"pre-restore"},"suffix":"pre-restore-z"}`,
      `job zot/hearth-restore-zot {"step":["restore","abcdef0123"],"env":{"HEARTH_RESTORE_LIVE":"1"},"suffix":"live-z"}`,
      "scale zot/StatefulSet/zot 2",
    ]);
  });

  it("to live with --yes: does not ask", async () => {
    const { ops, calls } = restoreOps();
    expect(await restore(samplePlan(), ops, "zot", SNAP, { to: "live", yes: true })).toBe(0);
    expect(calls.some((c) => c.startsWith("ask"))).toBe(false);
  });

  it("to live, not confirmed: changes nothing", async () => {
    const { ops, calls, lines } = restoreOps({ answer: false });
    expect(await restore(samplePlan(), ops, "zot", SNAP, { to: "live" })).toBe(1);
    expect(calls).toHaveLength(1);
    expect(lines).toContain(
      "! restore: not confirmed; nothing was changed (pass --yes to skip the question)",
    );
  });

  it("to live without a pre-restore snapshot: restores nothing and scales the app back", async () => {
    const { ops, calls, lines } = restoreOps({ lands: [] });
    expect(await restore(samplePlan(), ops, "zot", SNAP, { to: "live", yes: true })).toBe(1);
    expect(calls.filter((c) => c.includes("hearth-restore-zot"))).toEqual([]);
    expect(calls.at(-1)).toBe("scale zot/StatefulSet/zot 2");
    expect(lines).toContain(
      "! restore of zot: no pre-restore snapshot, so the live data was left as it was",
    );
  });

  it.each([
    [undefined, "scratch"],
    ["scratch", "scratch"],
    ["live", "live"],
  ] as const)("--to %s is %s", (to, target) => {
    expect(restoreTarget(to)).toBe(target);
  });

  it("refuses another --to", () => {
    expect(() => restoreTarget("elsewhere")).toThrow(Usage);
    expect(() => restoreTarget(true)).toThrow("--to takes scratch or live, not true");
  });
});
