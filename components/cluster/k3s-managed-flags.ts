/**
 * The k3s flags Hearth manages, by role, and the checks of an operator's extra flags against them: config
 * validation and the flag builders of k3s-flags.ts refuse a flag that would override a managed one, or that
 * k3s's installer and systemd cannot carry as written.
 */
import type { NodeRole } from "../types";

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
