/**
 * deployOrder (stacks/wiring.ts) as properties: over random subsets of the real catalogue, enabled in any order,
 * and over random catalogues whose needs form a graph without cycles, or with one.
 */
import fc from "fast-check";
import { appNames, catalogue } from "../apps";
import type { AppMetadata } from "../apps/recipe";
import { deployOrder, EDGE_APPS } from "./wiring";

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
const entry = (name: string, needs: string[], sso = "none"): AppMetadata =>
  ({ name, needs, sso }) as unknown as AppMetadata;

/** Some of the real catalogue's apps, in any order (duplicates included, as a hand-written list may have). */
const enabledApps = fc.array(fc.constantFrom(...appNames), { maxLength: 20 });

/** A catalogue of n apps where each may need apps listed before it: no cycle. */
const acyclicCatalogue = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.subarray(Array.from({ length: i }, (_, j) => `a${j}`)),
      ),
    ),
  )
  .chain((needs) =>
    fc.shuffledSubarray(needs.map((_, i) => i)).map((order) =>
      // Catalogue order is shuffled too: it must not decide whether needs come first.
      Object.fromEntries(order.map((i) => [`a${i}`, entry(`a${i}`, needs[i])])),
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
        const providers = order.filter((a) => catalogue[a].sso === "provider");
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
