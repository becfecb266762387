/**
 * Diagrams of the book, drawn from the real program as Mermaid (which mkdocs-material renders): the resource
 * graph of a stack as the program registers it under mocks, summarised by component; the install sequence of
 * one metal node, from the order of the PXE controller's, the node's and k3s's steps; and the apps' capability
 * graph from the catalogue's metadata. Pure: registrations and the catalogue in, Markdown out, sorted so that
 * the same program always gives the same page.
 */
import type { AppMetadata } from "../apps/recipe";
import type { Registration } from "../test/mocks";

/** A Mermaid node id: letters, digits and "_". */
function idOf(text: string): string {
  return text.replace(/[^A-Za-z0-9]/g, "_");
}

/** A Mermaid label: quoted, with its quotes escaped. */
function label(text: string): string {
  return `"${text.replace(/"/g, "#quot;")}"`;
}

/** The class of a type token (`hearth:metal:PxeController` -> `PxeController`). */
function className(type: string): string {
  return type.split(":").pop()!.split("/").pop()!;
}

/** Edges `[from, to]` with every edge implied by a longer path removed (a DAG's transitive reduction). */
export function transitiveReduction(edges: [string, string][]): [string, string][] {
  const next = new Map<string, Set<string>>();
  for (const [a, b] of edges) next.set(a, (next.get(a) ?? new Set()).add(b));
  /** Whether `to` is reachable from `from` without taking the edge `from -> to` itself. */
  const longer = (from: string, to: string) => {
    const seen = new Set<string>();
    const stack = [...(next.get(from) ?? [])].filter((x) => x !== to);
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x === to) return true;
      if (seen.has(x) || x === from) continue;
      seen.add(x);
      stack.push(...(next.get(x) ?? []));
    }
    return false;
  };
  const unique = [...new Map(edges.map((e) => [e.join("\0"), e])).values()];
  return unique.filter(([a, b]) => !longer(a, b)).sort((x, y) => x.join().localeCompare(y.join()));
}

/** Titles of the layers the resource graph groups components into, by the module of their type token. */
const LAYER_TITLES: Record<string, string> = {
  metal: "nodes: metal, installed over PXE",
  cloud: "nodes: Hetzner Cloud",
  cluster: "cluster",
  secrets: "generated secrets and keys",
  edge: "edge: how the home is reached",
  app: "apps (HelmApp)",
  apps: "apps with their own components",
  backup: "backups",
  git: "GitOps",
  providers: "providers",
};

/** One box of the resource graph: a top-level component, or the top-level resources of one type. */
export interface GraphBox {
  id: string;
  label: string;
  layer: string;
  /** Resources it stands for (a component counts itself and everything under it). */
  resources: number;
}

/**
 * The resource graph summarised by component: every component directly under `Homelab` is a box (with the
 * number of resources under it), the resources directly under it are one box per type, and box B points at box A
 * when something in A depends on something in B (B is created first). Edges a longer path implies are dropped.
 */
