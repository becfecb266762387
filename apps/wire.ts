/**
 * What a recipe's `wire` reads and returns. `buildPlatform` (stacks/platform.ts) calls each enabled app's `wire`
 * in deployment order with an immutable `Capabilities` record: the home's fixed inputs, the platform settings,
 * the apps deployed so far and the capabilities they provided. `wire` returns its deployed app and the
 * capabilities its metadata says it `provides`; the loop makes the next record from them, and refuses a wiring
 * that returns other capabilities than its metadata names.
 *
 * Types only here and the helpers every wiring shares: nothing in this file imports a recipe or the catalogue.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppRecords } from "../components/edge/app-records";
import type { CloudflareTunnel } from "../components/edge/cloudflare-tunnel";
import type { GeneratedSecrets } from "../components/secrets/generated-secrets";
import type { GiteaEndpoint, Platform } from "../components/types";
import type { LoadedConfig } from "../stacks/config";
import type { IdentityResult } from "../stacks/identity";
import type { AppMetadata, Capability, DeployedApp, RecipeArgs } from "./recipe";

/** Namespace the tunnel connector runs in; Traefik admits traffic from it. */
export const TUNNEL_NAMESPACE = "cloudflared";

/** Gitea's API: the in-cluster app, or an existing one from `hearth:gitea.url`. */
export interface GitApi {
  endpoint: GiteaEndpoint;
  url: pulumi.Input<string>;
  /** The in-cluster app's base URL for pods; unset for an existing Gitea. */
  inCluster?: string;
  /** What a call to the API waits for (the in-cluster app's scoped token). */
  ready: pulumi.Resource[];
}

/** The value each capability hands on, by name (apps/recipe.ts `Capability`). */
export interface CapabilityValues {
  /** The ingress controller: every app but the edge's waits for it. */
  edge: { ready: pulumi.Resource };
  /** The cluster issuer every app's certificate names; every app but the edge's waits for it. */
  issuer: { clusterIssuer: string; ready: pulumi.Resource };
  /** The identity provider's OIDC clients and forward-auth addresses, by app. */
  identity: IdentityResult;
  /** Gitea's API. */
  git: GitApi;
}

// Every named capability has a value type, and nothing else does.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _everyCapabilityHasAValue: Exact<keyof CapabilityValues, Capability> = true;
void _everyCapabilityHasAValue;

/** What is fixed before the first app: the stack, its config and what the platform layer built. */
export interface Home {
  /** The stack's resource-name prefix; an app's component is `<name>-<app>`. */
  readonly name: string;
  readonly c: LoadedConfig;
  readonly secrets: GeneratedSecrets;
  readonly tunnel?: CloudflareTunnel;
  /** The apps' records on the home's own DNS server (hearth:dns.provider rfc2136). */
  readonly records?: AppRecords;
  readonly parent: pulumi.Resource;
  /** The catalogue, for the wirings that list other apps (Homepage's links, vmalert's backups). */
  readonly catalogue: Readonly<Record<string, AppMetadata>>;
  /** Every enabled app's SLO and probe URL (stacks/wiring.ts `sloList`); needs `hearth:observability`. */
  readonly slos: () => Slo[];
}

/** One enabled app's SLO and where the probe reads its health. */
export interface Slo {
  app: string;
  title: string;
  target: number;
  healthPath: string;
  url: string;
}

/** What a wiring reads: never changed, the loop makes a new one after each app. */
export type Capabilities = Readonly<Partial<CapabilityValues>> & {
  readonly home: Home;
  /** Platform settings, with the issuer's cluster issuer once an app provided one. */
  readonly platform: Platform;
  /** The apps deployed so far, by catalogue name. */
  readonly deployed: Readonly<Record<string, DeployedApp>>;
};

/** What a wiring returns: its app, and the value of each capability its metadata `provides`. */
export interface Wired {
  deployed: DeployedApp;
  provides: Partial<CapabilityValues>;
}

/** One app's recipe call with the extra only it needs; `opts` already carries its waits. */
export type Wire = (
  caps: Capabilities,
  opts: pulumi.ComponentResourceOptions & { dependsOn: pulumi.Resource[] },
) => Wired;

/**
 * The record after an app: what its wire returned added, the issuer's cluster issuer set on the platform. A wire
 * that provides other capabilities than its metadata's `provides` is a programming error, refused by name.
 */
export function withWired(caps: Capabilities, meta: AppMetadata, wired: Wired): Capabilities {
  const { deployed, provides } = wired;
  const got = Object.keys(provides).sort();
  const declared = [...meta.provides].sort();
  if (got.join() !== declared.join())
    throw new Error(
      `app "${meta.name}": its wire provides [${got.join(", ")}] but its metadata says [${declared.join(", ")}] (apps/${meta.name}/)`,
    );
  const platform = provides.issuer
    ? {
        ...caps.platform,
        exposure: { ...caps.platform.exposure, clusterIssuer: provides.issuer.clusterIssuer },
      }
    : caps.platform;
  return Object.freeze({
    ...caps,
    ...provides,
    platform,
    deployed: Object.freeze({ ...caps.deployed, [meta.name]: deployed }),
  });
}

/** The operator's settings of an app. */
export const settingsOf = (caps: Capabilities, app: string) => caps.home.c.apps.settings[app];

/** The Gitea API an app calls, or a config error naming the keys (validation refuses this first). */
export function requireGit(caps: Capabilities, app: string): GitApi {
  if (!caps.git)
    throw new Error(
      `hearth:apps.enabled: "${app}" needs Gitea: enable "gitea" or set hearth:gitea.url with hearth:giteaToken.`,
    );
  return caps.git;
}

/**
 * The wiring of an app that provides nothing: its recipe's `deploy` as `<stack>-<app>`, with the platform, the
 * operator's settings and the extra it reads from `caps`.
 */
export function wireDeploy<TExtra>(
  app: string,
  deploy: (
    name: string,
    args: RecipeArgs<TExtra>,
    opts?: pulumi.ComponentResourceOptions,
  ) => DeployedApp,
  extra: (caps: Capabilities) => TExtra,
): Wire {
  return (caps, opts) => ({
    deployed: deploy(
      `${caps.home.name}-${app}`,
      { platform: caps.platform, overrides: settingsOf(caps, app), extra: extra(caps) },
      opts,
    ),
    provides: {},
  });
}
