/**
 * The platform layer is driven by catalogue metadata (stacks/wiring.ts): the deployment order comes from each
 * entry's `needs` and `provides`, and every catalogue app's recipe has one `wire`. The waits themselves are checked on the whole
 * program's resource graph in test/resource-graph.program.test.ts.
 */
import { appNames, catalogue, wirings } from "../apps";
import { AppMetadata, Capability } from "../apps/recipe";
import { identityProviderOf } from "../stacks/validate";
import { deployOrder, EDGE, providersOf } from "../stacks/wiring";

/** The apps that provide the edge, in deployment order. */
const EDGE_APPS = EDGE.flatMap((cap) => providersOf(cap));

describe("the catalogue-driven platform", () => {
  it("has a wiring for every catalogue app and for nothing else", () => {
    expect(Object.keys(wirings).sort()).toEqual([...appNames].sort());
    for (const app of appNames) expect([app, typeof wirings[app]]).toEqual([app, "function"]);
  });

  it("names each role once, in the metadata's provides", () => {
    const roles: Record<Capability, string[]> = {
      edge: providersOf("edge"),
      issuer: providersOf("issuer"),
      identity: providersOf("identity"),
      git: providersOf("git"),
    };
    expect(roles).toEqual({
      edge: ["traefik"],
      issuer: ["cert-manager"],
      identity: ["authelia"],
      git: ["gitea"],
    });
    // The validator's identity provider, looked up in the catalogue it is given, and the sign-in kind say the
    // same as provides.
    expect(identityProviderOf(catalogue)).toBe(roles.identity[0]);
    expect(appNames.filter((a) => catalogue[a].sso === "provider")).toEqual(roles.identity);
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
    expect(order.slice(0, EDGE_APPS.length)).toEqual(EDGE_APPS);
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
