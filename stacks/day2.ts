/**
 * Day 2: what a deployed home holds that a later change of its stack file must not lose, and the rules that refuse
 * such a change before anything is touched (docs/day-2.md, ADR 15).
 *
 * Every `up` exports the home's footprint (the stack output `footprint`: plain, no secret). The next run reads it
 * back through a reference to its own stack before it registers anything, and compares: an app that keeps data
 * gone from `hearth:apps.enabled` without `hearth:apps.retired`, more servers removed at once than etcd can lose,
 * a new cluster identity, backups switched off. Each is a `Problem` naming the key that was changed and the key
 * that declares the intent, so the whole change is refused before any resource changes.
 */
import type { Problem, CatalogueEntry } from "./validate";

const NS = "hearth";

/** What `hearth:apps.retired` says about an app that left `hearth:apps.enabled`. */
export type Retirement = "keep-data" | "delete-data";

/** What a deployed home holds, as the previous `up` left it (the stack output `footprint`). */
export interface Footprint {
  /** Format of this record; a reader refuses one it does not know. */
  version: 1;
  /** The Kubernetes providers' clusterIdentifier. */
  clusterId: string;
  /** Server nodes by name, the one that bootstrapped the cluster first. */
  servers: string[];
  /** Agent nodes by name. */
  agents: string[];
  /**
   * Nodes that left `hearth:nodes` in an earlier run and were drained and removed then: their removal stays in the
   * stack (so the next preview is clean) until the name comes back. Absent in footprints of older runs.
   */
  removed?: string[];
  /** Enabled apps that keep data (catalogue `keepsData`), each deployed with what keeps its volume on removal. */
  dataApps: string[];
  /** Apps retired with "delete-data" whose data Hearth deleted. */
  deleted: string[];
  /** The GitOps repository Argo CD follows, when argocd is enabled. */
  gitops?: { org: string; repo: string };
  /** Whether backups exist, and so the restic repository password every snapshot is encrypted with. */
  backup: boolean;
  /** The k3s version the nodes run (cluster.mode k3s). Absent in footprints of older runs. */
  k3s?: string;
}

/** The part of the validated config the footprint and its rules read. */
export interface Day2Config {
  nodes: { name: string; role: "server" | "agent" }[];
  hetzner?: { servers: { name: string; role: "server" | "agent" }[] };
  cluster: { id?: string; mode: "k3s" | "existing"; version?: string };
  apps: { enabled: string[]; retired: Record<string, Retirement> };
  gitea: { org: string; repo: string };
  backup?: unknown;
}

/** The identity every Kubernetes provider is bound to: the operator's `hearth:cluster.id`, else per mode. */
export function clusterIdOf(c: Pick<Day2Config, "cluster">): string {
  return c.cluster.id ?? (c.cluster.mode === "existing" ? "hearth-cluster" : "hearth-k3s");
}

/** Every machine of the home, metal first then Hetzner, in config order. */
function machines(
  c: Pick<Day2Config, "nodes" | "hetzner">,
): { name: string; role: "server" | "agent" }[] {
  return [...c.nodes, ...(c.hetzner?.servers ?? [])];
}

/**
 * The server that bootstrapped the cluster stays the first one: reordering `hearth:nodes` must not make another
 * server re-run its install as the cluster's founder. A new home (or one whose bootstrap server left) starts
 * with the first server listed.
 */
export function bootstrapServer(c: Day2Config, previous?: Footprint): string | undefined {
  const servers = machines(c)
    .filter((m) => m.role === "server")
    .map((m) => m.name);
  const kept = previous?.servers[0];
  return kept !== undefined && servers.includes(kept) ? kept : servers[0];
}

/** The footprint this run leaves, to be exported as the stack output `footprint`. */
export function footprintOf(
  c: Day2Config,
  catalogue: Record<string, CatalogueEntry>,
  previous?: Footprint,
): Footprint {
  const all = machines(c);
  const first = bootstrapServer(c, previous);
  const servers = all.filter((m) => m.role === "server").map((m) => m.name);
  const removed = removedNodes(c, previous);
  return {
    version: 1,
    clusterId: clusterIdOf(c),
    servers: first ? [first, ...servers.filter((s) => s !== first)] : servers,
    agents: all.filter((m) => m.role === "agent").map((m) => m.name),
    ...(removed.length > 0 ? { removed } : {}),
    dataApps: c.apps.enabled.filter((app) => catalogue[app]?.keepsData !== undefined),
    deleted: Object.entries(c.apps.retired)
      .filter(([, how]) => how === "delete-data")
      .map(([app]) => app),
    ...(c.apps.enabled.includes("argocd")
      ? { gitops: { org: c.gitea.org, repo: c.gitea.repo } }
      : {}),
    backup: c.backup !== undefined,
    ...(c.cluster.mode === "k3s" && c.cluster.version ? { k3s: c.cluster.version } : {}),
  };
}

