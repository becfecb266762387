/**
 * Pure builders for k3s: command-line flags per role, the CIS hardening files (Pod Security admission,
 * audit policy, kernel settings) and the idempotent install script that ties them together.
 */
import { createHash } from "node:crypto";
import type { NodeRole } from "../types";

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

/** Namespaces exempt from Pod Security admission unless the caller says otherwise. */
export const DEFAULT_PSA_EXEMPT_NAMESPACES = ["kube-system", "system-upgrade"];

/** Kernel settings the kubelet refuses to run without when `--protect-kernel-defaults` is on. */
export const KUBELET_KERNEL_SETTINGS: Record<string, string> = {
  "vm.panic_on_oom": "0",
  "vm.overcommit_memory": "1",
  "kernel.panic": "10",
  "kernel.panic_on_oops": "1",
};

// Only AEAD suites with forward secrecy; TLS 1.3 suites are not configurable and already strong.
const KUBELET_TLS_CIPHER_SUITES = [
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
];

const K3S_VERSION = /^v\d+\.\d+\.\d+\+k3s\d+$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HEREDOC_END = "HEARTH_EOF";

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

/**
 * Prints the first server's secure join token on stdout, refusing a file that is not in the secure format (a
 * joining node would then trust whatever CA answered).
 */
export function readSecureTokenScript(): string {
  return [
    `t=$(cat ${K3S_PATHS.secureToken})`,
    'case "$t" in',
    `K10?*::server:?*) printf '%s\n' "$t" ;;`,
    `*) echo "k3s on $(hostname): ${K3S_PATHS.secureToken} holds no secure token (K10<CA hash>::server:...)" >&2; exit 1 ;;`,
    "esac",
  ].join("\n");
}

/**
 * Prints the agents' secure join token, refusing one that is the server token (k3s links the file to the server
 * token when no agent token is set) or not in the secure format.
 */
export function readSecureAgentTokenScript(): string {
  return [
    `t=$(cat ${K3S_PATHS.secureAgentToken})`,
    'case "$t" in',
    `K10?*::server:*) echo "k3s on $(hostname): ${K3S_PATHS.secureAgentToken} is the server token; the servers run without --agent-token-file" >&2; exit 1 ;;`,
    `K10?*::?*) printf '%s\n' "$t" ;;`,
    `*) echo "k3s on $(hostname): ${K3S_PATHS.secureAgentToken} holds no secure token (K10<CA hash>::node:...)" >&2; exit 1 ;;`,
    "esac",
  ].join("\n");
}

/**
 * Prints the SHA-256 of the cluster's CA, as the secure token on this server carries it (K10<hash>::...), or
 * nothing when this server has not joined a cluster yet. A reinstalled first server checks the CA a peer serves
 * against it before it sends that peer the cluster's token.
 */
