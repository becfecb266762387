/**
 * `npm run hearth -- <command>`: operator commands against a deployed stack, on Pulumi's Automation API (the
 * stack's outputs give where everything is and its secrets; nothing is redeployed).
 *
 *   backup status [--json]                         each app's snapshots per target, age, size, last good drill
 *   backup now <app>                               runs the app's backup CronJob once and checks the snapshots
 *   restore <app> [--snapshot ID] [--to scratch|live] [--yes]
 *                                                  scratch (default): restores into a throwaway volume;
 *                                                  live: scales the app to 0, snapshots it (pre-restore),
 *                                                  restores, scales it back; asks first unless --yes
 *   plan                                           pulumi preview with a risk summary: data a change would delete
 *                                                  or replace, commands that would run on nodes; exit 1 when data
 *                                                  would be lost without a declared intent (scripts/hearth/plan.ts)
 *   resume                                         after a run killed outright: a torn checkpoint file, a dead
 *                                                  process's lock, orphaned plugins and pending operations put
 *                                                  right, so the next up converges (scripts/hearth/resume.ts)
 *
 * Options: --stack NAME (default dev, or $HEARTH_STACK). Exit 0 on success, 1 on failure, 2 on bad usage.
 */
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import {
  BackupAccess,
  BackupPlan,
  Kubectl,
  backupStatus,
  chooseSnapshot,
  listSnapshots,
  replicas,
  runJobFrom,
  scale,
  statusTable,
} from "./hearth/backup-ops";
import { fileBackendDir, pulumiRunner, resumeStack } from "./hearth/resume";
import { formatSummary, PlanStep, refusalOf, riskSummary } from "./hearth/plan";

const ROOT = resolve(__dirname, "..");

class Usage extends Error {}

interface Args {
  words: string[];
  flags: Record<string, string | true>;
}

function parse(argv: string[]): Args {
  const words: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) words.push(a);
    else if (["--json", "--yes"].includes(a)) flags[a.slice(2)] = true;
    else if (["--stack", "--snapshot", "--to"].includes(a) && argv[i + 1] !== undefined)
      flags[a.slice(2)] = argv[++i];
    else throw new Usage(`unknown option ${a}`);
  }
  return { words, flags };
}

async function stackOutputs(name: string) {
  const stack = await LocalWorkspace.selectStack({ stackName: name, workDir: ROOT });
  const out = await stack.outputs();
  const plan = out.backups?.value as BackupPlan | undefined;
  const access = out.backupAccess?.value as BackupAccess | undefined;
  if (!plan || !access) {
    throw new Error(
      `stack ${name} has no backups: set hearth:backup (docs/backups.md) and run pulumi up`,
    );
  }
  return { plan, access, kubeconfig: String(out.kubeconfig?.value ?? "") };
}

function kubectlBin(): string {
  const sandbox = join(process.env.HEARTH_SANDBOX_BIN ?? "", "kubectl");
  return process.env.HEARTH_SANDBOX_BIN && existsSync(sandbox) ? sandbox : "kubectl";
}

function appOf(plan: BackupPlan, app: string | undefined) {
  if (!app) throw new Usage("name the app");
  const a = plan.apps[app];
  if (!a) {
    throw new Error(
      `app "${app}" has no backups in this stack; it has: ${Object.keys(plan.apps).join(", ") || "none"}`,
    );
  }
  return a;
}

/** Runs the backup CronJob once; succeeds only when every target then holds a new snapshot. */
async function backupNow(
  plan: BackupPlan,
  access: BackupAccess,
  kubectl: Kubectl,
  app: string,
  tag?: string,
): Promise<boolean> {
  const a = appOf(plan, app);
  const before = new Map(
    plan.targets.map((t) => [t.name, countSnapshots(plan, access, app, t.name)]),
  );
  const suffix = `${tag ?? "now"}-${Date.now().toString(36)}`;
  console.log(`backup of ${app}: starting a Job from CronJob ${a.namespace}/${a.cronJobs.backup}`);
  const job = await runJobFrom(kubectl, a.namespace, a.cronJobs.backup, {
    env: tag ? { HEARTH_EXTRA_TAG: tag } : {},
    suffix,
  });
  console.log(
    `backup of ${app}: Job ${job.name} ${job.ok ? "completed" : `failed: ${job.message}`}`,
  );
  if (!job.ok) return false;
  let ok = true;
  for (const t of plan.targets) {
    const after = countSnapshots(plan, access, app, t.name);
    if (after > (before.get(t.name) ?? 0))
      console.log(`  ${t.name}: new snapshot (${after} in all)`);
    else {
      ok = false;
      console.error(`  ${t.name}: the Job completed but no new snapshot arrived at ${t.endpoint}`);
    }
  }
  return ok;
}

