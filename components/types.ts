import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** CPU architectures Hearth installs and schedules for. */
export type Arch = "amd64" | "arm64";

/** A node's part in the k3s cluster: servers run the control plane and embedded etcd, agents run workloads. */
export type NodeRole = "server" | "agent";

/** How every remote step reaches a node: SSH with a pinned host key, never trust-on-first-use. */
export interface SshConnection {
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  user: pulumi.Input<string>;
  /** Secret: the operator's private key. */
  privateKey: pulumi.Input<string>;
  /** The host's public key as `ssh-ed25519 AAAA...`; `RemoteCommand` refuses any other key before logging in. */
  hostKey: pulumi.Input<string>;
}

/** What the node layer hands to the cluster layer: one machine that answers on SSH. */
export interface NodeHandle {
  name: string;
  role: NodeRole;
  arch: Arch;
  /** Address the cluster uses to reach the node. */
  address: pulumi.Input<string>;
  connection: SshConnection;
  /** Resources that must finish before the node counts as ready (OS preparation, install). */
  ready: pulumi.Resource[];
}

/** What the cluster layer hands to the platform layer. */
export interface ClusterHandle {
  /** Secret: an admin kubeconfig. */
  kubeconfig: pulumi.Output<string>;
  provider: k8s.Provider;
  /** Kubernetes (or k3s) version the cluster runs. */
  version: string;
}

/** Where Helm charts come from: their repositories, or a local directory of chart folders (air-gapped homes). */
export interface ChartSource {
  /** When set, a chart `name` is read from `${localDir}/${name}` instead of its repository. */
  localDir?: string;
}

/** How an app is reached from outside the cluster. */
export interface Exposure {
  /** Cloudflare tunnel in front of the ingress, or the ingress alone on the home network. */
  mode: "tunnel" | "ingress";
  /** Ingress class name that routes app hostnames. */
  ingressClass: string;
  /** In-cluster URL of the ingress controller's HTTP service; the tunnel forwards every hostname to it. */
  ingressService: string;
  /** cert-manager ClusterIssuer that signs app certificates, when cert-manager is enabled. */
  clusterIssuer?: string;
  /**
   * Networks whose `X-Forwarded-*` headers the ingress keeps: the pod network, where the tunnel's connector runs
   * (it sends plain HTTP with `X-Forwarded-Proto: https`). From anywhere else the ingress sets them itself.
   * @default none: every forwarded header is replaced
   */
  trustedProxies?: string[];
}

/** Gitea as the platform knows it: where its API is and how to authenticate. */
export interface GiteaEndpoint {
  /** Base URL, e.g. `https://git.home.example.org` (the API lives under `/api/v1`). */
  url: pulumi.Input<string>;
  /** Secret: an API token, or the admin password paired with `username` for basic auth. */
  token?: pulumi.Input<string>;
  username?: pulumi.Input<string>;
  password?: pulumi.Input<string>;
  /** PEM of a home CA to trust for its `https://` URL. @default the system's trust store */
  ca?: pulumi.Input<string>;
}

/** Where the cluster's own traffic goes: its networks, and where the API server answers pods. */
export interface ClusterNetworks {
  /** Pod network. */
  podCidr: string;
  /** Service network; the `kubernetes` Service's address is in it. */
  serviceCidr: string;
  /**
   * Networks the API server answers pods at: the `kubernetes` Service forwards to a server's own address
   * (its node network), which is where a NetworkPolicy sees the traffic go on most implementations.
   */
  apiServer: string[];
}

/** What the platform layer hands to every app recipe. Apps see nothing else. */
export interface Platform {
  provider: k8s.Provider;
  /** Secret: the cluster's admin kubeconfig, for Hearth's own resources that act on the cluster (`AppData`). */
  kubeconfig: pulumi.Input<string>;
  domain: string;
  exposure: Exposure;
  charts: ChartSource;
  /** IANA time zone apps run in. */
  timezone: string;
  /**
   * The cluster's networks, which the apps' egress policies name.
   * @default k3s's networks, and the API server at any private address (DEFAULT_CLUSTER_NETWORKS)
   */
  network?: ClusterNetworks;
}

/** A pinned Helm chart. */
export interface ChartRef {
  /** Chart repository URL (https://... or oci://...). */
  repository: string;
  /** Chart name in that repository; also the folder name under a local chart directory. */
  name: string;
  /** Exact chart version: ranges are refused. */
  version: string;
}

/** Per-app settings an operator may give under `hearth:apps.settings.<name>`. */
export interface AppOverrides {
  /** Hostname instead of `<subdomain>.<domain>`. */
  hostname?: string;
  /** Chart version instead of the catalogue's pin. */
  chartVersion?: string;
  /** Helm values deep-merged over the recipe's (the escape hatch). */
  values?: Record<string, unknown>;
}
