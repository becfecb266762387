/**
 * deployOrder (stacks/wiring.ts) as properties: over random subsets of the real catalogue, enabled in any order,
 * and over random catalogues whose needs form a graph without cycles, or with one, and whose apps provide any
 * capabilities.
 */
import fc from "fast-check";
import { appNames, catalogue } from "../apps";
import type { AppMetadata, Capability } from "../apps/recipe";
import { deployOrder, EDGE, FOUNDATION, providersOf } from "./wiring";

/** The real catalogue's edge apps (the providers of `edge` and `issuer`), in catalogue order per capability. */
const EDGE_APPS = EDGE.flatMap((cap) => providersOf(cap));

/** Every enabled app once, nothing else. */
function isPermutation(order: string[], enabled: string[]): boolean {
  return order.length === new Set(enabled).size && order.every((a) => enabled.includes(a));
}

/** Each app after every enabled app it needs. */
function needsFirst(order: string[], cat: Record<string, AppMetadata>): boolean {
  return order.every((app) =>
    (cat[app].needs ?? []).every(
      (n) => !order.includes(n) || order.indexOf(n) < order.indexOf(app),
    ),
  );
}

/** A catalogue entry with only what deployOrder reads. */
const entry = (name: string, needs: string[], provides: Capability[] = []): AppMetadata =>
  ({ name, needs, provides }) as unknown as AppMetadata;

const CAPABILITIES: Capability[] = ["edge", "issuer", "identity", "git"];

/** Each app's needs, transitively, among the enabled ones. */
function needsClosure(apps: string[], cat: Record<string, AppMetadata>, on: string[]): Set<string> {
  const seen = new Set<string>();
  const walk = (a: string) => {
    for (const n of cat[a].needs)
      if (on.includes(n) && !seen.has(n)) {
        seen.add(n);
        walk(n);
      }
  };
  apps.forEach(walk);
  return seen;
}

/** Some of the real catalogue's apps, in any order (duplicates included, as a hand-written list may have). */
const enabledApps = fc.array(fc.constantFrom(...appNames), { maxLength: 20 });

/**
 * A catalogue of n apps where each may need apps listed before it (no cycle), and may provide any
 * capabilities.
 */
const acyclicCatalogue = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.subarray(Array.from({ length: i }, (_, j) => `a${j}`)),
        ),
      ),
      fc.array(fc.subarray(CAPABILITIES), { minLength: n, maxLength: n }),
    ),
  )
  .chain(([needs, provides]) =>
    fc.shuffledSubarray(needs.map((_, i) => i)).map((order) =>
      // Catalogue order is shuffled too: it must not decide whether needs come first.
      Object.fromEntries(order.map((i) => [`a${i}`, entry(`a${i}`, needs[i], provides[i])])),
    ),
  );

describe("deployOrder", () => {
  it("deploys every enabled app once, each after the enabled apps it needs", () => {
    fc.assert(
      fc.property(enabledApps, (enabled) => {
        const order = deployOrder(enabled);
        return isPermutation(order, enabled) && needsFirst(order, catalogue);
      }),
    );
  });

  it("starts with the enabled edge apps, then the identity provider", () => {
    fc.assert(
      fc.property(enabledApps, (enabled) => {
        const order = deployOrder(enabled);
        const edge = EDGE_APPS.filter((a) => enabled.includes(a));
        const providers = order.filter((a) => catalogue[a].provides.includes("identity"));
        return (
          JSON.stringify(order.slice(0, edge.length)) === JSON.stringify(edge) &&
          providers.every((p) => order.indexOf(p) <= edge.length + catalogue[p].needs.length)
        );
      }),
    );
  });

  it("does not depend on the order the apps are enabled in", () => {
    const twoOrders = enabledApps.chain((e) =>
      fc.tuple(fc.constant(e), fc.shuffledSubarray(e, { minLength: e.length })),
    );
    fc.assert(
      fc.property(twoOrders, ([enabled, shuffled]) => {
        return JSON.stringify(deployOrder(shuffled)) === JSON.stringify(deployOrder(enabled));
      }),
    );
  });

  it("orders any catalogue without cycles, needs first", () => {
    fc.assert(
      fc.property(acyclicCatalogue, fc.context(), (cat, ctx) => {
        const names = Object.keys(cat);
        const order = deployOrder(names, cat);
        ctx.log(JSON.stringify(order));
        return isPermutation(order, names) && needsFirst(order, cat);
      }),
    );
  });

  it("deploys the providers of the foundation capabilities before every app they do not need", () => {
    fc.assert(
      fc.property(acyclicCatalogue, (cat) => {
        const names = Object.keys(cat);
        const order = deployOrder(names, cat);
        const providers = names.filter((a) => cat[a].provides.some((p) => FOUNDATION.includes(p)));
        const neededFirst = needsClosure(providers, cat, names);
        const rest = names.filter((a) => !providers.includes(a) && !neededFirst.has(a));
        return providers.every((p) => rest.every((a) => order.indexOf(p) < order.indexOf(a)));
      }),
    );
  });

  it("deploys the foundation's providers capability by capability when they need nothing", () => {
    fc.assert(
      fc.property(acyclicCatalogue, (withNeeds) => {
        const cat = Object.fromEntries(
          Object.entries(withNeeds).map(([a, m]) => [a, entry(a, [], m.provides)]),
        );
        const order = deployOrder(Object.keys(cat), cat);
        // The first provider of each capability, in FOUNDATION order, then the catalogue's order.
        const expected = [
          ...new Set([...FOUNDATION.flatMap((cap) => providersOf(cap, cat)), ...Object.keys(cat)]),
        ];
        return JSON.stringify(order) === JSON.stringify(expected);
      }),
    );
  });

  it("leaves the order alone for a capability outside the foundation", () => {
    fc.assert(
      fc.property(acyclicCatalogue, (cat) => {
        const names = Object.keys(cat);
        const without = Object.fromEntries(
          names.map((a) => [
            a,
            entry(
              a,
              cat[a].needs,
              cat[a].provides.filter((p) => p !== "git"),
            ),
          ]),
        );
        return (
          JSON.stringify(deployOrder(names, cat)) === JSON.stringify(deployOrder(names, without))
        );
      }),
    );
  });

  it("refuses a catalogue whose enabled apps need each other in a cycle, naming it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), (n) => {
        // a0 -> a1 -> ... -> a(n-1) -> a0
        const cat = Object.fromEntries(
          Array.from({ length: n }, (_, i) => [`a${i}`, entry(`a${i}`, [`a${(i + 1) % n}`])]),
        );
        try {
          deployOrder(Object.keys(cat), cat);
          return false;
        } catch (e) {
          return /^the catalogue's needs form a cycle: a0 -> .*a0$/.test((e as Error).message);
        }
      }),
    );
  });
});