export function componentGraph(regs: Registration[]): {
  boxes: GraphBox[];
  edges: [string, string][];
} {
  const home = regs.find((r) => r.type === "hearth:stack:Homelab");
  if (!home) throw new Error("no hearth:stack:Homelab among the registrations");
  const byUrn = new Map(regs.map((r) => [r.urn, r]));
  const boxOfTop = new Map<string, string>();
  const boxes = new Map<string, GraphBox>();
  for (const r of regs.filter((x) => x.parent === home.urn)) {
    const module = r.type.startsWith("hearth:") ? r.type.split(":")[1] : r.type.split(":")[0];
    if (!r.custom) {
      const id = idOf(`${className(r.type)}_${r.name}`);
      boxes.set(id, {
        id,
        label: `${r.name.replace(/^hearth-/, "")}<br/>${className(r.type)}`,
        layer: module,
        resources: 0,
      });
      boxOfTop.set(r.urn, id);
    } else {
      const layer = r.type.startsWith("pulumi:providers:") ? "providers" : module;
      const id = idOf(`type_${r.type}`);
      const box = boxes.get(id) ?? { id, label: className(r.type), layer, resources: 0 };
      boxes.set(id, box);
      boxOfTop.set(r.urn, id);
    }
  }
  /** The box a resource belongs to: its ancestor directly under Homelab. */
  const boxOf = (urn: string): string | undefined => {
    for (let r = byUrn.get(urn); r; r = byUrn.get(r.parent)) {
      const box = boxOfTop.get(r.urn);
      if (box) return box;
    }
    return undefined;
  };
  const edges: [string, string][] = [];
  for (const r of regs) {
    const mine = boxOf(r.urn);
    if (!mine) continue;
    boxes.get(mine)!.resources++;
    for (const dep of r.dependencies) {
      const theirs = boxOf(dep);
      if (theirs && theirs !== mine) edges.push([theirs, mine]);
    }
  }
  for (const b of boxes.values())
    if (b.id.startsWith("type_")) b.label = `${b.label} × ${b.resources}`;
    else b.label = `${b.label} · ${b.resources}`;
  return {
    boxes: [...boxes.values()].sort(
      (a, b) => a.layer.localeCompare(b.layer) || a.id.localeCompare(b.id),
    ),
    edges: transitiveReduction(edges),
  };
}

/** The resource graph as a Mermaid flowchart, boxes grouped by layer. */
export function componentGraphMermaid(regs: Registration[]): string {
  const { boxes, edges } = componentGraph(regs);
  const lines = ["flowchart LR"];
  const layers = [...new Set(boxes.map((b) => b.layer))];
  for (const layer of layers) {
    lines.push(`  subgraph layer_${idOf(layer)}[${label(LAYER_TITLES[layer] ?? layer)}]`);
    for (const b of boxes.filter((x) => x.layer === layer))
      lines.push(`    ${b.id}[${label(b.label)}]`);
    lines.push("  end");
  }
  for (const [a, b] of edges) lines.push(`  ${a} --> ${b}`);
  return lines.join("\n");
}

/** One step of a node's install: a command Hearth runs, and the steps it waits for. */
export interface InstallStep {
  name: string;
  /** The component it belongs to (PxeController, MetalNode, K3s). */
  owner: string;
}

/**
 * The install of the first metal node as the program orders it: every command of the PXE controller, the node's
 * preparation and k3s, and the steps of other nodes left out except k3s's (servers join one after another).
 * Returns the steps in an order that respects every wait, and the waits with longer paths dropped.
 */
