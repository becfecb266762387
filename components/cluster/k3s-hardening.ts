/**
 * The CIS hardening files a k3s node needs before it starts: the API server's admission config (Pod Security,
 * EventRateLimit) and audit policy on servers, the kernel settings `--protect-kernel-defaults` expects on every
 * node. Pure renderers; the install script (k3s-install.ts) writes them.
 */
import { isDnsLabel } from "../net";
import type { NodeRole } from "../types";
import { K3S_PATHS } from "./k3s-flags";

/** Namespaces exempt from Pod Security admission unless the caller says otherwise. */
export const DEFAULT_PSA_EXEMPT_NAMESPACES = ["kube-system", "system-upgrade"];

/** Kernel settings the kubelet refuses to run without when `--protect-kernel-defaults` is on. */
export const KUBELET_KERNEL_SETTINGS: Record<string, string> = {
  "vm.panic_on_oom": "0",
  "vm.overcommit_memory": "1",
  "kernel.panic": "10",
  "kernel.panic_on_oops": "1",
};

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
    if (!isDnsLabel(ns)) {
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