/** A k3s version's minor line, `v1.33.5+k3s1` -> [1, 33]; undefined for another form. */
function minorOf(version: string): [number, number] | undefined {
  const m = /^v(\d+)\.(\d+)\.\d+\+k3s\d+$/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * A move of k3s from one version to another that Kubernetes supports: the same minor line, or the next one. A
 * skipped minor is refused with the path through each one between; a move back to an older minor is refused,
 * since the cluster's datastore has been migrated forward (Kubernetes' version skew policy).
 */
export function k3sPathProblem(from: string, to: string): string | undefined {
  const a = minorOf(from);
  const b = minorOf(to);
  if (!a || !b || a[0] !== b[0] || b[1] === a[1] || b[1] === a[1] + 1) return undefined;
  if (b[1] < a[1])
    return (
      `would move k3s back from ${from} to ${to}: the cluster's datastore is already at v${a[0]}.${a[1]}, and ` +
      `Kubernetes does not go back a minor version. Keep ${from}, or a later v${a[0]}.${a[1]} release`
    );
  const steps = Array.from({ length: b[1] - a[1] }, (_, i) => `v${a[0]}.${a[1] + i + 1}`);
  return (
    `would move k3s from ${from} to ${to}, skipping ${steps.slice(0, -1).join(", ")}: Kubernetes upgrades one ` +
    `minor version at a time. Set it to a ${steps[0]} release (vX.Y.Z+k3sN), run \`pulumi up\`, and go on ` +
    `the same way through ${steps.join(" -> ")}`
  );
}

/**
 * The nodes this run removes from the cluster, or keeps removed: those the previous run had, or had removed, and the
 * config does not list. A name that comes back leaves the list (its removal is deleted, which does nothing).
 */
export function removedNodes(
  c: Pick<Day2Config, "nodes" | "hetzner">,
  previous?: Footprint,
): string[] {
  const now = new Set(machines(c).map((m) => m.name));
  const before = [
    ...(previous?.servers ?? []),
    ...(previous?.agents ?? []),
    ...(previous?.removed ?? []),
  ];
  return [...new Set(before)].filter((n) => !now.has(n));
}

/**
 * The previous run's footprint from its stack outputs. A state written before footprints existed still names
 * its apps in `urls` and `backups.apps`: those that keep data are taken as its data apps (their volumes lack the
 * keep annotation, which `keptOnRemoval` says).
 */
export function footprintFromOutputs(
  outputs: Record<string, unknown>,
  catalogue: Record<string, CatalogueEntry>,
): { footprint?: Footprint; legacy: boolean } {
  const f = outputs.footprint as Partial<Footprint> | undefined;
  if (f && typeof f === "object") {
    if (f.version !== 1)
      throw new Error(
        `the stack's footprint output has version ${String(f.version)}, which this Hearth does not know: ` +
          "it was written by a newer Hearth; run that one (docs/day-2.md)",
      );
    return { footprint: f as Footprint, legacy: false };
  }
  const urls = outputs.urls as Record<string, unknown> | undefined;
  const backups = (outputs.backups as { apps?: Record<string, unknown> } | undefined)?.apps;
  if (!urls && !backups) return { legacy: false };
  const named = new Set([...Object.keys(urls ?? {}), ...Object.keys(backups ?? {})]);
  if (outputs.gitops !== undefined || named.has("argocd")) named.add("argocd");
  return {
    legacy: true,
    footprint: {
      version: 1,
      clusterId: "",
      servers: [],
      agents: [],
      dataApps: [...named].filter((app) => catalogue[app]?.keepsData !== undefined),
      deleted: [],
      backup: backups !== undefined,
    },
  };
}

