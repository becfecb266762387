import * as cloudflare from "@pulumi/cloudflare";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { connectorPolicies, tunnelIngressRules } from "./tunnel-config";

/** The cloudflared release Hearth runs; bump deliberately, it is the one thing between apps and the internet. */
export const CLOUDFLARED_IMAGE = "cloudflare/cloudflared:2025.11.1";

/** Where cloudflared serves `/ready` and its metrics inside the pod. */
const METRICS_PORT = 2000;
/** The distroless image's `nonroot` user. */
const NONROOT_UID = 65532;

/** Arguments of `CloudflareTunnel`. The Cloudflare provider comes from `opts.providers`. */
export interface CloudflareTunnelArgs {
  /** Cloudflare account that owns the tunnel. */
  accountId: pulumi.Input<string>;
  /** Zone that holds the public hostnames. */
  zoneId: pulumi.Input<string>;
  /** The zone's domain; every hostname must be it or under it. */
  domain: string;
  /** Tunnel name as the Cloudflare dashboard shows it. */
  tunnelName: pulumi.Input<string>;
  /** Public hostnames to route through the tunnel; each gets a proxied CNAME. */
  hostnames: string[];
  /** In-cluster URL of the ingress controller (`Platform.exposure.ingressService`); every hostname goes there. */
  ingressService: string;
  /** Cluster that runs cloudflared. */
  k8sProvider: k8s.Provider;
  /** Namespace created for cloudflared, labelled for the restricted Pod Security level. @default "cloudflared" */
  namespace?: string;
  /** cloudflared pods; two keep the tunnel up while a node drains. @default 2 */
  replicas?: number;
  /** cloudflared image. @default CLOUDFLARED_IMAGE (a pinned release) */
  image?: string;
}

/**
 * A remotely managed Cloudflare tunnel in front of the cluster's ingress: the tunnel and its ingress rules, a
 * proxied CNAME per hostname, and cloudflared running in the cluster with the tunnel token from a Secret.
 * No inbound port is opened at home; cloudflared dials out to Cloudflare.
 */
export class CloudflareTunnel extends pulumi.ComponentResource {
  /** The tunnel's UUID. */
  public readonly tunnelId: pulumi.Output<string>;
  /** What every hostname's CNAME points at: `<tunnelId>.cfargotunnel.com`. */
  public readonly cname: pulumi.Output<string>;
  /** The hostnames routed through the tunnel, normalized (lower case, no trailing dot). */
  public readonly hostnames: string[];

  constructor(name: string, args: CloudflareTunnelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:edge:CloudflareTunnel", name, {}, opts);
    const namespaceName = args.namespace ?? "cloudflared";
    const replicas = args.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1) {
      throw new Error(
        `Cloudflare tunnel ${name}: replicas is ${replicas}; run at least 1 cloudflared pod (2 survive a node drain)`,
      );
    }
    // Validate before registering anything, so a bad hostname never half-creates a tunnel.
    const ingress = tunnelIngressRules(
      { domain: args.domain, hostnames: args.hostnames },
      args.ingressService,
    );
    this.hostnames = ingress.flatMap((rule) => (rule.hostname ? [rule.hostname] : []));

    // Cloudflare children inherit the caller's Cloudflare provider through `parent`.
    // No tunnel secret: with config_src "cloudflare" the API generates one and hands it out inside the token.
    const tunnel = new cloudflare.ZeroTrustTunnelCloudflared(
      `${name}-tunnel`,
      { accountId: args.accountId, name: args.tunnelName, configSrc: "cloudflare" },
      // Tunnel names are unique per account: a replacement created first would collide with its old self.
      { parent: this, deleteBeforeReplace: true },
    );
    this.tunnelId = tunnel.id;
    this.cname = pulumi.interpolate`${tunnel.id}.cfargotunnel.com`;

    const config = new cloudflare.ZeroTrustTunnelCloudflaredConfig(
      `${name}-config`,
      {
        accountId: args.accountId,
        tunnelId: tunnel.id,
        source: "cloudflare",
        config: { ingresses: ingress },
      },
      { parent: this },
    );

