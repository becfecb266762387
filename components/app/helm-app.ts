import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartRef, Platform } from "../types";
import { AppData } from "./app-data";
import { chartPathInState, checkLocalChart, releaseChart } from "./chart-source";
import { mergeValues } from "./merge-values";
import { networkPolicies, serviceUrlNamespace } from "./network-policies";

/** Name of the ForwardAuth Middleware HelmApp makes in an app's namespace. */
export const FORWARD_AUTH_MIDDLEWARE = "hearth-forward-auth";

/** Who signed in, as Authelia answers ForwardAuth (ADR 10), passed on to the app. */
export const FORWARD_AUTH_HEADERS = ["Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name"];

/** Arguments of `HelmApp`: one pinned chart in its own locked-down namespace. */
export interface HelmAppArgs {
  platform: Platform;
  /** Namespace created by HelmApp for this app alone. */
  namespace: string;
  /** Pod Security level enforced, audited and warned on in the namespace. @default "restricted" */
  podSecurity?: "restricted" | "baseline" | "privileged";
  chart: ChartRef;
  /** Helm values the recipe builds. @default {} */
  values?: pulumi.Input<Record<string, unknown>>;
  /** Deep-merged over `values` last: the operator's escape hatch. @default {} */
  valuesOverride?: Record<string, unknown>;
  /**
   * Kubernetes Secrets created in the namespace before the release, name -> stringData (secret).
   * @default {}
   */
  secrets?: Record<string, pulumi.Input<Record<string, pulumi.Input<string>>>>;
  /**
   * ConfigMaps created in the namespace before the release (files the chart mounts), name -> data and
   * labels.
   * @default {}
   */
  configMaps?: Record<
    string,
    { data: pulumi.Input<Record<string, pulumi.Input<string>>>; labels?: Record<string, string> }
  >;
  /**
   * Route this hostname to `service` through an Ingress (the tunnel forwards to the ingress
   * controller).
   * @default no Ingress
   */
  hostname?: string;
  /**
   * Service (created by the chart) the hostname routes to; required with `hostname`.
   * @default none
   */
  service?: { name: string; port: number };
  /** Extra allowed ingress sources besides the ingress controller. @default [] */
  allowFromNamespaces?: string[];
  /**
   * Pod ports any source may reach: a webhook the API server calls, a LoadBalancer's traffic.
   * @default []
   */
  publicPorts?: number[];
  /**
   * Egress the app needs beyond DNS and its own namespace: `cluster` (every pod, the API server) or `internet`
   * (that, and public addresses only: never the LAN, the nodes or the metadata service). @default "none"
   */
  egress?: "none" | "cluster" | "internet";
  /**
   * Put the hostname behind the identity provider: a Traefik ForwardAuth Middleware in the app's namespace,
   * named on its Ingress, asks `address` before every request and passes on who signed in.
   * @default none
   */
  forwardAuth?: { address: string };
  /** Seconds Helm waits for the release to become ready before rolling it back. @default 600 */
  timeoutSeconds?: number;
  /**
   * The app keeps data in its namespace (volumes). The namespace is then never deleted by Pulumi: a removal or a
   * replacement leaves it and its claims in the cluster (`retainOnDelete`; a new one of the same name is
   * applied over it), and only `hearth:apps.retired` "delete-data" deletes it, through the app's `AppData`,
   * once the release is uninstalled (docs/day-2.md). @default false
   */
  keepsData?: boolean;
}

/**
 * The one way an app lands: a namespace with Pod Security labels and default-deny NetworkPolicies
 * plus the allows it needs, its Secrets, an atomic Helm release of a pinned chart, and an Ingress
 * for its hostname.
 */
export class HelmApp extends pulumi.ComponentResource {
  /** Name of the app's namespace. */
  readonly namespace: pulumi.Output<string>;
  /** The Helm release; later steps depend on it. */
  readonly release: k8s.helm.v3.Release;
  /** `https://<hostname>` when a hostname is routed. */
  readonly url?: pulumi.Output<string>;

