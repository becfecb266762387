import * as pulumi from "@pulumi/pulumi";
import { resolveChart } from "../components/app/chart-source";
import { HelmApp } from "../components/app/helm-app";
import { Exposure } from "../components/types";
import { AppMetadata, DeployedApp, RecipeArgs } from "./recipe";

/** Traefik: the ingress controller every app hostname goes through. */
export const meta: AppMetadata = {
  name: "traefik",
  title: "Traefik",
  description:
    "Ingress controller: routes each app hostname to its service, behind the tunnel or not.",
  category: "platform",
  // 41.5.0 ships Traefik v3.7.13 (release notes quoted in the Renovate PR shaman007/home-k3s#736).
  chart: { repository: "https://traefik.github.io/charts", name: "traefik", version: "41.5.0" },
  appVersion: "v3.7.13",
  sso: "none",
  backup: false,
  needs: [],
  testedBy: "apps/traefik.test.ts",
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

/**
 * The chart's Service name for a release: Helm's usual fullname rule (release name if it names the
 * chart).
 */
export function traefikServiceName(release: string): string {
  return release.includes("traefik") ? release : `${release}-traefik`;
}

/**
 * In-cluster URL of the ingress controller for a release in a namespace, before anything is
 * deployed.
 */
export function traefikIngressService(release: string, namespace: string): string {
  return `http://${traefikServiceName(release)}.${namespace}.svc.cluster.local:${SERVICE_HTTP_PORT}`;
}

/**
 * Helm values for Traefik: only the Kubernetes Ingress objects of our class, no dashboard route, a
 * ClusterIP Service when the tunnel fronts it (nothing else needs to reach it) and a LoadBalancer
 * otherwise, and a security context that passes the restricted Pod Security level.
 */
export function traefikValues(exposure: Exposure): Record<string, unknown> {
  return {
    ingressClass: { enabled: true, isDefaultClass: false, name: exposure.ingressClass },
    providers: {
      kubernetesIngress: { enabled: true, ingressClass: exposure.ingressClass },
      kubernetesCRD: { enabled: false },
      kubernetesGateway: { enabled: false },
    },
    ingressRoute: { dashboard: { enabled: false } },
    ports: {
      web: { port: WEB_PORT, exposedPort: SERVICE_HTTP_PORT },
      websecure: { port: WEBSECURE_PORT, exposedPort: 443 },
    },
    service: { type: exposure.mode === "tunnel" ? "ClusterIP" : "LoadBalancer" },
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

/** Deploys Traefik as the ingress controller of the class in `platform.exposure`. */
export function deploy(
  name: string,
  args: RecipeArgs<TraefikExtra>,
  opts?: pulumi.ComponentResourceOptions,
): DeployedTraefik {
  const { platform } = args;
  const namespace = meta.name;
  const app = new HelmApp(
    name,
    {
      platform,
      namespace,
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
    ingressService: traefikIngressService(name, namespace),
  };
}
