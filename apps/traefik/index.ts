/** The Traefik recipe: the ingress controller, the `edge` every other app waits for. */
import * as pulumi from "@pulumi/pulumi";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import { DeployedApp, RecipeArgs } from "../recipe";
import { settingsOf, TUNNEL_NAMESPACE, Wire } from "../wire";
import { meta } from "./meta";
import {
  TRAEFIK_FULLNAME,
  TRAEFIK_INGRESS_SERVICE,
  TRAEFIK_NAMESPACE,
  traefikValues,
  WEB_PORT,
  WEBSECURE_PORT,
} from "./values";

export { meta };

/** What only Traefik needs. */
export interface TraefikExtra {
  /**
   * Namespaces whose pods forward traffic to the ingress, e.g. the Cloudflare tunnel connector's.
   * @default []
   */
  allowFromNamespaces?: string[];
}

/** What deploying Traefik hands back: the usual handle plus the URL the tunnel forwards to. */
export interface DeployedTraefik extends DeployedApp {
  /** In-cluster URL of Traefik's HTTP entrypoint (`Exposure.ingressService`). */
  ingressService: string;
}

/** Throws when the operator's values would rename the Service the tunnel and policies point at. */
function assertNameKept(name: string, values: Record<string, unknown> | undefined): void {
  const service = values?.service as Record<string, unknown> | undefined;
  const renamed = [
    values?.fullnameOverride !== undefined && values.fullnameOverride !== TRAEFIK_FULLNAME
      ? "fullnameOverride"
      : undefined,
    service?.nameOverride ? "service.nameOverride" : undefined,
  ].filter((k): k is string => k !== undefined);
  if (renamed.length > 0) {
    throw new Error(
      `app "${name}": hearth:apps.settings.traefik.values sets ${renamed.join(" and ")}, which would ` +
        `rename the Service the Cloudflare tunnel and the NetworkPolicies point at ` +
        `(${TRAEFIK_INGRESS_SERVICE}); remove it.`,
    );
  }
}

/** Deploys Traefik as the ingress controller of the class in `platform.exposure`. */
export function deploy(
  name: string,
  args: RecipeArgs<TraefikExtra>,
  opts?: pulumi.ComponentResourceOptions,
): DeployedTraefik {
  const { platform } = args;
  assertNameKept(name, args.overrides?.values);
  const app = new HelmApp(
    name,
    {
      platform,
      namespace: TRAEFIK_NAMESPACE,
      chart: resolveChart(meta.chart, args.overrides),
      values: traefikValues(platform.exposure),
      valuesOverride: args.overrides?.values,
      allowFromNamespaces: args.extra.allowFromNamespaces ?? [],
      // On the home network a LoadBalancer brings clients from anywhere; behind the tunnel only the
      // connector's namespace may reach the entrypoints.
      publicPorts: platform.exposure.mode === "ingress" ? [WEB_PORT, WEBSECURE_PORT] : [],
      // Traefik watches Ingresses on the API server and forwards to apps in every namespace.
      egress: "cluster",
    },
    opts,
  );
  return {
    resource: app.release,
    ingressService: TRAEFIK_INGRESS_SERVICE,
  };
}

/** The ingress controller: the `edge` every other app waits for. */
export const wire: Wire = (caps, opts) => {
  const deployed = deploy(
    `${caps.home.name}-traefik`,
    {
      platform: caps.platform,
      overrides: settingsOf(caps, "traefik"),
      extra: { allowFromNamespaces: caps.home.c.cloudflare ? [TUNNEL_NAMESPACE] : [] },
    },
    opts,
  );
  return { deployed, provides: { edge: { ready: deployed.resource } } };
};