function countSnapshots(
  plan: BackupPlan,
  access: BackupAccess,
  app: string,
  target: string,
): number {
  const t = plan.targets.find((x) => x.name === target)!;
  const dir = join(ROOT, ".cache", "restic");
  return listSnapshots(plan, access, app, t, dir)?.length ?? 0;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

async function main(argv: string[]): Promise<number> {
  const { words, flags } = parse(argv);
  const stackName =
    typeof flags.stack === "string" ? flags.stack : (process.env.HEARTH_STACK ?? "dev");
  const [cmd, sub, app] = words;
  if (cmd === "backup" && sub === "status") {
    const { plan, access } = await stackOutputs(stackName);
    const rows = backupStatus(plan, access);
    console.log(flags.json ? JSON.stringify(rows, null, 2) : statusTable(rows));
    return rows.some((r) => r.error) ? 1 : 0;
  }
  if (cmd === "backup" && sub === "now") {
    const { plan, access, kubeconfig } = await stackOutputs(stackName);
    appOf(plan, app);
    const kubectl = new Kubectl(kubeconfig, kubectlBin());
    try {
      return (await backupNow(plan, access, kubectl, app)) ? 0 : 1;
    } finally {
      kubectl.close();
    }
  }
  if (cmd === "restore") {
    const target = sub;
    const to = flags.to ?? "scratch";
    if (to !== "scratch" && to !== "live")
      throw new Usage(`--to takes scratch or live, not ${String(to)}`);
    const { plan, access, kubeconfig } = await stackOutputs(stackName);
    const a = appOf(plan, target);
    const snap = chooseSnapshot(
      plan,
      access,
      target,
      typeof flags.snapshot === "string" ? flags.snapshot : undefined,
    );
    console.log(`restore of ${target}: snapshot ${snap.short_id} of ${snap.time}, to ${to}`);
    const kubectl = new Kubectl(kubeconfig, kubectlBin());
    try {
      if (to === "scratch") {
        const job = await runJobFrom(kubectl, a.namespace, a.cronJobs.restore, {
          step: ["restore", snap.id],
          suffix: `scratch-${Date.now().toString(36)}`,
        });
        console.log(
          `restore of ${target}: Job ${job.name} ${job.ok ? "completed" : `failed: ${job.message}`}`,
        );
        return job.ok ? 0 : 1;
      }
      const question =
        `Replace the live data of ${target} (${a.namespace}/${a.claimName}) with snapshot ${snap.short_id}? ` +
        `${a.workload.kind} ${a.workload.name} is scaled to 0 until it is done.`;
      if (!flags.yes && !(await confirm(question))) {
        console.error(
          "restore: not confirmed; nothing was changed (pass --yes to skip the question)",
        );
        return 1;
      }
      const n = replicas(kubectl, a.namespace, a.workload);
      scale(kubectl, a.namespace, a.workload, 0);
      console.log(
        `restore of ${target}: ${a.workload.kind} ${a.workload.name} scaled from ${n} to 0`,
      );
      try {
        // The state before the restore is kept as a snapshot of its own.
        if (!(await backupNow(plan, access, kubectl, target, "pre-restore"))) {
          console.error(
            `restore of ${target}: no pre-restore snapshot, so the live data was left as it was`,
          );
          return 1;
        }
        const job = await runJobFrom(kubectl, a.namespace, a.cronJobs.restore, {
          step: ["restore", snap.id],
          env: { HEARTH_RESTORE_LIVE: "1" },
          suffix: `live-${Date.now().toString(36)}`,
        });
        console.log(
          `restore of ${target}: Job ${job.name} ${job.ok ? "completed" : `failed: ${job.message}`}`,
        );
        return job.ok ? 0 : 1;
      } finally {
        scale(kubectl, a.namespace, a.workload, n);
        console.log(
          `restore of ${target}: ${a.workload.kind} ${a.workload.name} scaled back to ${n}`,
        );
      }
    } finally {
      kubectl.close();
    }
  }
  if (cmd === "plan") {
    const r = pulumiRunner(process.env, ROOT)(["preview", "--json", "--stack", stackName]);
    if (r.code !== 0) {
      console.error(`plan: the preview of ${stackName} failed:\n${refusalOf(r.out)}`);
      return 1;
    }
    const steps = (JSON.parse(r.stdout) as { steps?: PlanStep[] }).steps ?? [];
    const summary = riskSummary(steps);
    console.log(formatSummary(summary));
    return summary.lost.length > 0 ? 1 : 0;
  }
  if (cmd === "resume") {
    const run = pulumiRunner(process.env, ROOT);
    // The kubeconfig is read from the outputs without the lock; a stack that never finished an up has none.
    const out = run(["stack", "output", "kubeconfig", "--show-secrets", "--stack", stackName]);
    const report = await resumeStack({
      stack: stackName,
      project: "hearth",
      checkout: ROOT,
      backendDir: fileBackendDir(process.env.PULUMI_BACKEND_URL),
      pulumi: run,
      kubeconfig: out.code === 0 && out.stdout.trim() ? out.stdout : undefined,
    });
    for (const line of report.lines) console.log(`resume: ${line}`);
    if (report.lines.length === 0) console.log("resume: nothing to put right");
    return 0;
  }
  throw new Usage(`unknown command: ${words.join(" ") || "(none)"}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    if (e instanceof Usage) {
      console.error(
        `hearth: ${e.message}\nusage: npm run hearth -- backup status [--json] | backup now <app> | restore <app> [--snapshot ID] [--to scratch|live] [--yes] | plan | resume   [--stack NAME]`,
      );
      process.exit(2);
    }
    console.error(`hearth: ${e.message}`);
    process.exit(1);
  },
);
