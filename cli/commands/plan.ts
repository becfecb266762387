/**
 * `npm run hearth -- plan [--stack S]`: `pulumi preview` with a risk summary in plain words, for a pull request
 * that changes a stack file (docs/day-2.md). It lists every resource holding data that the plan would delete or
 * replace, what happens to it, and every command that would run on a node; it exits 1 when data would be lost
 * without a declared intent, or when the program refuses the change.
 */
import { catalogue } from "../../apps";
import { Command, parseArgs, stackOf, Usage } from "../command";
import { pulumiRunner, PulumiRunner, ROOT } from "../pulumi";

/** One step of `pulumi preview --json`, as much of it as the summary reads. */
export interface PlanStep {
  op: string;
  urn: string;
  oldState?: {
    type?: string;
    protect?: boolean;
    retainOnDelete?: boolean;
    inputs?: Record<string, unknown>;
  };
  newState?: { type?: string; inputs?: Record<string, unknown> };
}

/** The summary: what holds data and what it becomes, what runs on nodes, and whether data would be lost. */
export interface RiskSummary {
  /** Data a step deletes or replaces without a declared intent. */
  lost: string[];
  /** Data a step touches as declared, or that stays where it is. */
  kept: string[];
  /** Commands that would run on a node. */
  nodes: string[];
  /** Count of steps by operation, unchanged ones left out. */
  counts: Record<string, number>;
}

const DELETES = [
  "delete",
  "replace",
  "delete-replaced",
  "create-replacement",
  "discard",
  "discard-replaced",
];
const typeOf = (s: PlanStep) => s.newState?.type ?? s.oldState?.type ?? "";
const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
const inputs = (s: PlanStep) => s.newState?.inputs ?? s.oldState?.inputs ?? {};

/** The apps that keep data, by the namespace their data lives in (each app's namespace is its name). */
const DATA_APPS = Object.values(catalogue).filter((a) => a.keepsData !== undefined);

/** What a resource is, when it holds data: a data app's namespace or release, the GitOps repository, a key. */
export function dataHeld(s: PlanStep): string | undefined {
  const t = typeOf(s);
  const i = inputs(s);
  const meta = (i.metadata ?? {}) as { name?: string };
  if (t === "kubernetes:core/v1:Namespace") {
    const app = DATA_APPS.find((a) => a.name === meta.name);
    return app ? `namespace ${meta.name} (${app.keepsData})` : undefined;
  }
  if (t === "kubernetes:helm.sh/v3:Release") {
    const app = DATA_APPS.find((a) => a.name === i.namespace && a.name !== "argocd");
    return app ? `the release of ${app.name} (${app.keepsData})` : undefined;
  }
  if (/:GiteaOrganization$|:GiteaRepository$/.test(t))
    return `the GitOps ${t.endsWith("Organization") ? "organization" : "repository"} ${nameOf(s.urn)}`;
  if (t === "hearth:secrets:GeneratedPassword" && /backup-repository$/.test(s.urn))
    return "the restic repository password (every snapshot is encrypted with it)";
  if (s.oldState?.protect || s.oldState?.retainOnDelete) return nameOf(s.urn);
  return undefined;
}

/** The risk summary of a preview's steps. */
export function riskSummary(steps: PlanStep[]): RiskSummary {
  const r: RiskSummary = { lost: [], kept: [], nodes: [], counts: {} };
  for (const s of steps) {
    if (s.op === "same" || s.op === "read") continue;
    r.counts[s.op] = (r.counts[s.op] ?? 0) + 1;
    const t = typeOf(s);
    const name = nameOf(s.urn);
    if (t === "hearth:app:RetiredData" && s.op === "create")
      r.kept.push(
        `${String(inputs(s).namespace)}: deleted with its volumes once its release is uninstalled, as hearth:apps.retired says (delete-data)`,
      );
    if (t === "hearth:ssh:RemoteCommand" && s.op !== "same") {
      const conn = (inputs(s).connection ?? {}) as { host?: string };
      const run =
        s.op === "delete" ? "its delete command" : s.op === "update" ? "its update" : "its command";
      r.nodes.push(`${conn.host ?? "?"}: ${name} (${s.op}: ${run})`);
    }
    if (t === "hearth:cluster:NodeRemoval" && s.op === "create")
      r.nodes.push(`${String(inputs(s).node)}: drained and removed from the cluster`);
    if (!DELETES.includes(s.op)) continue;
    const held = dataHeld(s);
    if (!held) continue;
    if (s.oldState?.retainOnDelete && s.op === "delete")
      r.kept.push(`${held}: stays where it is, no longer managed by this stack`);
    else if (s.oldState?.retainOnDelete)
      r.kept.push(`${held}: ${s.op}; the existing object stays and the new one is applied over it`);
    else if (t === "kubernetes:helm.sh/v3:Release" && s.op === "delete")
      r.kept.push(`${held}: uninstalled; its volumes stay (Helm keeps them)`);
    else r.lost.push(`${held}: ${s.op}`);
  }
  return r;
}

/** The summary as the operator reads it. */
export function formatSummary(r: RiskSummary): string {
  const lines: string[] = [];
  const counts = Object.entries(r.counts)
    .map(([op, n]) => `${n} to ${op}`)
    .join(", ");
  lines.push(`plan: ${counts || "no changes"}`);
  if (r.lost.length > 0) {
    lines.push("", "DATA WOULD BE LOST (no hearth:apps.retired or other intent declares it):");
    for (const l of r.lost) lines.push(`  - ${l}`);
  }
  if (r.kept.length > 0) {
    lines.push("", "data touched as declared, or kept:");
    for (const l of r.kept) lines.push(`  - ${l}`);
  }
  if (r.nodes.length > 0) {
    lines.push("", "on the nodes:");
    for (const l of r.nodes) lines.push(`  - ${l}`);
  }
  return lines.join("\n");
}

/** The problems a refused preview printed (the program's `ConfigError`), or its last lines. */
export function refusalOf(output: string): string {
  const at = output.indexOf("Hearth config has");
  if (at >= 0) return output.slice(at).split("\n\n")[0];
  return output.trim().split("\n").slice(-15).join("\n");
}

/** Previews the stack and summarises the risk; 1 when data would be lost or the preview failed. */
export function planStack(
  stack: string,
  pulumi: PulumiRunner,
  say: (text: string) => void,
  warn: (text: string) => void,
): number {
  const r = pulumi(["preview", "--json", "--stack", stack]);
  if (r.code !== 0) {
    warn(`plan: the preview of ${stack} failed:\n${refusalOf(r.out)}`);
    return 1;
  }
  const steps = (JSON.parse(r.stdout) as { steps?: PlanStep[] }).steps ?? [];
  const summary = riskSummary(steps);
  say(formatSummary(summary));
  return summary.lost.length > 0 ? 1 : 0;
}

/** `plan`. */
export const command: Command = {
  name: "plan",
  usage: "plan   [--stack NAME]",
  summary:
    "pulumi preview with a risk summary: data a change would lose, commands it would run on nodes",
  async run(argv) {
    const { words, flags } = parseArgs(argv, { values: ["stack"] });
    if (words.length > 0)
      throw new Usage(
        `plan takes no words (${words.join(" ")}); for a stack file's resources: npm run plan -- FILE`,
      );
    return planStack(
      stackOf(flags),
      pulumiRunner(process.env, ROOT),
      (t) => console.log(t),
      (t) => console.error(t),
    );
  },
};
