/**
 * What a `pulumi up` killed outright leaves behind, and what `npm run hearth -- resume` decides about each
 * piece (cli/commands/resume.ts acts on the decisions): the file backend's locks and torn `.attrs` files, the
 * run's orphaned plugins, and its pending operations with the Helm releases they would create.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

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

/** The type token of a Helm release. */
export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

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
