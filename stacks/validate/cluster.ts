/** Rules of hearth:cluster: what each mode needs, its networks against the home's, where k3s comes from. */
import { managedFlagProblems } from "../../components/cluster/k3s-managed-flags";
import { cidrsOverlap } from "../../components/net";
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

/** Where the setting behind a flag Hearth manages lives in config, by the flag's long name. */
const FLAG_SETTINGS: Record<string, (value: string | undefined) => string> = {
  "cluster-cidr": (v) =>
    `the pod network is ${NS}:cluster.podCidr, which every server and the overlap checks read; write podCidr: ${v ?? "<cidr>"} there instead`,
  "service-cidr": (v) =>
    `the service network is ${NS}:cluster.serviceCidr, which every server and the overlap checks read; write serviceCidr: ${v ?? "<cidr>"} there instead`,
  "etcd-s3": () => `etcd snapshots to S3 are ${NS}:backup.etcd; configure them there`,
  "etcd-s3-config-secret": () => `etcd snapshots to S3 are ${NS}:backup.etcd; configure them there`,
  "etcd-snapshot-schedule-cron": () =>
    `the etcd snapshot schedule is ${NS}:backup.etcd.schedule; set it there`,
  "etcd-snapshot-retention": () =>
    `the etcd snapshots kept are ${NS}:backup.etcd.retention; set it there`,
};

/**
 * Extra k3s flags must not override one Hearth sets (k3s-managed-flags.ts `managedFlagProblems`, which `K3s`
 * runs too): each is refused at its index, with the config key that sets it instead.
 */
export const k3sFlags: Rule = (ctx) => {
  const cluster = ctx.c.cluster;
  if (cluster?.mode !== "k3s" || cluster.flags === undefined) return;
  // The flags that parsed, and where each is in the list as written.
  const given = cluster.flags.flatMap((f, i) => (f === undefined ? [] : [{ f, i }]));
  const flags = given.map((g) => g.f);
  // A failed cisHardening could be either: then only the flags Hearth always sets are certain.
  const cis = ctx.failed("cluster.cisHardening") ? false : (cluster.cisHardening ?? true);
  // With backup.etcd, the etcd rule names the etcd-s3 flags itself.
  const etcd = ctx.c.backup?.etcd !== undefined;
  for (const p of managedFlagProblems("server", flags, cis)) {
    if (etcd && p.managed.startsWith("etcd-s3")) continue;
    const value = p.flag.includes("=") ? p.flag.slice(p.flag.indexOf("=") + 1) : undefined;
    const message =
      p.kind === "cis"
        ? `"${p.flag}" overrides ${p.managed}, which Hearth's CIS hardening sets; remove it, or set ${NS}:cluster.cisHardening to false and manage hardening yourself`
        : `"${p.flag}" is a flag Hearth sets itself (--${p.managed}); ${
            FLAG_SETTINGS[p.managed]?.(value) ??
            "Hearth derives it from the nodes and the join token, so remove it"
          }`;
    ctx.add(`cluster.flags[${given[p.index].i}]`, message);
  }
};