export function readClusterCaHashScript(): string {
  return [
    `t=$(cat ${K3S_PATHS.secureToken} 2>/dev/null || true)`,
    'case "$t" in',
    `K10?*::*) h=\${t#K10}; printf '%s\n' "\${h%%::*}" ;;`,
    "*) ;;",
    "esac",
  ].join("\n");
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

// Flags Hearth sets itself, by long name (short aliases map onto them below).
const ALWAYS_MANAGED: Record<NodeRole, string[]> = {
  server: [
    "cluster-init",
    "server",
    "token",
    "token-file",
    "agent-token",
    "agent-token-file",
    "node-name",
    "node-ip",
    "flannel-iface",
    "write-kubeconfig",
    "write-kubeconfig-mode",
    "cluster-cidr",
    "service-cidr",
    "etcd-s3",
    "etcd-s3-config-secret",
    "etcd-snapshot-schedule-cron",
    "etcd-snapshot-retention",
  ],
  agent: ["server", "token", "token-file", "node-name", "node-ip", "flannel-iface"],
};
const CIS_MANAGED: Record<NodeRole, string[]> = {
  server: ["secrets-encryption", "protect-kernel-defaults"],
  agent: ["protect-kernel-defaults"],
};
const SHORT_ALIASES: Record<string, string> = {
  t: "token",
  s: "server",
  i: "node-ip",
  o: "write-kubeconfig",
};
// Component arguments Hearth passes through `--<component>-arg=key=value`, by component and key.
const CIS_MANAGED_COMPONENT_ARGS: Record<NodeRole, Record<string, string[]>> = {
  server: {
    "kube-apiserver-arg": [
      "admission-control-config-file",
      "audit-policy-file",
      "audit-log-path",
      "audit-log-maxage",
      "audit-log-maxbackup",
      "audit-log-maxsize",
      "enable-admission-plugins",
      "service-account-extend-token-expiration",
    ],
    "kube-controller-manager-arg": ["terminated-pod-gc-threshold"],
    "kubelet-arg": ["streaming-connection-idle-timeout", "tls-cipher-suites"],
  },
  agent: { "kubelet-arg": ["streaming-connection-idle-timeout", "tls-cipher-suites"] },
};

/** An operator flag that would override one Hearth manages for a role. */
export interface ManagedFlagProblem {
  /** Index of the flag in the list. */
  index: number;
  /** The flag as given, with its separate value when it takes the next argument. */
  flag: string;
  /** The long name Hearth manages: a flag (`cluster-cidr`) or a component argument's key. */
  managed: string;
  /** managed: a flag Hearth always sets; cis: one the CIS hardening sets. */
  kind: "managed" | "cis";
  message: string;
}

/** Every operator flag that would override one Hearth manages for this role (config validation runs this). */
export function managedFlagProblems(
  role: NodeRole,
  flags: string[],
  cisHardening = true,
): ManagedFlagProblem[] {
  const always = new Set(ALWAYS_MANAGED[role]);
  const cis = new Set(cisHardening ? CIS_MANAGED[role] : []);
  const componentArgs = cisHardening ? CIS_MANAGED_COMPONENT_ARGS[role] : {};
  const out: ManagedFlagProblem[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    if (!flag.startsWith("-")) continue;
    const [rawName, ...rest] = flag.replace(/^-+/, "").split("=");
    const name = SHORT_ALIASES[rawName] ?? rawName;
    if (always.has(name) || cis.has(name)) {
      out.push({
        index: i,
        flag,
        managed: name,
        kind: always.has(name) ? "managed" : "cis",
        message:
          `k3s ${role} flag "${flag}" conflicts with a flag Hearth manages (--${name}). Remove it from ` +
          `the extra k3s flags; Hearth derives it from the node list, the join token and the ` +
          `cisHardening setting.`,
      });
      continue;
    }
    const managedKeys = componentArgs[name];
    if (!managedKeys) continue;
    // Both `--kubelet-arg=key=value` and `--kubelet-arg key=value` reach the same component flag.
    const value = rest.length > 0 ? rest.join("=") : (flags[i + 1] ?? "");
    const key = value.replace(/^-+/, "").split("=")[0];
    if (managedKeys.includes(key)) {
      const given = `${flag}${rest.length > 0 ? "" : ` ${value}`}`;
      out.push({
        index: i,
        flag: given,
        managed: key,
        kind: "cis",
        message:
          `k3s ${role} flag "${given}" overrides ${key}, which ` +
          `Hearth's CIS hardening sets. Remove it, or set cisHardening to false and manage hardening ` +
          `yourself.`,
      });
    }
  }
  return out;
}

/**
 * What k3s's installer can carry into the systemd unit it writes: one `--name` or `--name=value` word of
 * printable ASCII. The installer wraps each argument in single quotes line by line, so a newline starts a new
 * unit line (another `ExecStartPre=`), and systemd itself expands `$VAR` and `%` specifiers, takes `\` as an
 * escape and `"` and `'` as its own quotes, and splits on spaces: none of those reaches k3s as written.
 */
const K3S_FLAG = /^--[a-z0-9][a-z0-9-]*(=[\x21-\x7e]*)?$/;

/** Why an operator's k3s flag cannot be passed through the installer and systemd as written, or undefined. */
export function k3sFlagProblem(flag: string): string | undefined {
  if (K3S_FLAG.test(flag) && !/[`$%\\'"]/.test(flag)) return undefined;
  const shown = JSON.stringify(flag.length > 60 ? `${flag.slice(0, 60)}...` : flag);
  if (!flag.startsWith("--"))
    return `${shown} is not a k3s flag; write it as --name or --name=value`;
  const bad = [...flag].find((ch) => ch < "!" || ch > "~" || "`$%\\'\"".includes(ch) || ch === " ");
  return (
    `${shown} holds ${bad === undefined ? "a flag name k3s does not have" : `${JSON.stringify(bad)}`}; k3s's installer writes ` +
    "the flags into a systemd unit, where a newline starts a new directive and $, %, \\ and quotes are " +
    "systemd's own: give --name or --name=value with printable characters and no spaces, quotes, $, % or \\"
  );
}

/** Throws, naming the flag, when an operator flag would override one Hearth manages for this role. */
export function assertNoManagedFlags(role: NodeRole, flags: string[], cisHardening = true): void {
  const [first] = managedFlagProblems(role, flags, cisHardening);
  if (first) throw new Error(first.message);
  for (const flag of flags) {
    const problem = k3sFlagProblem(flag);
    if (problem) throw new Error(`k3s ${role} flag ${problem}`);
  }
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
 * (apps/traefik.ts, with its own IngressClass and values), and the bundled one would also take host
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

/** Pod Security admission settings rendered into the API server's admission config. */
export interface PodSecurityOptions {
  /** Level enforced in namespaces without their own label. @default "restricted" */
  enforce?: "privileged" | "baseline" | "restricted";
  /** Namespaces left alone entirely. @default DEFAULT_PSA_EXEMPT_NAMESPACES */
  exemptNamespaces?: string[];
}

/**
 * The API server's AdmissionConfiguration: Pod Security, and the EventRateLimit plugin's server-wide limit
 * (5000 qps, burst 20000: the defaults Rancher's RKE documents for it), which the plugin needs before it can be
 * enabled. For Pod Security: Enforcing `restricted` by default is safe for
 * k3s itself: its own pods (CoreDNS, metrics-server, local-path helper pods, Helm install jobs,
 * ServiceLB) all run in kube-system, which is exempt, and so is system-upgrade, whose upgrade jobs must
 * touch the host. Apps that need less get a namespace label from HelmApp, which overrides this default.
 */
export function renderPodSecurityConfig(opts: PodSecurityOptions = {}): string {
  const enforce = opts.enforce ?? "restricted";
  const exempt = opts.exemptNamespaces ?? DEFAULT_PSA_EXEMPT_NAMESPACES;
  for (const ns of exempt) {
    if (!DNS_LABEL.test(ns)) {
      throw new Error(
        `Pod Security exemption "${ns}" is not a valid namespace name (RFC 1123 label).`,
      );
    }
  }
  const namespaces =
    exempt.length > 0 ? `\n${exempt.map((ns) => `          - ${ns}`).join("\n")}` : " []";
  return `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
  - name: PodSecurity
    configuration:
      apiVersion: pod-security.admission.config.k8s.io/v1
      kind: PodSecurityConfiguration
      defaults:
        enforce: "${enforce}"
        enforce-version: "latest"
        audit: "restricted"
        audit-version: "latest"
        warn: "restricted"
        warn-version: "latest"
      exemptions:
        usernames: []
        runtimeClasses: []
        namespaces:${namespaces}
  - name: EventRateLimit
    configuration:
      apiVersion: eventratelimit.admission.k8s.io/v1alpha1
      kind: Configuration
      limits:
        - type: Server
          qps: 5000
          burst: 20000
`;
}

/**
 * The API server's audit policy: who did what, never what was in it. Bodies are not logged for any
 * resource, so Secrets, ConfigMaps and tokens never land in the audit log; health probes and event
 * churn are dropped to keep the log useful on a small disk.
 */
export function renderAuditPolicy(): string {
  return `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
  - RequestReceived
rules:
  - level: None
    nonResourceURLs:
      - /healthz*
      - /livez*
      - /readyz*
      - /version
  - level: None
    resources:
      - group: ""
        resources: ["events"]
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
  - level: None
    userGroups: ["system:nodes"]
    verbs: ["get", "list", "watch"]
  - level: Metadata
`;
}

/** The kernel settings file `--protect-kernel-defaults` expects the host to have applied. */
export function renderKernelSettings(): string {
  return Object.entries(KUBELET_KERNEL_SETTINGS)
    .map(([key, value]) => `${key} = ${value}\n`)
    .join("");
}

/** A file the install script writes before it installs k3s. */
export interface HardeningFile {
  path: string;
  mode: string;
  content: string;
}

/** The CIS files a node of this role needs; none when hardening is off. */
export function k3sHardeningFiles(
  role: NodeRole,
  cisHardening = true,
  podSecurity: PodSecurityOptions = {},
): HardeningFile[] {
  if (!cisHardening) return [];
  const files: HardeningFile[] = [
    { path: K3S_PATHS.kernelSettings, mode: "0644", content: renderKernelSettings() },
  ];
  if (role === "server") {
    files.push(
      {
        path: K3S_PATHS.podSecurityConfig,
        mode: "0600",
        content: renderPodSecurityConfig(podSecurity),
      },
      { path: K3S_PATHS.auditPolicy, mode: "0600", content: renderAuditPolicy() },
    );
  }
  return files;
}

/** Quotes a string for POSIX shells. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Wraps a script so it runs as root: directly when the SSH user is root, through `sudo -n` otherwise. */
export function asRoot(script: string): string {
  return `S=; [ "$(id -u)" -eq 0 ] || S="sudo -n"; exec $S bash -c ${shellQuote(script)}`;
}

/** Inputs of the k3s install script. */
export interface K3sInstallScriptOptions {
  role: NodeRole;
  /** Pinned k3s release, e.g. `v1.31.4+k3s1`. */
  version: string;
  /** Flags from `k3sServerFlags` / `k3sAgentFlags`. */
  flags: string[];
  /** Files to write first, from `k3sHardeningFiles`. @default [] */
  files?: HardeningFile[];
  /** The node's cluster IP; flannel is pinned to the interface holding it. @default flannel's choice */
  nodeIp?: string;
  /**
   * For the first server: the API URLs of the other servers. When this server has no etcd data (a wiped or
   * reinstalled disk) and one of them answers with the cluster's CA (its SHA-256 on stdin's third line, read
   * from a peer), it joins that one with the secure token instead of starting a new cluster with
   * --cluster-init; a peer with another CA is refused. @default [] (always --cluster-init)
   */
  rejoinUrls?: string[];
  /** Where the k3s installer is fetched from (a mirror for air-gapped homes). @default "https://get.k3s.io" */
  installScriptUrl?: string;
  /** The installer's SHA-256 (hex): a script that differs is refused before it runs. @default unchecked */
  installScriptSha256?: string;
  /**
   * The k3s binary of `version` from a place of the operator's choosing (a local copy for air-gapped homes),
   * with its SHA-256; the installer then downloads nothing (INSTALL_K3S_SKIP_DOWNLOAD). @default the
   * installer downloads the release binary and checks it against the release's checksum file
   */
  binary?: { url: string; sha256: string };
}

/**
 * A bash function `fetch_checked URL SHA256 DEST`: downloads to a temporary file beside DEST and moves it
 * into place only when its SHA-256 matches (an empty SHA256 skips the check); a mismatch names both sums.
 */
export const FETCH_CHECKED = [
  "fetch_checked() {",
  '  local url="$1" want="$2" dest="$3" tmp got',
  '  tmp="$(mktemp "$dest.XXXXXX")"',
  '  if ! curl -sfL --retry 3 -o "$tmp" "$url"; then rm -f "$tmp"; echo "k3s install on $(hostname): cannot download $url" >&2; return 1; fi',
  '  if [ -n "$want" ]; then',
  '    got="$(sha256sum "$tmp" | awk \'{ print $1 }\')"',
  '    if [ "$got" != "$want" ]; then rm -f "$tmp"; echo "k3s install on $(hostname): $url has SHA-256 $got, not the pinned $want" >&2; return 1; fi',
  "  fi",
  '  mv -f "$tmp" "$dest"',
  "}",
];

/** Hash of everything that decides what the install does; the script skips work when it is unchanged. */
export function k3sInstallStamp(opts: K3sInstallScriptOptions): string {
  const material = JSON.stringify([
    opts.role,
    opts.version,
    opts.flags,
    opts.files ?? [],
    opts.nodeIp ?? "",
    opts.installScriptUrl ?? "",
    opts.installScriptSha256 ?? "",
    opts.rejoinUrls ?? [],
    opts.binary ?? null,
  ]);
  return createHash("sha256").update(material).digest("hex");
}

/**
 * A bash script that installs or upgrades k3s to the pinned version. It reads from stdin (never from argv or
 * the environment) the join token, on servers the agent token, and on a first server that may rejoin the
 * cluster CA's SHA-256; writes them and the hardening files, and runs the installer only when the installed
 * version, flags or files differ from the last successful run.
 */
export function k3sInstallScript(opts: K3sInstallScriptOptions): string {
  assertK3sVersion(opts.version);
  const service = opts.role === "server" ? "k3s" : "k3s-agent";
  const url = opts.installScriptUrl ?? "https://get.k3s.io";
  const stamp = k3sInstallStamp(opts);
  const lines = [
    "set -euo pipefail",
    "umask 077",
    "# The join token arrives on stdin; read it before anything else can consume stdin.",
    "token=",
    "IFS= read -r token || true",
    `if [ -z "$token" ]; then echo "k3s install on $(hostname): no join token on stdin" >&2; exit 1; fi`,
    ...(opts.role === "server"
      ? [
          "agent_token=",
          "IFS= read -r agent_token || true",
          `if [ -z "$agent_token" ]; then echo "k3s install on $(hostname): no agent token on stdin" >&2; exit 1; fi`,
          "ca_hash=",
          "IFS= read -r ca_hash || true",
        ]
      : []),
    "put_file() {",
    '  local path="$1" mode="$2" tmp',
    '  mkdir -p "$(dirname "$path")"',
    '  tmp="$(mktemp "$path.XXXXXX")"',
    '  cat > "$tmp"',
    '  chmod "$mode" "$tmp"',
    '  mv -f "$tmp" "$path"',
    "}",
    `printf '%s' "$token" | put_file ${K3S_PATHS.tokenFile} 0600`,
    ...(opts.role === "server"
      ? [
          `printf '%s' "$agent_token" | put_file ${K3S_PATHS.agentTokenFile} 0600`,
          "unset agent_token",
        ]
      : []),
  ];
  for (const file of opts.files ?? []) {
    if (file.content.split("\n").includes(HEREDOC_END)) {
      throw new Error(
        `file ${file.path} contains the line ${HEREDOC_END}, which ends its heredoc.`,
      );
    }
    lines.push(`put_file ${shellQuote(file.path)} ${file.mode} <<'${HEREDOC_END}'`);
    lines.push(file.content.endsWith("\n") ? file.content.slice(0, -1) : file.content);
    lines.push(HEREDOC_END);
  }
  if ((opts.files ?? []).some((f) => f.path === K3S_PATHS.kernelSettings)) {
    lines.push(`sysctl -q -p ${K3S_PATHS.kernelSettings}`);
  }
  if ((opts.files ?? []).some((f) => f.path === K3S_PATHS.auditPolicy)) {
    lines.push(`install -d -m 0700 ${shellQuote(K3S_PATHS.auditLog.replace(/\/[^/]+$/, ""))}`);
  }
  const rejoin = opts.rejoinUrls ?? [];
  const args = [opts.role, ...opts.flags].map((f) =>
    rejoin.length > 0 && f === "--cluster-init" ? '"$cluster_flag"' : shellQuote(f),
  );
  if (rejoin.length > 0) {
    // A first server without etcd data while a peer answers is a reinstall: rejoin the cluster that exists, but
    // only one whose CA is the cluster's. /cacerts is fetched unverified (there is no CA to verify it with yet,
    // as in k3s's own TLS bootstrap), so its SHA-256 is checked against the one read from a peer over SSH, and
    // the join uses the secure token, with which k3s checks it again before it sends the token.
    lines.push(
      "cluster_flag=--cluster-init",
      `if [ ! -d ${K3S_PATHS.etcdDataDir} ]; then`,
      '  ca_file="$(mktemp)"',
      "  answered=",
      `  for peer in ${rejoin.map(shellQuote).join(" ")}; do`,
      '    curl -ksf --max-time 5 -o "$ca_file" "$peer/cacerts" || continue',
      '    answered="$peer"',
      '    if [ -z "$ca_hash" ]; then',
      '      echo "k3s on $(hostname): no etcd data here while $peer answers, and Hearth read no cluster CA hash to check it against (is a peer server down?); not joining it, and not starting a second cluster" >&2',
      "      exit 1",
      "    fi",
      `    got="$(sha256sum "$ca_file" | awk '{ print $1 }')"`,
      '    if [ "$got" != "$ca_hash" ]; then',
      '      echo "k3s on $(hostname): $peer serves a CA with SHA-256 $got, not the cluster CA $ca_hash; not joining it" >&2',
      "      continue",
      "    fi",
      '    cluster_flag="--server=$peer"',
      `    printf 'K10%s::server:%s' "$ca_hash" "$token" | put_file ${K3S_PATHS.tokenFile} 0600`,
      '    echo "k3s on $(hostname): no etcd data here while $peer answers with the cluster CA; joining the existing cluster"',
      "    break",
      "  done",
      '  rm -f "$ca_file"',
      '  if [ -n "$answered" ] && [ "$cluster_flag" = --cluster-init ]; then',
      '    echo "k3s on $(hostname): no peer that answered served the cluster CA; refusing to start a second cluster. Check who answers at the addresses of the servers" >&2',
      "    exit 1",
      "  fi",
      "fi",
    );
  }
  lines.push("unset token");
  if (opts.nodeIp) {
    // k3s does not move flannel onto the node IP by itself; find the interface that holds it.
    lines.push(
      `iface="$(ip -o addr show | awk -v ip=${shellQuote(opts.nodeIp)} '{ split($4, a, "/"); if (a[1] == ip) { sub(/@.*/, "", $2); print $2; exit } }')"`,
      `if [ -z "$iface" ]; then echo "k3s install on $(hostname): no interface holds ${opts.nodeIp}; check the node address" >&2; exit 1; fi`,
    );
    args.push(`"--flannel-iface=$iface"`);
  }
  lines.push(
    `installed="$(k3s --version 2>/dev/null | awk 'NR == 1 { print $3 }' || true)"`,
    `if [ "$installed" = ${shellQuote(opts.version)} ] && [ "$(cat ${K3S_PATHS.stampFile} 2>/dev/null || true)" = ${stamp} ] && systemctl is-active --quiet ${service}; then`,
    `  echo "k3s ${opts.version} already runs on $(hostname) with these settings"`,
    "  exit 0",
    "fi",
    ...FETCH_CHECKED,
    'installer="$(mktemp -d)"',
    "trap 'rm -rf \"$installer\"' EXIT",
    `fetch_checked ${shellQuote(url)} ${shellQuote(opts.installScriptSha256 ?? "")} "$installer/install.sh"`,
    ...(opts.binary
      ? [
          // As k3s-io/docs installation/airgap.md says: the binary in /usr/local/bin, then the install script
          // with INSTALL_K3S_SKIP_DOWNLOAD=true uses the local binary.
          `fetch_checked ${shellQuote(opts.binary.url)} ${shellQuote(opts.binary.sha256)} /usr/local/bin/k3s`,
          "chmod 0755 /usr/local/bin/k3s",
          `INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_VERSION=${shellQuote(opts.version)} sh "$installer/install.sh" ${args.join(" ")}`,
        ]
      : [
          `INSTALL_K3S_VERSION=${shellQuote(opts.version)} sh "$installer/install.sh" ${args.join(" ")}`,
        ]),
    `echo ${stamp} | put_file ${K3S_PATHS.stampFile} 0600`,
    `echo "k3s ${opts.version} installed on $(hostname) as ${opts.role}"`,
  );
  return `${lines.join("\n")}\n`;
}

/** Points a kubeconfig fetched from a server (which names 127.0.0.1) at an address this machine reaches. */
export function rewriteKubeconfigServer(kubeconfig: string, address: string): string {
  const host = urlHost(address);
  const rewritten = kubeconfig.replace(
    /(server:\s*https:\/\/)(127\.0\.0\.1|localhost|\[::1\])(:\d+)/g,
    (_m, scheme: string, _host: string, port: string) => `${scheme}${host}${port}`,
  );
  if (!/server:\s*https:\/\//.test(rewritten)) {
    throw new Error(
      `the kubeconfig read from ${K3S_PATHS.kubeconfig} has no https server entry; check that k3s ` +
        `started on the first server (journalctl -u k3s).`,
    );
  }
  return rewritten;
}

/** The API URL for an address, bracketing IPv6 literals. */
export function apiServerUrl(address: string): string {
  return `https://${urlHost(address)}:6443`;
}

// IPv6 literals need brackets inside a URL; names and IPv4 addresses do not.
function urlHost(address: string): string {
  return address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
}
