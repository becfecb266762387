/**
 * `npm run hearth -- restore <app> [--snapshot ID] [--to scratch|live] [--yes] [--stack NAME]`: scratch (the
 * default) restores into a throwaway volume; live scales the app to 0, keeps the data it had as a pre-restore
 * snapshot, restores, and scales it back; it asks first unless --yes (docs/backups.md).
 */
import { createInterface } from "node:readline/promises";
import { Kubectl, replicas, scale } from "../backup/kubectl";
import { BackupPlan, chooseSnapshot, Snapshot } from "../backup/restic";
import { Command, parseArgs, stackOf, Usage } from "../command";
import { stackOutputs } from "../pulumi";
import {
  appOf,
  BackupOps,
  backupNow,
  backupStackOf,
  jobOutcome,
  kubectlBin,
  realOps,
} from "./backup";

/** Where a restore writes: a throwaway volume, or the app's own. */
export type RestoreTo = "scratch" | "live";

/** What a restore does besides a backup's operations: scale the app, and ask the operator. */
export interface RestoreOps extends BackupOps {
  replicas(namespace: string, workload: { kind: string; name: string }): number;
  scale(namespace: string, workload: { kind: string; name: string }, n: number): void;
  confirm(question: string): Promise<boolean>;
}

/** `--to`, checked. */
export function restoreTarget(to: string | true | undefined): RestoreTo {
  const value = to ?? "scratch";
  if (value !== "scratch" && value !== "live")
    throw new Usage(`--to takes scratch or live, not ${String(value)}`);
  return value;
}

/**
 * Restores a snapshot of the app. To live, the app is scaled to 0 first and back to what it had after, even
 * when a step fails, and its data is kept as a pre-restore snapshot before anything is overwritten: without
 * that snapshot nothing is restored.
 */
export async function restore(
  plan: BackupPlan,
  ops: RestoreOps,
  app: string,
  snap: Snapshot,
  options: { to: RestoreTo; yes?: boolean; now?: number },
): Promise<number> {
  const a = appOf(plan, app);
  const now = (options.now ?? Date.now()).toString(36);
  ops.say(`restore of ${app}: snapshot ${snap.short_id} of ${snap.time}, to ${options.to}`);
  if (options.to === "scratch") {
    const job = await ops.runJob(a.namespace, a.cronJobs.restore, {
      step: ["restore", snap.id],
      suffix: `scratch-${now}`,
    });
    ops.say(`restore of ${app}: ${jobOutcome(job)}`);
    return job.ok ? 0 : 1;
  }
  const question =
    `Replace the live data of ${app} (${a.namespace}/${a.claimName}) with snapshot ${snap.short_id}? ` +
    `${a.workload.kind} ${a.workload.name} is scaled to 0 until it is done.`;
  if (!options.yes && !(await ops.confirm(question))) {
    ops.warn("restore: not confirmed; nothing was changed (pass --yes to skip the question)");
    return 1;
  }
  const n = ops.replicas(a.namespace, a.workload);
  ops.scale(a.namespace, a.workload, 0);
  ops.say(`restore of ${app}: ${a.workload.kind} ${a.workload.name} scaled from ${n} to 0`);
  try {
    // The state before the restore is kept as a snapshot of its own.
    if (!(await backupNow(plan, ops, app, "pre-restore", options.now))) {
      ops.warn(`restore of ${app}: no pre-restore snapshot, so the live data was left as it was`);
      return 1;
    }
    const job = await ops.runJob(a.namespace, a.cronJobs.restore, {
      step: ["restore", snap.id],
      env: { HEARTH_RESTORE_LIVE: "1" },
      suffix: `live-${now}`,
    });
    ops.say(`restore of ${app}: ${jobOutcome(job)}`);
    return job.ok ? 0 : 1;
  } finally {
    ops.scale(a.namespace, a.workload, n);
    ops.say(`restore of ${app}: ${a.workload.kind} ${a.workload.name} scaled back to ${n}`);
  }
}

/** Asks on the terminal; anything but y or yes, or no terminal, is no. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

/** `restore`. */
export const command: Command = {
  name: "restore",
  usage: "restore <app> [--snapshot ID] [--to scratch|live] [--yes]   [--stack NAME]",
  summary: "a snapshot into a throwaway volume, or into the live app after a pre-restore snapshot",
  async run(argv) {
    const { words, flags } = parseArgs(argv, {
      booleans: ["yes"],
      values: ["stack", "snapshot", "to"],
    });
    const [app] = words;
    if (!app) throw new Usage("name the app: restore <app>");
    const to = restoreTarget(flags.to);
    const name = stackOf(flags);
    const stack = backupStackOf(name, await stackOutputs(name));
    appOf(stack.plan, app);
    const wanted = typeof flags.snapshot === "string" ? flags.snapshot : undefined;
    const snap = chooseSnapshot(stack.plan, stack.access, app, wanted);
    const kubectl = new Kubectl(stack.kubeconfig, kubectlBin());
    try {
      const ops: RestoreOps = {
        ...realOps(stack, kubectl),
        replicas: (ns, w) => replicas(kubectl, ns, w),
        scale: (ns, w, n) => scale(kubectl, ns, w, n),
        confirm,
      };
      return await restore(stack.plan, ops, app, snap, { to, yes: flags.yes === true });
    } finally {
      kubectl.close();
    }
  },
};
