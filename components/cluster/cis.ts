/**
 * The CIS Kubernetes Benchmark items Hearth's k3s hardening claims (`cisHardening`, the flags of k3s-flags.ts), as
 * a kube-bench-style check of components' command-line flags: each item names its component, its flag and what
 * the flag's value must be. It is run on the flags Hearth gives k3s, on the arguments the sandbox's real
 * kube-apiserver runs with (scripts/sandbox-apiserver.ts), and in the e2e on that process's own command line.
 * Numbering as in CIS Kubernetes Benchmark v1.8 (k3s's CIS self-assessment guide follows it). Items k3s
 * satisfies itself whatever Hearth says (anonymous auth off, RBAC, profiling off, ...) are not Hearth's claims
 * and are not listed.
 */

/** A Kubernetes component whose flags an item reads. */
export type CisComponent = "kube-apiserver" | "kube-controller-manager" | "kubelet" | "k3s";

/** What an item asks of a flag's value. */
export type CisTest =
  | { kind: "set" }
  | { kind: "equals"; value: string }
  | { kind: "contains"; value: string }
  | { kind: "atLeast"; value: number }
  | { kind: "onlyFrom"; values: string[] };

/** One benchmark item Hearth claims. */
export interface CisItem {
  id: string;
  title: string;
  component: CisComponent;
  flag: string;
  test: CisTest;
}

/** Strong TLS suites (CIS 4.2.12's list, AEAD with forward secrecy). */
const STRONG_CIPHERS = [
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
];

/** Every item Hearth's hardening claims. */
export const CIS_CLAIMS: CisItem[] = [
  {
    id: "1.2.9",
    title: "the admission control plugin EventRateLimit is set",
    component: "kube-apiserver",
    flag: "enable-admission-plugins",
    test: { kind: "contains", value: "EventRateLimit" },
  },
  {
    id: "1.2.15",
    title: "the admission control plugin NodeRestriction is set",
    component: "kube-apiserver",
    flag: "enable-admission-plugins",
    test: { kind: "contains", value: "NodeRestriction" },
  },
  {
    id: "1.2.16",
    title: "--audit-log-path is set",
    component: "kube-apiserver",
    flag: "audit-log-path",
    test: { kind: "set" },
  },
  {
    id: "1.2.17",
    title: "--audit-log-maxage is 30 or more",
    component: "kube-apiserver",
    flag: "audit-log-maxage",
    test: { kind: "atLeast", value: 30 },
  },
  {
    id: "1.2.18",
    title: "--audit-log-maxbackup is 10 or more",
    component: "kube-apiserver",
    flag: "audit-log-maxbackup",
    test: { kind: "atLeast", value: 10 },
  },
  {
    id: "1.2.19",
    title: "--audit-log-maxsize is 100 or more",
    component: "kube-apiserver",
    flag: "audit-log-maxsize",
    test: { kind: "atLeast", value: 100 },
  },
  {
    id: "3.2.1",
    title: "a minimal audit policy is created (--audit-policy-file)",
    component: "kube-apiserver",
    flag: "audit-policy-file",
    test: { kind: "set" },
  },
  {
    id: "5.2.1",
    title:
      "Pod Security admission is configured for every namespace (--admission-control-config-file)",
    component: "kube-apiserver",
    flag: "admission-control-config-file",
    test: { kind: "set" },
  },
  {
    id: "1.2.27",
    title:
      "secrets are encrypted at rest (k3s --secrets-encryption sets --encryption-provider-config)",
    component: "k3s",
    flag: "secrets-encryption",
    test: { kind: "set" },
  },
  {
    id: "1.3.1",
    title: "--terminated-pod-gc-threshold is set",
    component: "kube-controller-manager",
    flag: "terminated-pod-gc-threshold",
    test: { kind: "set" },
  },
  {
    id: "4.2.5",
    title: "--streaming-connection-idle-timeout is not 0",
    component: "kubelet",
    flag: "streaming-connection-idle-timeout",
    test: { kind: "set" },
  },
  {
    id: "4.2.6",
    title: "--protect-kernel-defaults is true",
    component: "k3s",
    flag: "protect-kernel-defaults",
    test: { kind: "set" },
  },
  {
    id: "4.2.12",
    title: "the kubelet uses only strong cryptographic ciphers",
    component: "kubelet",
    flag: "tls-cipher-suites",
    test: { kind: "onlyFrom", values: STRONG_CIPHERS },
  },
];

/** Each component's flags as name -> value (`true` for a bare flag), from `--name[=value]` arguments. */
export type ComponentFlags = Partial<Record<CisComponent, Map<string, string>>>;

/** A component's own command line, `--name=value` or `--name value` (kube-bench reads /proc the same way). */
export function parseFlags(args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) continue;
    const [name, ...rest] = a.slice(2).split("=");
    if (rest.length > 0) flags.set(name, rest.join("="));
    else if (args[i + 1] !== undefined && !args[i + 1].startsWith("-")) flags.set(name, args[++i]);
    else flags.set(name, "true");
  }
  return flags;
}

/** k3s's pass-through flags, by the component they reach. */
const COMPONENT_ARGS: Record<string, CisComponent> = {
  "kube-apiserver-arg": "kube-apiserver",
  "kube-controller-manager-arg": "kube-controller-manager",
  "kubelet-arg": "kubelet",
};

/** The flags of each component that a list of k3s server flags gives (`--kube-apiserver-arg=k=v` and so on). */
export function k3sComponentFlags(k3sFlags: string[]): ComponentFlags {
  const out: Record<CisComponent, Map<string, string>> = {
    k3s: new Map(),
    "kube-apiserver": new Map(),
    "kube-controller-manager": new Map(),
    kubelet: new Map(),
  };
  // The pass-through flags repeat, one component flag each: read them one by one.
  const own: string[] = [];
  for (const f of k3sFlags) {
    const m = /^--([a-z-]+-arg)=([^=]+)(?:=(.*))?$/.exec(f);
    const component = m ? COMPONENT_ARGS[m[1]] : undefined;
    if (m && component) out[component].set(m[2], m[3] ?? "true");
    else own.push(f);
  }
  out.k3s = parseFlags(own);
  return out;
}

/** Whether a flag's value passes an item's test. */
function passes(test: CisTest, value: string | undefined): boolean {
  if (value === undefined || value === "") return false;
  switch (test.kind) {
    case "set":
      return value !== "false" && value !== "0" && value !== "0s";
    case "equals":
      return value === test.value;
    case "contains":
      return value.split(",").includes(test.value);
    case "atLeast":
      return Number(value) >= test.value;
    case "onlyFrom":
      return value.split(",").every((v) => test.values.includes(v));
  }
}

/** One item's result: whether it passed and the value found. */
export interface CisResult {
  item: CisItem;
  pass: boolean;
  found?: string;
}

/** The items of the given components, checked against their flags; items of absent components are left out. */
export function cisResults(flags: ComponentFlags, items: CisItem[] = CIS_CLAIMS): CisResult[] {
  return items
    .filter((item) => flags[item.component] !== undefined)
    .map((item) => {
      const found = flags[item.component]!.get(item.flag);
      return { item, pass: passes(item.test, found), found };
    });
}

/** The failed items, one line each, kube-bench style: `[FAIL] 1.2.17 --audit-log-maxage is 30 or more (7)`. */
export function cisFailures(results: CisResult[]): string[] {
  return results
    .filter((r) => !r.pass)
    .map(
      (r) =>
        `[FAIL] ${r.item.id} ${r.item.title} (${r.item.component} --${r.item.flag}: ${r.found ?? "not set"})`,
    );
}
