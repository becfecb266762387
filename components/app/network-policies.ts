import type * as k8s from "@pulumi/kubernetes";
import { inCidr } from "../net";
import type { ClusterNetworks } from "../types";

export type { ClusterNetworks };

/**
 * How far an app may reach out beyond DNS and its own namespace: `cluster`, every pod and the API server;
 * `internet`, that and the public internet, never the home network, the nodes or the cloud's metadata service.
 */
export type EgressLevel = "none" | "cluster" | "internet";

/**
 * IPv4 ranges that are never "the internet": private (RFC 1918: the home LAN, the nodes, a Hetzner network),
 * shared address space (RFC 6598), loopback, and link-local, where clouds serve instance metadata
 * (169.254.169.254: on Hetzner its user-data holds the node's cloud-init, SSH host private key included).
 */
export const NOT_INTERNET_V4 = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
];

/** The IPv6 counterparts: unique local (fc00::/7) and link-local (fe80::/10, metadata services too). */
export const NOT_INTERNET_V6 = ["fc00::/7", "fe80::/10"];

/** When the platform does not say: k3s's default networks, and the API server anywhere private. */
export const DEFAULT_CLUSTER_NETWORKS: ClusterNetworks = {
  podCidr: "10.42.0.0/16",
  serviceCidr: "10.43.0.0/16",
  apiServer: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
};

/** The API server's ports: 443 at the `kubernetes` Service, 6443 at a server (k3s). */
export const API_SERVER_PORTS = [443, 6443];

/** What decides an app namespace's NetworkPolicies. */
export interface NetworkPolicyInputs {
  /**
   * Namespace whose pods may reach the app because it routes the app's hostname; undefined for
   * none.
   */
  ingressControllerNamespace?: string;
  /** Further namespaces whose pods may reach the app. */
  allowFromNamespaces: string[];
  /**
   * Pod ports any source may reach (the API server calling a webhook, traffic from a LoadBalancer).
   */
  publicPorts: number[];
  egress: EgressLevel;
  /** The cluster's networks, for `cluster` and `internet` egress. @default DEFAULT_CLUSTER_NETWORKS */
  networks?: ClusterNetworks;
}

/** One NetworkPolicy: a name suffix for the Kubernetes object and its spec. */
export interface NamedPolicy {
  suffix: string;
  spec: k8s.types.input.networking.v1.NetworkPolicySpec;
}

// k3s and most distributions label every namespace with its name; policies select namespaces
// through it.
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

function fromNamespace(namespace: string): k8s.types.input.networking.v1.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } };
}

const ALL_PODS = { podSelector: {} };

/**
 * The NetworkPolicies of an app namespace: deny everything, then allow DNS, traffic inside the
 * namespace, ingress from the ingress controller and the listed namespaces, public ports, and
 * egress per `egress`. Every egress rule names where it goes: a rule with ports alone would reach
 * every address, the internet and the cloud's metadata service included.
 */
export function networkPolicies(inputs: NetworkPolicyInputs): NamedPolicy[] {
  const policies: NamedPolicy[] = [
    { suffix: "default-deny", spec: { ...ALL_PODS, policyTypes: ["Ingress", "Egress"] } },
    {
      suffix: "allow-dns",
      spec: {
        ...ALL_PODS,
        policyTypes: ["Egress"],
        egress: [
          {
            to: [fromNamespace("kube-system")],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      },
    },
    {
      suffix: "allow-same-namespace",
      spec: {
        ...ALL_PODS,
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      },
    },
  ];
  const sources = [
    ...(inputs.ingressControllerNamespace ? [inputs.ingressControllerNamespace] : []),
    ...inputs.allowFromNamespaces,
  ];
  const uniqueSources = [...new Set(sources)];
  if (uniqueSources.length > 0) {
    policies.push({
      suffix: "allow-from-namespaces",
      spec: {
        ...ALL_PODS,
        policyTypes: ["Ingress"],
        ingress: [{ from: uniqueSources.map(fromNamespace) }],
      },
    });
  }
  if (inputs.publicPorts.length > 0) {
    policies.push({
      suffix: "allow-public-ports",
      spec: {
        ...ALL_PODS,
        policyTypes: ["Ingress"],
        ingress: [{ ports: inputs.publicPorts.map((port) => ({ protocol: "TCP", port })) }],
      },
    });
  }
  const networks = inputs.networks ?? DEFAULT_CLUSTER_NETWORKS;
  if (inputs.egress === "cluster" || inputs.egress === "internet") {
    policies.push({
      suffix: "allow-egress-cluster",
      spec: { ...ALL_PODS, policyTypes: ["Egress"], egress: clusterEgress(networks) },
    });
  }
  if (inputs.egress === "internet") {
    policies.push({
      suffix: "allow-egress-internet",
      spec: { ...ALL_PODS, policyTypes: ["Egress"], egress: [internetEgress(networks)] },
    });
  }
  return policies;
}

/**
 * `cluster` egress: every pod in every namespace, and the API server's ports at the networks it answers on
 * (never those ports anywhere: 443 is most of the internet).
 */
export function clusterEgress(
  networks: ClusterNetworks,
): k8s.types.input.networking.v1.NetworkPolicyEgressRule[] {
  const apiServer = [...new Set([networks.serviceCidr, ...networks.apiServer])];
  return [
    { to: [{ namespaceSelector: {} }] },
    {
      to: apiServer.map((cidr) => ({ ipBlock: { cidr } })),
      ports: API_SERVER_PORTS.map((port) => ({ protocol: "TCP", port })),
    },
  ];
}

/**
 * `internet` egress: every address but the home's and the cluster's own (NOT_INTERNET_V4 and _V6, the pod and
 * service networks), which `cluster` egress reaches where it should.
 */
export function internetEgress(
  networks: ClusterNetworks,
): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
  const except = [...NOT_INTERNET_V4];
  for (const net of [networks.podCidr, networks.serviceCidr]) {
    if (!except.some((e) => covers(e, net))) except.push(net);
  }
  return {
    to: [
      { ipBlock: { cidr: "0.0.0.0/0", except } },
      { ipBlock: { cidr: "::/0", except: NOT_INTERNET_V6 } },
    ],
  };
}

/** Whether IPv4 network `outer` holds all of `inner`. */
function covers(outer: string, inner: string): boolean {
  const [address, prefix] = inner.split("/");
  return Number(prefix) >= Number(outer.split("/")[1]) && inCidr(address, outer);
}

/**
 * The namespace of an in-cluster service URL such as `http://traefik.traefik.svc.cluster.local:80`,
 * so app namespaces can admit their ingress controller. Throws an operator error for any other
 * shape.
 */
export function serviceUrlNamespace(url: string): string {
  const match = /^https?:\/\/[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.[a-z0-9.-]+)?(:\d+)?\/?$/i.exec(url);
  if (!match) {
    throw new Error(
      `exposure.ingressService "${url}" is not an in-cluster service URL; expected ` +
        `http://<service>.<namespace>.svc.cluster.local:<port> (the traefik recipe's ingressService).`,
    );
  }
  return match[1];
}
