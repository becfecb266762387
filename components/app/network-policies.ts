import type * as k8s from "@pulumi/kubernetes";

/** How far an app may reach out beyond DNS and its own namespace. */
export type EgressLevel = "none" | "cluster" | "internet";

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
 * egress per `egress`. "cluster" egress includes the Kubernetes API on 443/6443 to any address
 * because the API server is reached at a node address, not a pod's.
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
  if (inputs.egress === "cluster") {
    policies.push({
      suffix: "allow-egress-cluster",
      spec: {
        ...ALL_PODS,
        policyTypes: ["Egress"],
        egress: [
          { to: [{ namespaceSelector: {} }] },
          {
            ports: [
              { protocol: "TCP", port: 443 },
              { protocol: "TCP", port: 6443 },
            ],
          },
        ],
      },
    });
  } else if (inputs.egress === "internet") {
    policies.push({
      suffix: "allow-egress-internet",
      spec: {
        ...ALL_PODS,
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }] }],
      },
    });
  }
  return policies;
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
