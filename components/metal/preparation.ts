/** The OS preparation every metal node gets before k3s: host name, time zone, packages, kernel settings. */
import { isDnsLabel } from "../net";
import { asRoot, shellQuote } from "../shell";
import { InstallOs } from "./spec";

/** Kernel settings k3s needs; with `protect-kernel-defaults` the kubelet refuses to start unless they are set. */
export const K3S_SYSCTLS: Readonly<Record<string, string>> = {
  "vm.overcommit_memory": "1",
  "vm.panic_on_oom": "0",
  "kernel.panic": "10",
  "kernel.panic_on_oops": "1",
  "net.ipv4.ip_forward": "1",
  "net.bridge.bridge-nf-call-iptables": "1",
  "net.bridge.bridge-nf-call-ip6tables": "1",
};

/** Kernel modules container networking needs at every boot. */
export const K3S_MODULES = ["overlay", "br_netfilter"] as const;

/** What the preparation script is built from. */
export interface PreparationSpec {
  /** Host name to set. */
  hostname: string;
  os: InstallOs;
  /** IANA time zone. */
  timezone: string;
  /** Packages to install when missing. */
  packages: string[];
}

const TIMEZONE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;
const PACKAGE = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/;

/** Lines that install the missing packages with the distribution's package manager. */
function packageLines(os: InstallOs, packages: string[]): string[] {
  if (packages.length === 0) return [];
  const list = packages.map(shellQuote).join(" ");
  const installed =
    os === "debian"
      ? `dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'`
      : `rpm -q "$p" >/dev/null 2>&1`;
  const install =
    os === "debian"
      ? "DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing"
      : "dnf install -y -q $missing";
  return [
    'missing=""',
    `for p in ${list}; do ${installed} || missing="$missing $p"; done`,
    `if [ -n "$missing" ]; then ${install}; fi`,
  ];
}

/** One problem of a preparation spec, by field. */
export interface PreparationProblem {
  field: "hostname" | "timezone" | "packages";
  message: string;
}

/** Every problem of a preparation spec; config validation runs this on each metal node. */
export function preparationProblems(
  spec: Pick<PreparationSpec, "hostname" | "timezone" | "packages">,
): PreparationProblem[] {
  const out: PreparationProblem[] = [];
  if (!isDnsLabel(spec.hostname)) {
    out.push({
      field: "hostname",
      message: "the name must be a host name label (lowercase letters, digits, hyphens)",
    });
  }
  if (!TIMEZONE.test(spec.timezone)) {
    out.push({
      field: "timezone",
      message: `timezone "${spec.timezone}" is not an IANA name such as Europe/Paris`,
    });
  }
  const bad = spec.packages.filter((p) => !PACKAGE.test(p));
  if (bad.length > 0) {
    out.push({
      field: "packages",
      message: `not package names: ${bad.join(", ")} (the preparation installs plain package names with apt or dnf)`,
    });
  }
  return out;
}

/**
 * The idempotent root script that prepares a node for k3s: host name, time zone, packages, swap off for good
 * (fstab entries and Fedora's zram), the kernel modules and sysctls k3s needs, applied now and at every boot.
 */
export function preparationScript(spec: PreparationSpec): string {
  const [first] = preparationProblems(spec);
  if (first) throw new Error(`metal node "${spec.hostname}": ${first.message}`);

  const name = shellQuote(spec.hostname);
  const tz = shellQuote(spec.timezone);
  const sysctl = Object.entries(K3S_SYSCTLS)
    .map(([k, v]) => `${k} = ${v}`)
    .join("\n");
  const lines = [
    "set -eu",
    `[ "$(hostname)" = ${name} ] || hostnamectl set-hostname ${name}`,
    `grep -Eq "^127\\.0\\.1\\.1[[:space:]]+${spec.hostname}([[:space:]]|$)" /etc/hosts || printf '127.0.1.1 %s\\n' ${name} >> /etc/hosts`,
    `[ "$(timedatectl show -p Timezone --value)" = ${tz} ] || timedatectl set-timezone ${tz}`,
    ...packageLines(spec.os, spec.packages),
    "# The kubelet refuses to run with swap on: turn it off now and keep it off after a reboot.",
    "swapoff -a",
    "sed -i -E '/^[^#].*[[:space:]]swap[[:space:]]/s/^/#/' /etc/fstab",
  ];
  if (spec.os === "fedora") {
    // An empty zram-generator.conf overrides Fedora's default zram swap device.
    lines.push(
      "[ -f /etc/systemd/zram-generator.conf ] && [ ! -s /etc/systemd/zram-generator.conf ] || : > /etc/systemd/zram-generator.conf",
    );
  }
  lines.push(
    `printf '%s\\n' ${K3S_MODULES.join(" ")} > /etc/modules-load.d/90-hearth-k3s.conf`,
    ...K3S_MODULES.map((m) => `modprobe ${m}`),
    `printf '%s\\n' ${shellQuote(sysctl)} > /etc/sysctl.d/90-hearth-k3s.conf`,
    "sysctl -q -p /etc/sysctl.d/90-hearth-k3s.conf",
  );
  return asRoot(lines.join("\n"));
}

/** Files the preparation writes; `destroy` removes them (the running kernel keeps its settings until a reboot). */
export const PREPARATION_FILES = [
  "/etc/modules-load.d/90-hearth-k3s.conf",
  "/etc/sysctl.d/90-hearth-k3s.conf",
] as const;

/** The root script run when a node's preparation is destroyed: Hearth's files go, nothing else is touched. */
export function unpreparationScript(): string {
  return asRoot(`rm -f ${PREPARATION_FILES.join(" ")}`);
}
