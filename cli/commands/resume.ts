/**
 * `npm run hearth -- resume`: what a `pulumi up` killed outright (SIGKILL, a power cut, the OOM killer) leaves
 * behind, put right so the next run converges by itself (docs/day-2.md):
 *
 * 1. the file backend's half-written bookkeeping: an empty or torn `<stack>.json.attrs` beside an intact
 *    checkpoint (every later command then fails with "failed to load checkpoint: EOF") is removed;
 * 2. the stack's lock, when the process that took it is gone (same host, dead PID; a live one is never touched),
 *    released with `pulumi cancel`;
 * 3. that run's orphaned plugins and language host (re-parented, still running this checkout's program) stopped;
 * 4. its pending operations resolved by looking at the real object: a Helm release the killed run created is
 *    imported, one it left half-installed or half-upgraded (Helm's `pending-*` status, which blocks every later
 *    install or upgrade) has that revision's record removed; every other pending create is cleared, because
 *    running its create again converges (Kubernetes objects are applied server-side, Gitea objects and commands
 *    are adopted or idempotent, a generated value no one read yet is made anew).
 */
import { unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { kubeAccessOf, KubeAccess, kubeMessage, kubeRequest } from "../../provider/kube";
import { Command, parseArgs, stackOf, Usage } from "../command";
import { fileBackendDir, pulumiRunner, PulumiRunner, ROOT } from "../pulumi";
import {
  alive,
  HELM_RELEASE,
  orphanedPlugins,
  PendingOperation,
  Proc,
  processes,
  releaseStates,
  ReleaseState,
  resolvePending,
  stackLocks,
  staleLock,
  tornAttrs,
} from "../resume/leftovers";

/** What `resume` did, one line each. */
export interface ResumeReport {
  lines: string[];
}

/** The options `resumeStack` needs. */
export interface ResumeOptions {
  stack: string;
  project: string;
  checkout: string;
  backendDir?: string;
  pulumi: PulumiRunner;
  /** The cluster's admin kubeconfig (the stack output), to look at Helm releases. @default none: not looked at */
  kubeconfig?: string;
  /** This machine's processes, where orphaned plugins are looked for. @default every process of /proc */
  processes?: () => Proc[];
}

/** Puts right what a killed run left (this file's header), in that order; reports each step. */
export async function resumeStack(o: ResumeOptions): Promise<ResumeReport> {
  const lines: string[] = [];
  if (o.backendDir) {
    for (const f of tornAttrs(o.backendDir)) {
      unlinkSync(f);
      lines.push(`removed ${f}: half-written beside an intact checkpoint`);
    }
    const locks = stackLocks(o.backendDir, o.project, o.stack);
    const stale = locks.filter((l) => staleLock(l, hostname(), alive));
    for (const l of locks.filter((x) => !stale.includes(x)))
      lines.push(
        `the stack is locked by process ${l.pid} on ${l.hostname}, which ${l.hostname === hostname() ? "still runs" : "is another host"}: left alone`,
      );
    if (stale.length > 0 && stale.length === locks.length) {
      const r = o.pulumi(["cancel", "--yes", "--stack", o.stack]);
      if (r.code !== 0) throw new Error(`pulumi cancel failed: ${r.out}`);
      lines.push(
        `released the lock of process ${stale.map((l) => l.pid).join(", ")} (gone): pulumi cancel`,
      );
    }
  }
  const orphans = orphanedPlugins((o.processes ?? processes)(), o.checkout);
  for (const p of orphans) {
    try {
      process.kill(p.pid, "SIGKILL");
      lines.push(`stopped orphaned plugin ${p.pid}: ${p.cmdline.slice(0, 100)}`);
    } catch {
      // Gone already.
    }
  }

  const exported = o.pulumi(["stack", "export", "--stack", o.stack]);
  if (exported.code !== 0) throw new Error(`pulumi stack export failed: ${exported.out}`);
  const deployment = (
    JSON.parse(exported.stdout) as {
      deployment?: {
        pending_operations?: PendingOperation[];
        resources?: PendingOperation["resource"][];
      };
    }
  ).deployment;
  const pending = deployment?.pending_operations ?? [];

  // Every Helm release of the stack, pending or not: one a killed run left `pending-*` blocks every later
  // install or upgrade ("another operation is in progress"), so that revision's record goes; Helm's newest
  // deployed revision is current again and the next up upgrades from it.
  const access = o.kubeconfig ? kubeAccessOf(o.kubeconfig) : undefined;
  const releases = new Map<string, ReleaseState | undefined>();
  if (access) {
    const all = [...(deployment?.resources ?? []), ...pending.map((p) => p.resource)].filter(
      (r) => r.type === HELM_RELEASE,
    );
    for (const r of all) {
      const i = r.inputs ?? {};
      const [ns, name] = [String(i.namespace), String(i.name)];
      const release = await helmRelease(access, ns, name);
      releases.set(r.urn, release);
      if (release && release.status.startsWith("pending-")) {
        const a = await kubeRequest(
          access,
          "DELETE",
          `/api/v1/namespaces/${ns}/secrets/${release.secret}`,
        );
        if (a.status !== 200 && a.status !== 404)
          throw new Error(`removing ${release.secret}: ${kubeMessage(a)}`);
        lines.push(
          `Helm release ${ns}/${name} was left ${release.status}: that revision's record removed`,
        );
      }
    }
  }
  if (pending.length === 0) return { lines };
  const resolutions = pending.map((op) => resolvePending(op, releases.get(op.resource.urn)));
  for (const r of resolutions) lines.push(`${r.urn}: ${r.why}`);
  const imports = resolutions.filter((r) => r.action === "import") as {
    urn: string;
    id: string;
  }[];
  const clears = resolutions.filter((r) => r.action === "clear");
  // Imports first, in their own refresh: clearing would drop them too.
  if (imports.length > 0) {
    const args = ["refresh", "--yes", "--skip-preview", "--stack", o.stack];
    for (const r of imports) args.push("--import-pending-creates", r.urn, r.id);
    const r = o.pulumi(args);
    if (r.code !== 0)
      throw new Error(`pulumi refresh importing the pending creates failed: ${r.out}`);
  }
  if (clears.length > 0) {
    const r = o.pulumi([
      "refresh",
      "--yes",
      "--skip-preview",
      "--clear-pending-creates",
      "--stack",
      o.stack,
    ]);
    if (r.code !== 0)
      throw new Error(`pulumi refresh clearing the pending creates failed: ${r.out}`);
  }
  if (imports.length > 0 || clears.length > 0)
    lines.push(
      `resolved ${imports.length} pending create(s) by import and ${clears.length} by clearing them`,
    );
  return { lines };
}

async function helmRelease(
  access: KubeAccess,
  namespace: string,
  name: string,
): Promise<ReleaseState | undefined> {
  const a = await kubeRequest(
    access,
    "GET",
    `/api/v1/namespaces/${namespace}/secrets?labelSelector=${encodeURIComponent(`owner=helm,name=${name}`)}`,
  );
  if (a.status === 404) return undefined;
  if (a.status !== 200)
    throw new Error(`reading Helm release ${namespace}/${name}: ${kubeMessage(a)}`);
  const items = (a.body?.items ?? []) as {
    metadata: { name: string; labels?: Record<string, string> };
  }[];
  return releaseStates(items).get(name);
}

/** `resume`. */
export const command: Command = {
  name: "resume",
  usage: "resume   [--stack NAME]",
  summary:
    "after a run killed outright: torn state, a dead process's lock, orphans and pending operations put right",
  async run(argv) {
    const { words, flags } = parseArgs(argv, { values: ["stack"] });
    if (words.length > 0) throw new Usage(`resume takes no words (${words.join(" ")})`);
    const stack = stackOf(flags);
    const run = pulumiRunner(process.env, ROOT);
    // The kubeconfig is read from the outputs without the lock; a stack that never finished an up has none.
    const out = run(["stack", "output", "kubeconfig", "--show-secrets", "--stack", stack]);
    const report = await resumeStack({
      stack,
      project: "hearth",
      checkout: ROOT,
      backendDir: fileBackendDir(process.env.PULUMI_BACKEND_URL),
      pulumi: run,
      kubeconfig: out.code === 0 && out.stdout.trim() ? out.stdout : undefined,
    });
    for (const line of report.lines) console.log(`resume: ${line}`);
    if (report.lines.length === 0) console.log("resume: nothing to put right");
    return 0;
  },
};
