import { K3S_PATHS } from "./k3s-flags";
import {
  k3sHardeningFiles,
  renderAuditPolicy,
  renderKernelSettings,
  renderPodSecurityConfig,
} from "./k3s-hardening";

describe("renderPodSecurityConfig", () => {
  it("enforces restricted by default with kube-system and system-upgrade exempt", () => {
    const yaml = renderPodSecurityConfig();
    expect(yaml).toContain("kind: AdmissionConfiguration");
    expect(yaml).toContain("apiVersion: pod-security.admission.config.k8s.io/v1\n");
    expect(yaml).toContain('enforce: "restricted"');
    expect(yaml).toContain('audit: "restricted"');
    expect(yaml).toContain('warn: "restricted"');
    expect(yaml).toMatch(/namespaces:\n\s+- kube-system\n\s+- system-upgrade\n/);
  });

  it("takes another enforce level and exemption list", () => {
    const yaml = renderPodSecurityConfig({ enforce: "baseline", exemptNamespaces: [] });
    expect(yaml).toContain('enforce: "baseline"');
    expect(yaml).toContain("namespaces: []");
  });

  it("refuses a namespace that is not a DNS label", () => {
    expect(() => renderPodSecurityConfig({ exemptNamespaces: ["Kube System"] })).toThrow(
      /Kube System/,
    );
  });
});

describe("renderAuditPolicy", () => {
  it("logs metadata only and never request bodies", () => {
    const yaml = renderAuditPolicy();
    expect(yaml).toContain("apiVersion: audit.k8s.io/v1");
    expect(yaml).toContain("kind: Policy");
    expect(yaml).toMatch(/- level: Metadata\n$/);
    expect(yaml).not.toMatch(/level: (Request|RequestResponse)/);
  });
});

describe("renderKernelSettings", () => {
  it("sets the values the kubelet checks under --protect-kernel-defaults", () => {
    expect(renderKernelSettings()).toBe(
      "vm.panic_on_oom = 0\nvm.overcommit_memory = 1\nkernel.panic = 10\nkernel.panic_on_oops = 1\n",
    );
  });
});

describe("k3sHardeningFiles", () => {
  it("gives servers the admission, audit and kernel files, agents the kernel file", () => {
    expect(k3sHardeningFiles("server").map((f) => f.path)).toEqual([
      K3S_PATHS.kernelSettings,
      K3S_PATHS.podSecurityConfig,
      K3S_PATHS.auditPolicy,
    ]);
    expect(k3sHardeningFiles("agent").map((f) => f.path)).toEqual([K3S_PATHS.kernelSettings]);
    expect(k3sHardeningFiles("server", false)).toEqual([]);
  });
});
