/** Rules of hearth:cluster: what each mode needs, its networks against the home's, where k3s comes from. */
import { cidrsOverlap } from "../../components/metal/net";
import { NS, Rule } from "./context";

/** An existing cluster is reached through its kubeconfig, in config or in a file. */
export const existingClusterAccess: Rule = (ctx) => {
  const cluster = ctx.c.cluster;
  if (cluster?.mode !== "existing") return;
  if (
    ctx.missing("kubeconfig") &&
    cluster.kubeconfigPath === undefined &&
    !ctx.failed("cluster.kubeconfigPath")
  )
    ctx.add(
      "kubeconfig",
      `is required with cluster.mode "existing" (or set cluster.kubeconfigPath); run: pulumi config set --secret ${NS}:kubeconfig < ~/.kube/config`,
    );
};

/**
 * The cluster's networks are routed inside every node: one that overlaps another, or the home's own networks,
 * makes part of the LAN (or of the other network) unreachable from pods.
 */
export const clusterNetworks: Rule = (ctx) => {
  const { cluster, network, hetzner } = ctx.c;
  if (cluster?.mode !== "k3s") return;
  const networks: [string, string | undefined][] = [
    ["cluster.podCidr", cluster.podCidr],
    ["cluster.serviceCidr", cluster.serviceCidr],
    ["network.cidr", network?.cidr],
    ["hetzner.networkCidr", hetzner?.networkCidr],
  ];
  for (let i = 0; i < 2; i++) {
    const [key, net] = networks[i];
    for (let j = i + 1; j < networks.length; j++) {
      const [other, otherNet] = networks[j];
      if (net && otherNet && cidrsOverlap(net, otherNet))
        ctx.add(
          key,
          `${net} overlaps ${NS}:${other} ${otherNet}; choose a private range that overlaps neither (k3s uses 10.42.0.0/16 for pods and 10.43.0.0/16 for services by default)`,
        );
    }
  }
};

/** A pinned k3s binary comes with its SHA-256, and a SHA-256 with the binary it pins. */
export const k3sBinaryPin: Rule = (ctx) => {
  const install = ctx.c.cluster?.install;
  if (install === undefined) return;
  const url = install.binaryUrl !== undefined || ctx.failed("cluster.install.binaryUrl");
  const sum = install.binarySha256 !== undefined || ctx.failed("cluster.install.binarySha256");
  if (url && !sum)
    ctx.add(
      "cluster.install.binarySha256",
      "is required with cluster.install.binaryUrl: the SHA-256 of that k3s binary (sha256sum k3s)",
    );
  if (sum && !url)
    ctx.add(
      "cluster.install.binaryUrl",
      "is missing: binarySha256 pins a binary, give its URL (a local copy of the k3s release binary)",
    );
};
