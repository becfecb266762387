/**
 * The platform layer is driven by catalogue metadata (stacks/wiring.ts): the deployment order comes from each
 * entry's `needs`, and every catalogue app has one wiring. The waits themselves are checked on the whole
 * program's resource graph in test/stack.program.test.ts.
 */
import { appNames, catalogue } from "../apps";
import { AppMetadata } from "../apps/recipe";
import { deployOrder, EDGE_APPS, WIRINGS } from "../stacks/wiring";

describe("the catalogue-driven platform", () => {
  it("has a wiring for every catalogue app and for nothing else", () => {
    expect(Object.keys(WIRINGS).sort()).toEqual([...appNames].sort());
  });

  it("deploys the edge first, then every app after the enabled apps it needs", () => {
    // Enabled in an order that puts each app before what it needs.
    const enabled = [...appNames].reverse();
    const order = deployOrder(enabled);
    expect([...order].sort()).toEqual([...enabled].sort());
    expect(order.slice(0, EDGE_APPS.length)).toEqual(EDGE_APPS);
    for (const app of order)
      for (const need of catalogue[app].needs)
        expect([app, need, order.indexOf(need) < order.indexOf(app)]).toEqual([app, need, true]);
  });

  it("leaves out apps that are not enabled, and keeps catalogue order among the rest", () => {
    expect(deployOrder(["zot", "vmalert", "victoria-metrics", "traefik"])).toEqual([
      "traefik",
      "zot",
      "victoria-metrics",
      "vmalert",
    ]);
  });

  it("deploys the identity provider before the apps whose wirings read its clients, wherever the catalogue lists it", () => {
    const { authelia, ...rest } = catalogue;
    const providerLast = { ...rest, authelia };
    const order = deployOrder(Object.keys(providerLast), providerLast);
    expect(order.indexOf("authelia")).toBe(EDGE_APPS.length);
    for (const app of ["gitea", "argocd", "zot", "grafana", "homepage", "victoria-logs"])
      expect(order.indexOf(app)).toBeGreaterThan(order.indexOf("authelia"));
  });

  it("refuses a cycle in the catalogue's needs by naming it", () => {
    const meta = (name: string, needs: string[]) =>
      ({ ...catalogue.zot, name, needs }) as AppMetadata;
    const cat = { a: meta("a", ["b"]), b: meta("b", ["c"]), c: meta("c", ["a"]) };
    expect(() => deployOrder(["a", "b", "c"], cat)).toThrow(
      "the catalogue's needs form a cycle: a -> b -> c -> a",
    );
  });
});
