/**
 * What every rule across fields works with: the config as far as it parsed, which key paths failed their own
 * check, the catalogue, and one way to report a problem.
 */
import type { HearthConfig, KeyName } from "../schema";
import type { Lenient } from "./lenient";

/** The namespace of every key. */
export const NS = "hearth";

/** One thing wrong with the configuration. */
export interface Problem {
  /** Key path as an operator would write it, e.g. `hearth:nodes[1].mac`. */
  path: string;
  message: string;
}

/** What the catalogue tells the validator about each app. */
export interface CatalogueEntry {
  needs: string[];
  /** Set when the app has a web UI on its own hostname, which the ingress controller routes. */
  subdomain?: string;
  /** Set when the app answers a health path, which its SLO probes. */
  healthPath?: string;
  /** How the app signs users in (apps/recipe.ts `SsoKind`). @default "none" */
  sso?: string;
  /** What the app keeps that removing it would lose (apps/recipe.ts). @default none */
  keepsData?: string;
  /** The capabilities its wiring hands the apps after it (apps/recipe.ts `Capability`). @default none */
  provides?: readonly string[];
}

/**
 * The catalogue app whose metadata `provides` the identity capability: the identity provider. Read from the
 * catalogue the rules are given, so the validator imports no recipe; a catalogue without exactly one is
 * Hearth's own mistake, refused by name.
 */
export function identityProviderOf(catalogue: Record<string, CatalogueEntry>): string {
  const apps = Object.keys(catalogue).filter((app) =>
    catalogue[app].provides?.includes("identity"),
  );
  if (apps.length !== 1)
    throw new Error(
      `the catalogue has ${apps.length} apps that provide "identity" (${apps.join(", ") || "none"}); exactly one must, in its apps/<app>/meta.ts`,
    );
  return apps[0];
}

/** The configuration as far as it parsed: every key, field and list element may be missing. */
export type LenientConfig = { [K in KeyName]?: Lenient<HearthConfig[K]> };

/** What a rule sees. */
export interface RuleContext {
  c: LenientConfig;
  catalogue: Record<string, CatalogueEntry>;
  /** What the previous run left that a rule may weigh a change against (stacks/day2.ts). @default a new home */
  history: History;
  /** Whether the value at this key path (without `hearth:`), or anything inside it, failed its own check. */
  failed(path: string): boolean;
  /** Whether a key was left out (not given, or given and failed: that is reported already). */
  missing(key: KeyName): boolean;
  /** Reports a problem at a key path without `hearth:`. */
  add(path: string, message: string): void;
  /**
   * Reports a problem unless the key path failed its own check or a rule already reported a problem there:
   * for the components' own checks, which overlap the schema and the rules above them.
   */
  addNew(path: string, message: string): void;
}

/** One rule across fields: reads what parsed, never what did not, and reports through `ctx.add`. */
export type Rule = (ctx: RuleContext) => void;

/** What the stack's previous run left, as far as validation needs it. */
export interface History {
  /** How many servers the cluster had: fewer now is a shrink, which passes through an even count. */
  serversBefore?: number;
}

/** A context over `c`, with the key paths (without `hearth:`) whose own check failed; problems go to `out`. */
export function ruleContext(
  c: LenientConfig,
  catalogue: Record<string, CatalogueEntry>,
  failedPaths: readonly string[],
  out: Problem[],
  history: History = {},
): RuleContext {
  const failed = (path: string) =>
    failedPaths.some((f) => f === path || f.startsWith(`${path}.`) || f.startsWith(`${path}[`));
  const add = (path: string, message: string) => out.push({ path: `${NS}:${path}`, message });
  return {
    c,
    catalogue,
    history,
    failed,
    missing: (key) => c[key] === undefined && !failed(key),
    add,
    addNew: (path, message) => {
      if (!failed(path) && !out.some((p) => p.path === `${NS}:${path}`)) add(path, message);
    },
  };
}

/** The known word nearest to a typo, when it is close enough to suggest. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/** The catalogue apps listed in `hearth:apps.enabled` (what parsed of it). */
export function enabledApps(c: LenientConfig): string[] {
  return (c.apps?.enabled ?? []).filter((a): a is string => a !== undefined);
}

/** Entries of a record that parsed, as pairs. */
export function entries<V>(record: { [k: string]: V | undefined } | undefined): [string, V][] {
  return Object.entries(record ?? {}).filter((e): e is [string, V] => e[1] !== undefined);
}