export function installSequence(regs: Registration[]): {
  steps: InstallStep[];
  edges: [string, string][];
} {
  const byUrn = new Map(regs.map((r) => [r.urn, r]));
  const nodes = regs.filter((r) => r.type === "hearth:metal:MetalNode").map((r) => r.name);
  if (nodes.length === 0) throw new Error("no hearth:metal:MetalNode among the registrations");
  const first = nodes.map((n) => n.replace(/^hearth-/, "")).sort()[0];
  const others = nodes.map((n) => n.replace(/^hearth-/, "")).filter((n) => n !== first);
  const ownerOf = (r: Registration) => {
    for (let p = byUrn.get(r.parent); p; p = byUrn.get(p.parent))
      if (
        ["hearth:metal:PxeController", "hearth:metal:MetalNode", "hearth:cluster:K3s"].includes(
          p.type,
        )
      )
        return p;
    return undefined;
  };
  const included = regs.filter((r) => {
    if (r.type !== "hearth:ssh:RemoteCommand") return false;
    const owner = ownerOf(r);
    if (!owner) return false;
    if (owner.type === "hearth:cluster:K3s") return true;
    return !others.some((n) => new RegExp(`(^|-)${n}(-|$)`).test(r.name.replace(/^hearth-/, "")));
  });
  const keep = new Set(included.map((r) => r.urn));
  // Waits through resources left out (a host key, another node's step) still order the steps shown.
  const edges: [string, string][] = [];
  for (const r of included) {
    const seen = new Set<string>();
    const stack = [...r.dependencies];
    while (stack.length > 0) {
      const urn = stack.pop()!;
      if (seen.has(urn)) continue;
      seen.add(urn);
      if (keep.has(urn)) edges.push([byUrn.get(urn)!.name, r.name]);
      else stack.push(...(byUrn.get(urn)?.dependencies ?? []));
    }
  }
  const reduced = transitiveReduction(edges);
  // Kahn's order, ties broken by name, so the list is stable.
  const names = included.map((r) => r.name).sort();
  const indegree = new Map(names.map((n) => [n, 0]));
  for (const [, b] of reduced) indegree.set(b, indegree.get(b)! + 1);
  const order: string[] = [];
  const ready = names.filter((n) => indegree.get(n) === 0);
  while (ready.length > 0) {
    ready.sort();
    const n = ready.shift()!;
    order.push(n);
    for (const [a, b] of reduced)
      if (a === n) {
        indegree.set(b, indegree.get(b)! - 1);
        if (indegree.get(b) === 0) ready.push(b);
      }
  }
  const ownerName = new Map(included.map((r) => [r.name, className(ownerOf(r)!.type)]));
  return { steps: order.map((name) => ({ name, owner: ownerName.get(name)! })), edges: reduced };
}

/** The install sequence as a Mermaid flowchart, a box per step grouped by the component that runs it. */
export function installSequenceMermaid(regs: Registration[]): string {
  const { steps, edges } = installSequence(regs);
  const lines = ["flowchart TD"];
  for (const owner of [...new Set(steps.map((s) => s.owner))]) {
    lines.push(`  subgraph ${idOf(owner)}[${label(owner)}]`);
    for (const s of steps.filter((x) => x.owner === owner))
      lines.push(`    ${idOf(s.name)}[${label(s.name.replace(/^hearth-/, ""))}]`);
    lines.push("  end");
  }
  for (const [a, b] of edges) lines.push(`  ${idOf(a)} --> ${idOf(b)}`);
  return lines.join("\n");
}

/**
 * The apps' capability graph from the catalogue: an app points at each app that needs it (solid), the identity
 * provider at each app that signs in through it and Gitea at each app that signs in through Gitea (dotted);
 * apps are grouped by category and numbered in the order a home with all of them deploys them; the apps that
 * keep data are drawn thick.
 */
export function capabilityMermaid(apps: AppMetadata[], order: string[]): string {
  const lines = ["flowchart LR"];
  const categories = [...new Set(apps.map((a) => a.category))].sort();
  for (const category of categories) {
    lines.push(`  subgraph cat_${idOf(category)}[${label(category)}]`);
    for (const a of apps
      .filter((x) => x.category === category)
      .sort((x, y) => x.name.localeCompare(y.name)))
      lines.push(`    ${idOf(a.name)}[${label(`${order.indexOf(a.name) + 1}. ${a.title}`)}]`);
    lines.push("  end");
  }
  const edges: string[] = [];
  for (const a of apps) {
    for (const need of a.needs) edges.push(`  ${idOf(need)} --> ${idOf(a.name)}`);
    const provider = apps.find((x) => x.sso === "provider");
    if (provider && (a.sso === "oidc" || a.sso === "forward-auth"))
      edges.push(`  ${idOf(provider.name)} -. ${a.sso} .-> ${idOf(a.name)}`);
    if (a.sso === "gitea-oauth2") edges.push(`  gitea -. gitea-oauth2 .-> ${idOf(a.name)}`);
  }
  lines.push(...edges.sort());
  lines.push("  classDef data stroke-width:3px");
  const withData = apps
    .filter((a) => a.keepsData)
    .map((a) => idOf(a.name))
    .sort();
  if (withData.length > 0) lines.push(`  class ${withData.join(",")} data`);
  return lines.join("\n");
}
