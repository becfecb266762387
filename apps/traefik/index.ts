import * as pulumi from "@pulumi/pulumi";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import { Exposure } from "../../components/types";
import { AppMetadata, DeployedApp, RecipeArgs } from "../recipe";
import { settingsOf, TUNNEL_NAMESPACE, Wire } from "../wire";

/** Traefik: the ingress controller every app hostname goes through. */
export const meta: AppMetadata = {
  name: "traefik",
  title: "Traefik",
  description:
    "Ingress controller: routes each app hostname to its service, behind the tunnel or not.",
  category: "platform",
  // The newest tag whose source could be read and rendered here (ADR 13): traefik/traefik-helm-chart
  // v41.3.0, whose `traefik/Chart.yaml` gives appVersion v3.7.11.
  chart: { repository: "https://traefik.github.io/charts", name: "traefik", version: "41.3.0" },
  appVersion: "v3.7.11",
  sso: "none",
  backup: false,
  needs: [],
  provides: ["edge"],
  testedBy: "apps/traefik/index.test.ts",
};

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

// Traefik's container ports (unprivileged, as it runs as a non-root user) and the Service's HTTP
// port.
const WEB_PORT = 8000;
const WEBSECURE_PORT = 8443;
const SERVICE_HTTP_PORT = 80;

/** Namespace Traefik is installed in (its own, named after the catalogue key). */
export const TRAEFIK_NAMESPACE = meta.name;

/**
 * The chart's object names, pinned with `fullnameOverride` so its Service is called this whatever the
 * release is named (the release is `<stack>-traefik`, HelmApp names it after the component). Read at
 * traefik/traefik-helm-chart v41.3.0, the pin:
 * `traefik/templates/_helpers.tpl` ("traefik.fullname" returns fullnameOverride when set) and
 * `traefik/templates/_service.tpl` ("traefik.service-name": the default Service is that fullname
 * unless `service.nameOverride` is set). Everything that needs the name reads it from here.
 */
export const TRAEFIK_FULLNAME = "traefik";

/**
 * In-cluster URL of Traefik's HTTP entrypoint, known before anything is deployed: the tunnel forwards
 * to it and NetworkPolicies admit its namespace. Built from the pinned name, never from a release name.
 */
export const TRAEFIK_INGRESS_SERVICE = `http://${TRAEFIK_FULLNAME}.${TRAEFIK_NAMESPACE}.svc.cluster.local:${SERVICE_HTTP_PORT}`;

/**
 * Helm values for Traefik: only the Kubernetes Ingress objects of our class, no dashboard route, a
 * ClusterIP Service when the tunnel fronts it (nothing else needs to reach it) and a LoadBalancer
 * otherwise, and a security context that passes the restricted Pod Security level.
 *
 * Since chart v40 the Service type is `service.spec.type` (`service.spec` is copied into the Service's
 * spec); a top-level `service.type` is silently ignored, as the chart's schema leaves `service` open.
 * Read at v41.3.0: `traefik/values.yaml` (`service.spec.type: LoadBalancer`) and
 * `traefik/templates/_service.tpl` ("traefik.service-spec" renders `.service.spec`).
 */
export function traefikValues(exposure: Exposure): Record<string, unknown> {
  return {
    fullnameOverride: TRAEFIK_FULLNAME,
    ingressClass: { enabled: true, isDefaultClass: false, name: exposure.ingressClass },
    providers: {
      kubernetesIngress: { enabled: true, ingressClass: exposure.ingressClass },
      // The CRD provider reads the forward-auth Middlewares an Ingress names (HelmApp's forwardAuth), each
      // in the app's own namespace, so cross-namespace references stay off (values.yaml at v41.3.0).
      kubernetesCRD: { enabled: true, allowCrossNamespace: false },
      kubernetesGateway: { enabled: false },
    },
    ingressRoute: { dashboard: { enabled: false } },
    ports: {
      // Behind the tunnel, the connector sends plain HTTP to this entrypoint with X-Forwarded-Proto: https.
      // Traefik replaces forwarded headers from untrusted sources (pkg/middlewares/forwardedheaders), and the
      // identity provider then refuses the "http" scheme; so the pod network is trusted, and only it.
      // `ports.web.forwardedHeaders.trustedIPs` becomes `--entryPoints.web.forwardedHeaders.trustedIPs`
      // (values.yaml and templates/_podtemplate.tpl at v41.3.0).
      web: {
        port: WEB_PORT,
        exposedPort: SERVICE_HTTP_PORT,
        ...(exposure.trustedProxies?.length
          ? { forwardedHeaders: { trustedIPs: exposure.trustedProxies } }
          : {}),
      },
      websecure: { port: WEBSECURE_PORT, exposedPort: 443 },
    },
    service: { spec: { type: exposure.mode === "tunnel" ? "ClusterIP" : "LoadBalancer" } },
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
    },
  };
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
