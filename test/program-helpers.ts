/**
 * What the whole-program tests (`test/*.program.test.ts`) share: the stack files they evaluate, the local
 * charts folder they hand the program, and readers of the resource graph (plain-text leaks, counts by type,
 * dependency chains).
 */
import { readdirSync } from "fs";
import { join } from "path";
import { catalogue } from "../apps";
import { withChartPins } from "./chart-pins";
import { isSecretValue, Registration } from "./mocks";

/** The repository's root. */
export const root = join(__dirname, "..");
/** The example stack files: home, then hetzner. */
export const examples = ["stacks/examples/Pulumi.home.yaml", "stacks/examples/Pulumi.hetzner.yaml"];
/** The valid fixtures' stack files. */
export const fixtures = readdirSync(join(__dirname, "fixtures/valid")).map(
  (f) => `test/fixtures/valid/${f}`,
);

/**
 * Stack files that read charts from a local directory get one made here, holding each enabled app's chart
 * folder at the version it pins (only Chart.yaml: under mocks nothing renders the chart).
 */
export function withLocalCharts(values: Record<string, string>): void {
  withChartPins(values, catalogue);
}

/** Strings in plain (non-secret) inputs that contain any of the needles. */
export function plainLeaks(regs: Registration[], needles: string[]): string[] {
  const leaks: string[] = [];
  const walk = (v: unknown, where: string) => {
    if (isSecretValue(v)) return;
    if (typeof v === "string") {
      for (const n of needles) if (v.includes(n)) leaks.push(`${where} contains ${n}`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) {
        // A dynamic provider's serialized code names key headers; it holds no key.
        if (k !== "__provider") walk(x, `${where}.${k}`);
      }
  };
  for (const r of regs) walk(r.rawInputs, `${r.type}::${r.name}`);
  return leaks;
}

/** How many registrations there are of each type. */
export function count(regs: Registration[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of regs) out[r.type] = (out[r.type] ?? 0) + 1;
  return out;
}

/** Whether `from` depends on `to` directly or through its parents' and dependencies' chains. */
export function dependsOn(regs: Registration[], from: Registration, to: Registration): boolean {
  const byUrn = new Map(regs.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const stack = [...from.dependencies];
  while (stack.length > 0) {
    const urn = stack.pop()!;
    if (urn === to.urn) return true;
    if (seen.has(urn)) continue;
    seen.add(urn);
    const r = byUrn.get(urn);
    if (r) stack.push(...r.dependencies);
  }
  return false;
}
