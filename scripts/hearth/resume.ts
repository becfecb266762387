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
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { kubeAccessOf, KubeAccess, kubeMessage, kubeRequest } from "../../provider/kube";

/** A lock file of the file backend (pkg/backend/diy/lock.go `lockContent`). */
export interface BackendLock {
  file: string;
  pid: number;
  hostname: string;
  username?: string;
  timestamp?: string;
}

/** One pending operation of `stack export` (`deployment.pending_operations`). */
export interface PendingOperation {
  type: string;
  resource: { urn: string; type: string; inputs?: Record<string, unknown>; id?: string };
}

/** What to do with a pending create: import the real object under its id, or clear it. */
export type Resolution =
  | { urn: string; action: "import"; id: string; why: string }
  | { urn: string; action: "clear"; why: string }
  | { urn: string; action: "keep"; why: string };

/** What a Helm release looks like in the cluster, from its newest release record. */
export interface ReleaseState {
  /** Helm's status of the newest revision: deployed, failed, pending-install, pending-upgrade, ... */
  status: string;
  revision: number;
  /** The Secret holding that revision. */
  secret: string;
}

/** What `resume` did, one line each. */
export interface ResumeReport {
  lines: string[];
}

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** The file backend's folder of a `file://` backend URL, or undefined for another backend. */
export function fileBackendDir(url: string | undefined): string | undefined {
  return url?.startsWith("file://") ? url.slice("file://".length) : undefined;
}

/** Every lock file of a stack (fully qualified `organization/<project>/<stack>` in the file backend). */
export function stackLocks(dir: string, project: string, stack: string): BackendLock[] {
  const folder = join(dir, ".pulumi", "locks", "organization", project, stack);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith(".json"))
    .map((f) => {
      const file = join(folder, f);
      try {
        const c = JSON.parse(readFileSync(file, "utf8")) as Omit<BackendLock, "file">;
        return { ...c, file };
      } catch {
        // A lock torn by the kill itself: no process can own it.
        return { file, pid: 0, hostname: hostname() };
      }
    });
}

/** Whether a process runs (signal 0 asks without sending anything). */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A lock is stale when it was taken on this host by a process that no longer runs; another host's never is. */
export function staleLock(
  lock: BackendLock,
  thisHost: string,
  isAlive: (pid: number) => boolean,
): boolean {
  return lock.hostname === thisHost && !isAlive(lock.pid);
}

/** Half-written `.attrs` files beside intact checkpoints under the backend's stacks folder, to remove. */
export function tornAttrs(dir: string): string[] {
  const stacks = join(dir, ".pulumi", "stacks");
  if (!existsSync(stacks)) return [];
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".json.attrs")) {
        const checkpoint = p.slice(0, -".attrs".length);
        let torn = statSync(p).size === 0;
        if (!torn) {
          try {
            JSON.parse(readFileSync(p, "utf8"));
          } catch {
            torn = true;
          }
        }
        if (torn && existsSync(checkpoint) && intactJson(checkpoint)) found.push(p);
      }
    }
  };
  walk(stacks);
  return found;
}

function intactJson(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, "utf8"));
    return true;
  } catch {
    return false;
  }
}

/** A process as /proc shows it. */
export interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
  cwd?: string;
}

/** Every process, from /proc. */
export function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").trim();
      let cwd: string | undefined;
      try {
        cwd = execFileSync("readlink", [`/proc/${name}/cwd`], { encoding: "utf8" }).trim();
      } catch {
        cwd = undefined;
      }
      out.push({ pid: Number(name), ppid, cmdline, cwd });
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}

const PLUGIN =
  /pulumi-(language-nodejs|resource-[a-z0-9-]+)|@pulumi\/pulumi\/cmd\/(run|dynamic-provider)|provider\/main\.ts/;

/**
 * The plugins and language host of a run whose engine is gone: processes of this checkout (by their working folder
 * or command line) running a Pulumi plugin or program whose parent is no longer a `pulumi` process (re-parented to
 * PID 1 or a subreaper, or to a dead language host).
 */
export function orphanedPlugins(procs: Proc[], checkout: string): Proc[] {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const isEngine = (p?: Proc) => p !== undefined && /(^|\/)pulumi( |$)/.test(p.cmdline);
  const ofCheckout = (p: Proc) => p.cwd === checkout || p.cmdline.includes(checkout);
  return procs.filter((p) => {
    if (!PLUGIN.test(p.cmdline) || !ofCheckout(p)) return false;
    // Walk up: a live `pulumi` engine above means the run is alive.
    let up = byPid.get(p.ppid);
    for (let i = 0; up && i < 8; i++) {
      if (isEngine(up)) return false;
      up = byPid.get(up.ppid);
    }
    return true;
  });
}

/** The newest revision of each Helm release in a namespace, from Helm's release Secrets (`owner=helm`). */
export function releaseStates(
  secrets: { metadata: { name: string; labels?: Record<string, string> } }[],
): Map<string, ReleaseState> {
  const newest = new Map<string, ReleaseState>();
  for (const s of secrets) {
    const l = s.metadata.labels ?? {};
    if (l.owner !== "helm" || !l.name) continue;
    const revision = Number(l.version ?? 0);
    const had = newest.get(l.name);
    if (!had || revision > had.revision)
      newest.set(l.name, { status: l.status ?? "unknown", revision, secret: s.metadata.name });
  }
  return newest;
}

/** How a pending create is resolved, given the Helm release it would create (when it is one). */
export function resolvePending(op: PendingOperation, release?: ReleaseState): Resolution {
  const urn = op.resource.urn;
  if (op.type !== "creating")
    return { urn, action: "keep", why: `${op.type}: the next up redoes it` };
  if (op.resource.type === HELM_RELEASE && release) {
    const i = op.resource.inputs ?? {};
    if (release.status === "deployed")
      return {
        urn,
        action: "import",
        id: `${String(i.namespace)}/${String(i.name)}`,
        why: "the release was installed: imported",
      };
    return {
      urn,
      action: "clear",
      why: `the release was left ${release.status}: its record is removed and the next up installs it`,
    };
  }
  return { urn, action: "clear", why: "its create converges when run again" };
}

/** Runs pulumi; returns its exit code, its standard output and everything it printed. */
export type PulumiRunner = (
  args: string[],
  input?: string,
) => { code: number; stdout: string; out: string };

/** The options `resumeStack` needs. */
export interface ResumeOptions {
  stack: string;
  project: string;
  checkout: string;
  backendDir?: string;
  pulumi: PulumiRunner;
  /** The cluster's admin kubeconfig (the stack output), to look at Helm releases. @default none: not looked at */
  kubeconfig?: string;
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
  const orphans = orphanedPlugins(processes(), o.checkout);
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

/** A `PulumiRunner` on the `pulumi` found on PATH with the given environment. */
export function pulumiRunner(env: NodeJS.ProcessEnv, cwd: string): PulumiRunner {
  return (args, input) => {
    const r = spawnSync("pulumi", [...args, "--non-interactive"], {
      cwd,
      env,
      input,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: r.status ?? 1, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
  };
}
