/**
 * Pure builders for k3s's command line: flags per role and the S3 settings of etcd snapshots. The flags Hearth
 * manages (config validation refuses an operator flag that would override one) are in k3s-managed-flags.ts, the
 * CIS hardening files in k3s-hardening.ts, the install script in k3s-install.ts, the kubeconfig rewrite in
 * k3s-kubeconfig.ts.
 */
import type { NodeRole } from "../types";
import { assertNoManagedFlags } from "./k3s-managed-flags";

/** Where Hearth keeps the files it manages on a k3s node. */
export const K3S_PATHS = {
  /** Join token, written from stdin so it never appears in a process list. */
  tokenFile: "/etc/rancher/k3s/hearth-token",
  /**
   * The agent token on servers (`--agent-token-file`): agents join with it, never with the server token, which
   * would let them join as servers and decrypt the cluster's bootstrap data.
   */
  agentTokenFile: "/etc/rancher/k3s/hearth-agent-token",
  /**
   * The agent token in k3s's secure format, K10<cluster CA hash>::node:<password>, which servers write when
   * `--agent-token` is set (k3s-io/docs docs/cli/token.md, "Agent").
   */
  secureAgentToken: "/var/lib/rancher/k3s/server/agent-token",
  /**
   * Embedded etcd's data directory (<data-dir>/server/db/etcd; k3s's own e2e tests read its `config` file
   * there). Present once this server has run etcd: the first server then never starts a new cluster.
   */
  etcdDataDir: "/var/lib/rancher/k3s/server/db/etcd",
  /** Hash of the last applied version, flags and files; an unchanged stamp means nothing to do. */
  stampFile: "/etc/rancher/k3s/hearth-install.stamp",
  kubeconfig: "/etc/rancher/k3s/k3s.yaml",
  /**
   * The server token in k3s's secure format, K10<cluster CA hash>::server:<password>, which k3s writes on
   * every server (k3s-io/docs docs/cli/token.md, "Server": "always written to
   * /var/lib/rancher/k3s/server/token, in secure format"). Joining with it makes the new node check the
   * cluster CA's hash before it sends its credentials; the first server can only start with the short form.
   */
  secureToken: "/var/lib/rancher/k3s/server/token",
  podSecurityConfig: "/var/lib/rancher/k3s/server/psa.yaml",
  auditPolicy: "/var/lib/rancher/k3s/server/audit.yaml",
  auditLog: "/var/lib/rancher/k3s/server/logs/audit.log",
  kernelSettings: "/etc/sysctl.d/90-hearth-kubelet.conf",
} as const;

// Only AEAD suites with forward secrecy; TLS 1.3 suites are not configurable and already strong.
const KUBELET_TLS_CIPHER_SUITES = [
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
];

const K3S_VERSION = /^v\d+\.\d+\.\d+\+k3s\d+$/;

/** Throws unless `version` is a k3s release tag such as `v1.31.4+k3s1`. */
export function assertK3sVersion(version: string): void {
  if (!K3S_VERSION.test(version)) {
    throw new Error(
      `k3s version "${version}" is not a k3s release tag; use the form v1.31.4+k3s1 ` +
        `(see https://github.com/k3s-io/k3s/releases).`,
    );
  }
}

/** Options shared by server and agent flags. */
export interface K3sNodeFlagOptions {
  /** Kubernetes node name; must be unique in the cluster. */
  nodeName: string;
  /** IP the node uses for cluster traffic; when set, k3s binds and advertises on it. */
  nodeIp?: string;
  /** CIS hardening flags. @default true */
  cisHardening?: boolean;
  /** Operator flags appended after the managed ones. @default [] */
  extraFlags?: string[];
}

/** Options for a server (control plane + embedded etcd). */
export interface K3sServerFlagOptions extends K3sNodeFlagOptions {
  /** URL of an existing server to join; absent on the first server, which bootstraps etcd. */
  serverUrl?: string;
  /** Names and addresses the API server certificate must cover. @default [] */
  tlsSans?: string[];
  /** Pod network. @default k3s's 10.42.0.0/16 */
  podCidr?: string;
  /** Service network. @default k3s's 10.43.0.0/16 */
  serviceCidr?: string;
  /** etcd snapshots, kept on the server and copied to S3. @default k3s's own local snapshots only */
  etcdSnapshots?: EtcdSnapshotOptions;
}

/** Scheduled etcd snapshots with an S3 copy whose settings and keys live in a kube-system Secret. */
export interface EtcdSnapshotOptions {
  /** Cron schedule. */
  schedule: string;
  /** Snapshots kept on each server's disk. */
  retention: number;
  /** Name of the kube-system Secret with the S3 settings (see `etcdS3SecretData`). */
  configSecret: string;
}

/**
 * The data of k3s's etcd S3 config Secret. Keys as k3s's pkg/etcd/s3/config_secret.go reads them (k3s
 * PR #10340, in v1.33.x; read through rke2 v1.33.5+rke2r1's k3s flag map and k3s's stored sources, the k3s
 * repository being too large to fetch here): the endpoint is host[:port] without a scheme, and
 * etcd-s3-insecure chooses plain HTTP. k3s reads the Secret only when no other etcd-s3-* option is set, so
 * the keys never reach a command line or k3s's config file.
 */
