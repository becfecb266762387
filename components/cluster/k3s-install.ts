/**
 * The idempotent k3s install script: it reads the join token from stdin, writes it and the hardening files,
 * and runs the pinned installer only when the version, flags or files changed; and the scripts that read the
 * first server's secure join token, the agents' token and the cluster CA's hash.
 */
import { createHash } from "node:crypto";
import { shellQuote } from "../shell";
import type { NodeRole } from "../types";
import { assertK3sVersion, K3S_PATHS } from "./k3s-flags";
import type { HardeningFile } from "./k3s-hardening";

const HEREDOC_END = "HEARTH_EOF";

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
