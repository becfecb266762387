/**
 * `npm run hearth -- backup status [--json] | backup now <app> [--stack NAME]`: each app's snapshots per
 * target with their age, size and last good drill; or the app's backup CronJob run once, checked by a new
 * snapshot on every target (docs/backups.md).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Kubectl, runJobFrom } from "../backup/kubectl";
import {
  BackupAccess,
  BackupPlan,
  backupStatus,
  listSnapshots,
  statusTable,
} from "../backup/restic";
import { Command, parseArgs, stackOf, Usage } from "../command";
import { RESTIC_CACHE, stackOutputs } from "../pulumi";

/** What the backup commands read from a stack's outputs. */
export interface BackupStack {
  plan: BackupPlan;
  access: BackupAccess;
  kubeconfig: string;
}

/** The outputs of a stack, refused when the stack has no backups. */
export function backupStackOf(name: string, out: Record<string, unknown>): BackupStack {
  const plan = out.backups as BackupPlan | undefined;
  const access = out.backupAccess as BackupAccess | undefined;
  if (!plan || !access) {
    throw new Error(
      `stack ${name} has no backups: set hearth:backup (docs/backups.md) and run pulumi up`,
    );
  }
  return { plan, access, kubeconfig: String(out.kubeconfig ?? "") };
}

/** The app's entry in the backup plan; a missing name is a usage error, an unknown app names the others. */
export function appOf(plan: BackupPlan, app: string | undefined): BackupPlan["apps"][string] {
  if (!app) throw new Usage("name the app");
  const a = plan.apps[app];
  if (!a) {
    throw new Error(
      `app "${app}" has no backups in this stack; it has: ${Object.keys(plan.apps).join(", ") || "none"}`,
    );
  }
  return a;
}

/** Where the backup commands act: restic and kubectl for real, stand-ins in the tests. */
export interface BackupOps {
  /** How many backup snapshots of the app a target holds (0 before its first). */
  countSnapshots(app: string, target: string): number;
  /** Starts a Job from a CronJob and waits until it completes or fails. */
  runJob(
    namespace: string,
    cronJob: string,
    opts: { env?: Record<string, string>; step?: string[]; suffix: string },
  ): Promise<{ name: string; ok: boolean; message: string }>;
  say(line: string): void;
  warn(line: string): void;
}

/** A Job's outcome in the operator's words. */
export function jobOutcome(job: { name: string; ok: boolean; message: string }): string {
  return `Job ${job.name} ${job.ok ? "completed" : `failed: ${job.message}`}`;
}

/**
 * Runs the app's backup CronJob once; succeeds only when every target then holds a new snapshot. `tag` (e.g.
 * pre-restore) is added to the snapshots and to the Job's name.
 */
export async function backupNow(
  plan: BackupPlan,
  ops: BackupOps,
  app: string,
  tag?: string,
  now = Date.now(),
): Promise<boolean> {
  const a = appOf(plan, app);
  const before = new Map(plan.targets.map((t) => [t.name, ops.countSnapshots(app, t.name)]));
  ops.say(`backup of ${app}: starting a Job from CronJob ${a.namespace}/${a.cronJobs.backup}`);
  const job = await ops.runJob(a.namespace, a.cronJobs.backup, {
    env: tag ? { HEARTH_EXTRA_TAG: tag } : {},
    suffix: `${tag ?? "now"}-${now.toString(36)}`,
  });
  ops.say(`backup of ${app}: ${jobOutcome(job)}`);
  if (!job.ok) return false;
  let ok = true;
  for (const t of plan.targets) {
    const after = ops.countSnapshots(app, t.name);
    if (after > (before.get(t.name) ?? 0)) ops.say(`  ${t.name}: new snapshot (${after} in all)`);
    else {
      ok = false;
      ops.warn(`  ${t.name}: the Job completed but no new snapshot arrived at ${t.endpoint}`);
    }
  }
  return ok;
}

/** The sandbox's kubectl when `npm run hearth` runs in the toolchain's environment, else kubectl on PATH. */
export function kubectlBin(env: NodeJS.ProcessEnv = process.env): string {
  const sandbox = join(env.HEARTH_SANDBOX_BIN ?? "", "kubectl");
  return env.HEARTH_SANDBOX_BIN && existsSync(sandbox) ? sandbox : "kubectl";
}

/** The real operations on a stack: restic against its targets, kubectl against its cluster. */
export function realOps(stack: BackupStack, kubectl: Kubectl): BackupOps {
  return {
    countSnapshots: (app, target) => {
      const t = stack.plan.targets.find((x) => x.name === target)!;
      return listSnapshots(stack.plan, stack.access, app, t, RESTIC_CACHE)?.length ?? 0;
    },
    runJob: (namespace, cronJob, opts) => runJobFrom(kubectl, namespace, cronJob, opts),
    say: (line) => console.log(line),
    warn: (line) => console.error(line),
  };
}

/** `backup status` and `backup now`. */
export const command: Command = {
  name: "backup",
  usage: "backup status [--json] | backup now <app>   [--stack NAME]",
  summary: "each app's snapshots per target, or one backup now checked on every target",
  async run(argv) {
    const { words, flags } = parseArgs(argv, { booleans: ["json"], values: ["stack"] });
    const [sub, app] = words;
    const name = stackOf(flags);
    if (sub === "status") {
      const { plan, access } = backupStackOf(name, await stackOutputs(name));
      const rows = backupStatus(plan, access);
      console.log(flags.json ? JSON.stringify(rows, null, 2) : statusTable(rows));
      return rows.some((r) => r.error) ? 1 : 0;
    }
    if (sub === "now") {
      if (!app) throw new Usage("name the app: backup now <app>");
      const stack = backupStackOf(name, await stackOutputs(name));
      appOf(stack.plan, app);
      const kubectl = new Kubectl(stack.kubeconfig, kubectlBin());
      try {
        return (await backupNow(stack.plan, realOps(stack, kubectl), app)) ? 0 : 1;
      } finally {
        kubectl.close();
      }
    }
    throw new Usage(sub ? `unknown backup command: ${sub}` : "backup status or backup now <app>");
  },
};