export function etcdS3SecretData(t: {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  folder: string;
}): Record<string, string> {
  const u = new URL(t.endpoint);
  return {
    "etcd-s3-endpoint": u.host,
    "etcd-s3-bucket": t.bucket,
    "etcd-s3-region": t.region,
    "etcd-s3-folder": t.folder,
    "etcd-s3-access-key": t.accessKeyId,
    "etcd-s3-insecure": u.protocol === "http:" ? "true" : "false",
  };
}

/** Options for an agent (workloads only). */
export interface K3sAgentFlagOptions extends K3sNodeFlagOptions {
  /** URL of a server to join. */
  serverUrl: string;
}

function commonFlags(role: NodeRole, opts: K3sNodeFlagOptions): string[] {
  const cis = opts.cisHardening ?? true;
  const flags = [`--node-name=${opts.nodeName}`, `--token-file=${K3S_PATHS.tokenFile}`];
  if (opts.nodeIp) flags.push(`--node-ip=${opts.nodeIp}`);
  if (cis) {
    flags.push(
      "--protect-kernel-defaults",
      "--kubelet-arg=streaming-connection-idle-timeout=5m",
      `--kubelet-arg=tls-cipher-suites=${KUBELET_TLS_CIPHER_SUITES.join(",")}`,
    );
  }
  assertNoManagedFlags(role, opts.extraFlags ?? [], cis);
  return flags;
}

/**
 * Packaged k3s components every server leaves out. k3s's bundled Traefik goes: Hearth installs its own
 * (apps/traefik/, with its own IngressClass and values), and the bundled one would also take host
 * ports 80 and 443 through ServiceLB, leaving our LoadBalancer Service pending. ServiceLB itself stays
 * on, on purpose: in ingress mode (no Cloudflare tunnel) the traefik recipe's Service is a
 * LoadBalancer, Hearth installs no other load balancer (no MetalLB, no kube-vip), and without ServiceLB
 * nothing would give it an address on a home network, so it would stay pending and Helm's wait would
 * roll the atomic release back. In tunnel mode the Service is ClusterIP and ServiceLB has nothing to do.
 * Spelling as k3s's `--disable` flag takes it (one component per flag, also repeatable by operators).
 */
export const K3S_DISABLED_COMPONENTS = ["traefik"] as const;

/** Flags for `k3s server`: managed flags first, then the operator's extras. */
export function k3sServerFlags(opts: K3sServerFlagOptions): string[] {
  const flags = opts.serverUrl ? [`--server=${opts.serverUrl}`] : ["--cluster-init"];
  flags.push(
    ...commonFlags("server", opts),
    `--agent-token-file=${K3S_PATHS.agentTokenFile}`,
    "--write-kubeconfig-mode=0600",
  );
  for (const component of K3S_DISABLED_COMPONENTS) flags.push(`--disable=${component}`);
  for (const san of [...new Set(opts.tlsSans ?? [])]) flags.push(`--tls-san=${san}`);
  // Every server must agree on both networks, so they are config keys (checked against each other and the
  // LAN), not free-form flags. Flag names and defaults as k3s's pkg/cli/cmds/server.go declares them (read
  // in an older release; the k3s repository is too large to fetch here for the pinned tag).
  if (opts.podCidr) flags.push(`--cluster-cidr=${opts.podCidr}`);
  if (opts.serviceCidr) flags.push(`--service-cidr=${opts.serviceCidr}`);
  if (opts.etcdSnapshots) {
    const e = opts.etcdSnapshots;
    flags.push(
      `--etcd-snapshot-schedule-cron=${e.schedule}`,
      `--etcd-snapshot-retention=${e.retention}`,
      "--etcd-s3",
      `--etcd-s3-config-secret=${e.configSecret}`,
    );
  }
  if (opts.cisHardening ?? true) {
    flags.push(
      "--secrets-encryption",
      `--kube-apiserver-arg=admission-control-config-file=${K3S_PATHS.podSecurityConfig}`,
      `--kube-apiserver-arg=audit-policy-file=${K3S_PATHS.auditPolicy}`,
      `--kube-apiserver-arg=audit-log-path=${K3S_PATHS.auditLog}`,
      "--kube-apiserver-arg=audit-log-maxage=30",
      "--kube-apiserver-arg=audit-log-maxbackup=10",
      "--kube-apiserver-arg=audit-log-maxsize=100",
      // NodeRestriction and EventRateLimit (configured in the admission config), and service-account tokens
      // that keep the expiry they were issued with. The local sandbox's kube-apiserver 1.36.1 runs with these
      // same arguments and files (scripts/sandbox-apiserver.ts), so a real API server parses and loads them.
      "--kube-apiserver-arg=enable-admission-plugins=NodeRestriction,EventRateLimit",
      "--kube-apiserver-arg=service-account-extend-token-expiration=false",
      "--kube-controller-manager-arg=terminated-pod-gc-threshold=10",
    );
  }
  return [...flags, ...(opts.extraFlags ?? [])];
}

/** Flags for `k3s agent`: managed flags first, then the operator's extras. */
export function k3sAgentFlags(opts: K3sAgentFlagOptions): string[] {
  return [`--server=${opts.serverUrl}`, ...commonFlags("agent", opts), ...(opts.extraFlags ?? [])];
}
