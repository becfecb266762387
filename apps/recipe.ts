import * as pulumi from "@pulumi/pulumi";
import { resolveChart } from "../components/app/chart-source";
import { HelmApp, HelmAppArgs } from "../components/app/helm-app";
import type { BackupSource } from "../components/backup/app-backup";
import { AppOverrides, ChartRef, Platform } from "../components/types";

// The component layer owns these (HelmApp takes them); recipes and the catalogue use them from here too.
export type { AppOverrides, ChartRef };

/** The kinds of app the catalogue groups by. */
export type AppCategory =
  | "platform"
  | "development"
  | "dashboard"
  | "storage"
  | "security"
  | "observability";

/**
 * How an app signs users in: `oidc`, its own OpenID Connect client at the identity provider;
 * `forward-auth`, Traefik asks the provider before every request (apps without a sign-in of their own);
 * `gitea-oauth2`, through Gitea's OAuth2, and so through the provider when Gitea's SSO is on; `provider`,
 * it is the identity provider; `none`, no web UI to sign in to.
 */
export type SsoKind = "oidc" | "forward-auth" | "gitea-oauth2" | "provider" | "none";

/**
 * What an app hands the apps deployed after it, by name; its wiring returns the value (apps/wire.ts
 * `CapabilityValues`): `edge`, the ingress controller; `issuer`, the cluster's certificate issuer; `identity`,
 * the identity provider's clients and forward-auth; `git`, Gitea's API.
 */
export type Capability = "edge" | "issuer" | "identity" | "git";

/** What the catalogue knows about an app, whether or not it is enabled. */
export interface AppMetadata {
  /** Catalogue key, as written in `hearth:apps.enabled`. */
  name: string;
  /** Human name. */
  title: string;
  /** One sentence: what it is for. */
  description: string;
  category: AppCategory;
  chart: ChartRef;
  /** Version of the software the chart version ships. */
  appVersion: string;
  /** Subdomain under `hearth:domain` where the app answers, if it has a web UI. */
  subdomain?: string;
  /** HTTP path that answers 200 when the app is healthy. */
  healthPath?: string;
  sso: SsoKind;
  /** Whether the app keeps data that backups must cover. */
  backup: boolean;
  /**
   * What the app keeps that removing it would lose, in a few words; set for every app with a volume or data
   * elsewhere (the GitOps repository). Its namespace outlives a replacement or removal, and removing it from
   * `hearth:apps.enabled` needs `hearth:apps.retired` (docs/day-2.md). @default none: it keeps nothing
   */
  keepsData?: string;
  /** Other catalogue apps it needs enabled. */
  needs: string[];
  /** The capabilities its wiring hands the apps after it; the one place an app's role is written. */
  provides: Capability[];
  /** Which test proves the recipe (file path under test/ or apps/). */
  testedBy: string;
}

/** How an app signs in through the identity provider's OpenID Connect: its client, made by the composition. */
export interface OidcLogin {
  /** The issuer, `https://auth.<domain>` (discovery at `/.well-known/openid-configuration`). */
  issuer: string;
  clientId: string;
  /** Secret: the client secret; the app keeps it in a Kubernetes Secret, never in Helm values. */
  clientSecret: pulumi.Output<string>;
  /** Members of this group are the app's admins. */
  adminGroup: string;
  /** Groups allowed to sign in; empty for every user. */
  groups: string[];
}

/** The Kubernetes Secret each OIDC app keeps its client secret in, in its own namespace. */
export const OIDC_SECRET = "hearth-oidc";

/**
 * Annotations for a volume claim that a chart renders itself: Helm keeps an object whose manifest carries
 * `helm.sh/resource-policy: keep` when the release is uninstalled (helm v3.18.6 `pkg/action/uninstall.go` and
 * `resource_policy.go` read it from the stored manifest), so retiring an app with "keep-data" leaves its data.
 * Claims of a StatefulSet's volumeClaimTemplates are not in the manifest and stay without it.
 */
export const KEEP_ON_UNINSTALL = { "helm.sh/resource-policy": "keep" };

/** What every deployed app hands back to the composition. */
export interface DeployedApp {
  /** Public URL of the app's UI, when it has one. */
  url?: pulumi.Output<string>;
  /** The resource later steps may depend on (the Helm release or the app component). */
  resource: pulumi.Resource;
  /** The app's data volume, for every app whose metadata says `backup: true`. */
  backup?: BackupSource;
  /** The login the operator signs in with, when the app has one of its own (password secret). */
  login?: { username: pulumi.Input<string>; password: pulumi.Output<string> };
}

/** The hostname an app answers on, honouring an override. */
export function hostnameFor(
  meta: AppMetadata,
  domain: string,
  overrides?: AppOverrides,
): string | undefined {
  if (overrides?.hostname) return overrides.hostname;
  return meta.subdomain ? `${meta.subdomain}.${domain}` : undefined;
}

/** The hostname of an app that must have one (a web UI); refuses, naming the setting, when there is none. */
export function requireHostname(
  meta: AppMetadata,
  domain: string,
  overrides?: AppOverrides,
): string {
  const hostname = hostnameFor(meta, domain, overrides);
  if (!hostname) {
    throw new Error(
      `app "${meta.name}": ${meta.title} needs a hostname; set hearth:apps.settings.${meta.name}.hostname.`,
    );
  }
  return hostname;
}

/** Arguments every recipe's deploy function receives; `TExtra` carries what only that app needs. */
export interface RecipeArgs<TExtra = Record<string, never>> {
  platform: Platform;
  overrides?: AppOverrides;
  extra: TExtra;
}

/**
 * The common case of a recipe: its chart at the pin (or the operator's `chartVersion`), in the namespace named
 * after the app, with the operator's values merged last; `app` is everything else HelmApp takes.
 */
export function deployChart(
  meta: AppMetadata,
  name: string,
  args: RecipeArgs<unknown>,
  app: Omit<HelmAppArgs, "platform" | "namespace" | "chart" | "valuesOverride">,
  opts?: pulumi.ComponentResourceOptions,
): DeployedApp {
  const helm = new HelmApp(
    name,
    {
      platform: args.platform,
      namespace: meta.name,
      chart: resolveChart(meta.chart, args.overrides),
      keepsData: meta.keepsData !== undefined,
      valuesOverride: args.overrides?.values,
      ...app,
    },
    opts,
  );
  return { resource: helm.release, ...(helm.url ? { url: helm.url } : {}) };
}
