/** hearth:cluster: k3s on the nodes, or an existing cluster, and its networks. */
import { z } from "zod";
import { k3sFlagProblem } from "../../components/cluster/k3s-managed-flags";
import { DNS_LABEL_PATTERN } from "../../components/net";
import { cidr, sha256 } from "./common";

/** A host name: one label, or labels joined by dots. */
const HOST_NAME = new RegExp(`^(?=.{1,253}$)(${DNS_LABEL_PATTERN}\\.)*${DNS_LABEL_PATTERN}$`);
const K3S_VERSION = /^v1\.\d+\.\d+\+k3s\d+$/;

/** The Kubernetes cluster. */
export const clusterSchema = z.strictObject({
  mode: z
    .enum(["k3s", "existing"])
    .default("k3s")
    .describe("k3s: install k3s on the nodes over SSH. existing: use `hearth:kubeconfig`."),
  version: z
    .string()
    .regex(K3S_VERSION, {
      error: (i) => `${JSON.stringify(i.input)} is not a k3s version; write it as v1.33.5+k3s1`,
    })
    .default("v1.33.5+k3s1")
    .describe("Pinned k3s version."),
  podCidr: cidr
    .default("10.42.0.0/16")
    .describe(
      "Pod network (k3s --cluster-cidr); must overlap neither the service network nor the LAN. Behind the Cloudflare tunnel the ingress trusts X-Forwarded-* headers from it (the connector runs there): with cluster.mode existing, give the cluster's own pod network.",
    ),
  serviceCidr: cidr
    .default("10.43.0.0/16")
    .describe(
      "Service network (k3s --service-cidr); must overlap neither the pod network nor the LAN.",
    ),
  flags: z
    .array(
      z.string().superRefine((flag, ctx) => {
        const problem = k3sFlagProblem(flag);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    )
    .default([])
    .describe(
      "Extra k3s flags for every server, each one `--name` or `--name=value` with no spaces, quotes, `\\`, `$`, `%` or control characters (k3s's installer writes them into a systemd unit).",
    ),
  cisHardening: z
    .boolean()
    .default(true)
    .describe("CIS flags: secrets encryption, PSA, audit log, kernel defaults."),
  endpoint: z
    .string()
    .regex(HOST_NAME, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a host name or IPv4 address, e.g. k3s.home.example.org`,
    })
    .optional()
    .describe(
      "Fixed registration address of the servers (DNS name resolving to every server, or a virtual IP): joining nodes and the kubeconfig use it instead of the first server. @default the first server",
    ),
  install: z
    .strictObject({
      scriptUrl: z.url().default("https://get.k3s.io"),
      scriptSha256: sha256.optional(),
      binaryUrl: z.url().optional(),
      binarySha256: sha256.optional(),
    })
    .optional()
    .describe(
      "Where k3s comes from: the installer (and its SHA-256, checked before it runs) and, for air-gapped homes, a copy of the k3s binary of cluster.version with its SHA-256 (both or neither).",
    ),
  context: z.string().min(1).optional().describe("Context to use in an existing kubeconfig."),
  id: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a cluster id: lowercase letters, digits, '-' and '.', e.g. home-k3s`,
    })
    .optional()
    .describe(
      "The cluster's identity, which every Kubernetes resource is bound to (the provider's clusterIdentifier, ADR 14). Changing it tells Hearth this is another cluster: every Kubernetes resource is replaced. A new address or kubeconfig for the same cluster changes nothing. @default hearth-k3s (mode k3s) or hearth-cluster (mode existing)",
    ),
  kubeconfigPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Kubeconfig file of an existing cluster, read at run time and kept secret (instead of hearth:kubeconfig).",
    ),
});