    for (const hostname of this.hostnames) {
      new cloudflare.DnsRecord(
        `${name}-dns-${hostname.replace(/^\*/, "wildcard")}`,
        {
          zoneId: args.zoneId,
          name: hostname,
          type: "CNAME",
          content: this.cname,
          proxied: true,
          ttl: 1, // "automatic", the only TTL a proxied record takes
          comment: pulumi.interpolate`Hearth: Cloudflare tunnel ${args.tunnelName}`,
        },
        { parent: this },
      );
    }

    // The API returns the token in plain form; it authenticates the connector, so it is secret from here on.
    const token = pulumi.secret(
      cloudflare
        .getZeroTrustTunnelCloudflaredTokenOutput(
          { accountId: args.accountId, tunnelId: tunnel.id },
          { parent: this },
        )
        .apply((result) => result.token),
    );

    const k8sOpts = { parent: this, provider: args.k8sProvider };
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: namespaceName,
          labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
          },
        },
      },
      k8sOpts,
    );

    // The connector dials out to Cloudflare and in to the ingress controller, nothing else: it holds the tunnel
    // token, and every request from the internet passes through it.
    const policies = connectorPolicies(args.ingressService).map(
      (policy) =>
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${policy.suffix}`,
          {
            metadata: { name: policy.suffix, namespace: namespace.metadata.name },
            spec: policy.spec,
          },
          k8sOpts,
        ),
    );

    const secret = new k8s.core.v1.Secret(
      `${name}-token`,
      {
        metadata: { namespace: namespace.metadata.name },
        type: "Opaque",
        stringData: { token },
      },
      k8sOpts,
    );

    const labels = { "app.kubernetes.io/name": "cloudflared", "app.kubernetes.io/instance": name };
    new k8s.apps.v1.Deployment(
      `${name}-cloudflared`,
      {
        metadata: { namespace: namespace.metadata.name, labels },
        spec: {
          replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: {
              labels,
              // A new tunnel means a new token in the Secret; env vars are read at start, so roll the pods.
              annotations: { "hearth.dev/tunnel-id": tunnel.id },
            },
            spec: {
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: NONROOT_UID,
                runAsGroup: NONROOT_UID,
                seccompProfile: { type: "RuntimeDefault" },
              },
              // Spread the replicas so that one node going down does not take the tunnel with it.
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "kubernetes.io/hostname",
                  whenUnsatisfiable: "ScheduleAnyway",
                  labelSelector: { matchLabels: labels },
                },
              ],
              containers: [
                {
                  name: "cloudflared",
                  image: args.image ?? CLOUDFLARED_IMAGE,
                  command: ["cloudflared"],
                  args: [
                    "tunnel",
                    "--no-autoupdate",
                    "--metrics",
                    `0.0.0.0:${METRICS_PORT}`,
                    "run",
                  ],
                  env: [
                    {
                      name: "TUNNEL_TOKEN",
                      valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "token" } },
                    },
                  ],
                  ports: [{ name: "metrics", containerPort: METRICS_PORT }],
                  // /ready answers 200 once the connector holds a connection to Cloudflare's edge.
                  livenessProbe: {
                    httpGet: { path: "/ready", port: METRICS_PORT },
                    initialDelaySeconds: 10,
                    periodSeconds: 10,
                    failureThreshold: 3,
                  },
                  readinessProbe: {
                    httpGet: { path: "/ready", port: METRICS_PORT },
                    periodSeconds: 10,
                  },
                  resources: {
                    requests: { cpu: "20m", memory: "64Mi" },
                    limits: { memory: "256Mi" },
                  },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                  },
                },
              ],
            },
          },
        },
      },
      // Start connectors once the tunnel knows where to send traffic, under the policies they will live with.
      { ...k8sOpts, dependsOn: [config, ...policies] },
    );

    this.registerOutputs({ tunnelId: this.tunnelId, cname: this.cname, hostnames: this.hostnames });
  }
}