  constructor(name: string, args: HelmAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:app:HelmApp", name, {}, opts);
    const { platform } = args;
    if (args.hostname && !args.service) {
      throw new Error(
        `app "${name}": hostname ${args.hostname} is set but no service to route it to; give the ` +
          `chart's Service name and port in the recipe.`,
      );
    }
    // Validate the chart before registering anything, so a bad pin fails the preview with nothing
    // half-built.
    const resolved = releaseChart(name, args.chart, platform.charts.localDir);
    if (platform.charts.localDir) checkLocalChart(name, args.chart, resolved.chart);
    const source = platform.charts.localDir
      ? { ...resolved, chart: chartPathInState(resolved.chart) }
      : resolved;
    const child = { parent: this, provider: platform.provider };
    const level = args.podSecurity ?? "restricted";

    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: args.namespace,
          labels: {
            "pod-security.kubernetes.io/enforce": level,
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/audit": level,
            "pod-security.kubernetes.io/warn": level,
            "app.kubernetes.io/managed-by": "hearth",
          },
        },
      },
      { ...child, retainOnDelete: args.keepsData ?? false },
    );
    this.namespace = ns.metadata.name;

    const policies = networkPolicies({
      ingressControllerNamespace: args.hostname
        ? serviceUrlNamespace(platform.exposure.ingressService)
        : undefined,
      allowFromNamespaces: args.allowFromNamespaces ?? [],
      publicPorts: args.publicPorts ?? [],
      egress: args.egress ?? "none",
      networks: platform.network,
    }).map(
      (policy) =>
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${policy.suffix}`,
          { metadata: { name: policy.suffix, namespace: this.namespace }, spec: policy.spec },
          child,
        ),
    );

    const secrets = Object.entries(args.secrets ?? {}).map(
      ([secretName, data]) =>
        new k8s.core.v1.Secret(
          `${name}-${secretName}`,
          {
            metadata: { name: secretName, namespace: this.namespace },
            type: "Opaque",
            stringData: pulumi.secret(data),
          },
          child,
        ),
    );

    const configMaps = Object.entries(args.configMaps ?? {}).map(
      ([mapName, { data, labels }]) =>
        new k8s.core.v1.ConfigMap(
          `${name}-${mapName}`,
          { metadata: { name: mapName, namespace: this.namespace, labels }, data },
          child,
        ),
    );

    // The release depends on it, so a removal uninstalls the release before this decides about the data.
    const data = args.keepsData
      ? [
          new AppData(
            `${name}-data`,
            { kubeconfig: platform.kubeconfig, namespace: this.namespace },
            { parent: this },
          ),
        ]
      : [];

    const values = pulumi
      .output(args.values ?? {})
      .apply((base) => mergeValues(base as Record<string, unknown>, args.valuesOverride ?? {}));
    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name,
        namespace: this.namespace,
        createNamespace: false,
        ...source,
        values,
        // atomic: a failed install or upgrade is rolled back and Helm's error says so in the deploy
        // output.
        atomic: true,
        cleanupOnFail: true,
        timeout: args.timeoutSeconds ?? 600,
      },
      // Policies first, so pods start under the rules they will live with; Secrets and ConfigMaps first, so
      // charts find them.
      { ...child, dependsOn: [...policies, ...secrets, ...configMaps, ...data] },
    );

    if (args.hostname && args.service) {
      const issuer = platform.exposure.clusterIssuer;
      const annotations: Record<string, pulumi.Input<string>> = issuer
        ? { "cert-manager.io/cluster-issuer": issuer }
        : {};
      const ingressDeps: pulumi.Resource[] = [this.release];
      if (args.forwardAuth) {
        const middleware = new k8s.apiextensions.CustomResource(
          `${name}-forward-auth`,
          {
            apiVersion: "traefik.io/v1alpha1",
            kind: "Middleware",
            metadata: { name: FORWARD_AUTH_MIDDLEWARE, namespace: this.namespace },
            spec: {
              forwardAuth: {
                address: args.forwardAuth.address,
                // The identity provider reads the original scheme, host and path from X-Forwarded-*: this
                // passes on what the entrypoint kept. Behind the tunnel that is the connector's
                // X-Forwarded-Proto: https, kept only because the web entrypoint trusts the pod network
                // (apps/traefik/); from anywhere else the entrypoint has already replaced the headers.
                trustForwardHeader: true,
                authResponseHeaders: FORWARD_AUTH_HEADERS,
              },
            },
          },
          child,
        );
        ingressDeps.push(middleware);
        // Traefik's Ingress provider names a CRD middleware `<namespace>-<name>@kubernetescrd`.
        annotations["traefik.ingress.kubernetes.io/router.middlewares"] =
          pulumi.interpolate`${this.namespace}-${FORWARD_AUTH_MIDDLEWARE}@kubernetescrd`;
      }
      new k8s.networking.v1.Ingress(
        `${name}-ingress`,
        {
          metadata: {
            name,
            namespace: this.namespace,
            annotations,
          },
          spec: {
            ingressClassName: platform.exposure.ingressClass,
            rules: [
              {
                host: args.hostname,
                http: {
                  paths: [
                    {
                      path: "/",
                      pathType: "Prefix",
                      backend: {
                        service: { name: args.service.name, port: { number: args.service.port } },
                      },
                    },
                  ],
                },
              },
            ],
            tls: issuer ? [{ hosts: [args.hostname], secretName: `${name}-tls` }] : [],
          },
        },
        { ...child, dependsOn: ingressDeps },
      );
      this.url = pulumi.output(`https://${args.hostname}`);
    }

    this.registerOutputs({ namespace: this.namespace, release: this.release, url: this.url });
  }
}