/** `hearth:apps.retired` on its own: known apps that keep data and are not enabled at the same time. */
export function retiredProblems(
  apps: { enabled?: string[]; retired?: Record<string, Retirement> } | undefined,
  catalogue: Record<string, CatalogueEntry>,
): Problem[] {
  const problems: Problem[] = [];
  for (const app of Object.keys(apps?.retired ?? {})) {
    const at = `${NS}:apps.retired.${app}`;
    if (!catalogue[app]) problems.push({ path: at, message: `unknown app ${JSON.stringify(app)}` });
    else if (catalogue[app].keepsData === undefined)
      problems.push({
        path: at,
        message: `"${app}" keeps no data, so there is nothing to keep or delete: removing it from ${NS}:apps.enabled is enough; remove this entry`,
      });
    else if (apps?.enabled?.includes(app))
      problems.push({
        path: at,
        message: `"${app}" is also in ${NS}:apps.enabled; an app is either enabled or retired: remove one of the two`,
      });
  }
  return problems;
}

/** Servers removed from a cluster at once that etcd can lose and keep quorum: (n - 1) / 2 of n. */
export function serversRemovable(serverCount: number): number {
  return Math.floor((serverCount - 1) / 2);
}

/**
 * What this change would lose that the config does not declare: each a problem naming the key changed and the key
 * that states the intent. `legacy` says the previous footprint was inferred from a state written before
 * footprints, whose volumes do not yet carry the keep annotation.
 */
export function changeProblems(
  previous: Footprint | undefined,
  next: Footprint,
  c: Day2Config,
  catalogue: Record<string, CatalogueEntry>,
  legacy = false,
): Problem[] {
  if (!previous) return [];
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path: `${NS}:${path}`, message });

  for (const app of previous.dataApps) {
    if (c.apps.enabled.includes(app)) continue;
    const what = catalogue[app]?.keepsData ?? "its data";
    const retired = c.apps.retired[app];
    if (!retired)
      add(
        "apps.enabled",
        `"${app}" was removed, but it keeps data (${what}) and removing it would stop Hearth from managing that. ` +
          `Say what happens to it in ${NS}:apps.retired: \`${app}: keep-data\` (its workloads stop; its namespace, ` +
          `volumes${app === "argocd" ? " and the GitOps repository" : ""} stay) or \`${app}: delete-data\` (they are deleted), or enable it again`,
      );
    else if (retired === "keep-data" && legacy)
      add(
        `apps.retired.${app}`,
        `"${app}"'s volume was deployed by an earlier Hearth, without the annotation that keeps it when its release ` +
          `is uninstalled. Run \`pulumi up\` once with "${app}" still in ${NS}:apps.enabled, then retire it`,
      );
  }

  if (previous.clusterId && previous.clusterId !== next.clusterId && c.cluster.id === undefined)
    add(
      "cluster",
      `the cluster's identity would change from "${previous.clusterId}" to "${next.clusterId}" (cluster.mode changed?), ` +
        "and every Kubernetes resource would be replaced, deleting app data. To keep the cluster, set " +
        `${NS}:cluster.id: ${previous.clusterId}; if this is another cluster on purpose, set ${NS}:cluster.id: ${next.clusterId}`,
    );

  const removed = previous.servers.filter((s) => !next.servers.includes(s));
  const removable = serversRemovable(previous.servers.length);
  if (removed.length > 0 && removed.length > removable)
    add(
      "nodes",
      `servers ${removed.join(", ")} would leave the cluster at once, leaving ${previous.servers.length - removed.length} ` +
        `of ${previous.servers.length} etcd members: below quorum. Remove at most ${removable} server${removable === 1 ? "" : "s"} ` +
        `per \`pulumi up\`${removable === 0 ? " (a one-server cluster cannot lose its server: add servers first)" : ""}`,
    );

  const path = previous.k3s && next.k3s ? k3sPathProblem(previous.k3s, next.k3s) : undefined;
  if (path) add("cluster.version", path);

  if (previous.backup && !next.backup)
    add(
      "backup",
      "was removed, which would delete the restic repository password from the state: every snapshot in the " +
        "targets would become unreadable. Keep hearth:backup; to stop backing up for good, first copy the password " +
        "(pulumi stack output backupAccess --show-secrets), then `pulumi state unprotect` its resource (docs/day-2.md)",
    );
  return problems;
}
