/**
 * How catalogue apps are deployed into a home: in what order and after what. `buildPlatform` (stacks/platform.ts)
 * walks the enabled apps in `deployOrder` and calls each one's recipe `wire` (apps/<app>/index.ts, listed by
 * apps/index.ts) with the capabilities the apps before it provided (apps/wire.ts). Each app's waits come from
 * its metadata (`waitsFor`):
 * - every app waits for the edge (the apps that provide `edge` and `issuer`), but those apps themselves;
 * - it waits for the apps it `needs`;
 * - with `sso: "oidc"`, it waits for the identity provider's route, because its sign-in fetches the issuer's
 *   discovery document (Gitea's init container at once).
 */
import type * as pulumi from "@pulumi/pulumi";
import { catalogue } from "../apps";
import { AppMetadata, Capability, hostnameFor } from "../apps/recipe";
import type { Capabilities, Slo } from "../apps/wire";
import { LoadedConfig } from "./config";
import { ssoOn } from "./identity";

export { ARGOCD_GITEA_READER } from "../apps/argocd";
export { HEARTH_GITEA_SCOPES } from "../apps/gitea";
export { TUNNEL_NAMESPACE } from "../apps/wire";

/** The edge: the capabilities every other app waits for, whose providers wait for no edge. */
export const EDGE = ["edge", "issuer"] as const satisfies readonly Capability[];

/**
 * The capabilities the other apps read without naming their provider in `needs` (every app's certificate
 * names the issuer; every app that signs in reads its identity client): their providers deploy first, in this
 * order.
 */
export const FOUNDATION: readonly Capability[] = [...EDGE, "identity"];

/** The catalogue apps, of those given, that provide a capability, in catalogue order. */
export function providersOf(
  capability: Capability,
  cat: Record<string, AppMetadata> = catalogue,
  among: string[] = Object.keys(cat),
): string[] {
  return Object.keys(cat).filter(
    (a) => among.includes(a) && (cat[a].provides ?? []).includes(capability),
  );
}

/** Whether an app provides an edge capability, and so waits for no edge. */
export function isEdge(meta: AppMetadata | undefined): boolean {
  return (meta?.provides ?? []).some((p) => (EDGE as readonly Capability[]).includes(p));
}

/**
 * The enabled apps in deployment order: the providers of the foundation capabilities (the edge, then the
 * identity provider, whose clients and forward-auth addresses the other apps' wirings read), then each app
 * after every enabled app it `needs`, otherwise in catalogue order. A cycle in the catalogue is a programming
 * error and is refused by name.
 */
export function deployOrder(
  enabled: string[],
  cat: Record<string, AppMetadata> = catalogue,
): string[] {
  const on = new Set(enabled);
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (app: string, path: string[]) => {
    if (state.get(app) === "done") return;
    if (state.get(app) === "visiting")
      throw new Error(`the catalogue's needs form a cycle: ${[...path, app].join(" -> ")}`);
    state.set(app, "visiting");
    for (const dep of cat[app]?.needs ?? []) if (on.has(dep)) visit(dep, [...path, app]);
    state.set(app, "done");
    order.push(app);
  };
  const byCatalogue = Object.keys(cat).filter((a) => on.has(a));
  const first = FOUNDATION.flatMap((cap) => providersOf(cap, cat, byCatalogue));
  for (const app of [...first, ...byCatalogue]) visit(app, []);
  return order;
}

/** The resources an app waits for, from its metadata and the capabilities so far (see the file's header). */
export function waitsFor(app: string, caps: Capabilities): pulumi.Resource[] {
  const meta = catalogue[app];
  const edge = isEdge(meta) ? [] : EDGE.flatMap((cap) => (caps[cap] ? [caps[cap].ready] : []));
  const needs = (meta?.needs ?? []).flatMap((n) =>
    caps.deployed[n] ? [caps.deployed[n].resource] : [],
  );
  const signIn =
    meta?.sso === "oidc" && caps.identity && ssoOn(caps.home.c, app, catalogue)
      ? [caps.identity.deployed.route]
      : [];
  return [...edge, ...needs, ...signIn];
}

/** The SLO of every enabled app with a health path, and where the probe reads it: one list for all uses. */
export function sloList(c: LoadedConfig): Slo[] {
  const o = c.observability!;
  const withHealth = c.apps.enabled.filter((app) => catalogue[app]?.healthPath);
  return withHealth.map((app) => ({
    app,
    title: catalogue[app].title,
    target: o.sloTargets[app] ?? o.sloTarget,
    healthPath: catalogue[app].healthPath!,
    url: `https://${hostnameFor(catalogue[app], c.domain, c.apps.settings[app])}${catalogue[app].healthPath}`,
  }));
}
