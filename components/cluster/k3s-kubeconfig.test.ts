import { apiServerUrl, rewriteKubeconfigServer } from "./k3s-kubeconfig";

describe("rewriteKubeconfigServer", () => {
  const kubeconfig = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443
  name: default
`;

  it("points the kubeconfig at the first server", () => {
    const out = rewriteKubeconfigServer(kubeconfig, "192.168.1.10");
    expect(out).toContain("server: https://192.168.1.10:6443");
    expect(out).not.toContain("127.0.0.1");
    expect(out).toContain("certificate-authority-data: Q0E=");
  });

  it("brackets IPv6 addresses", () => {
    expect(rewriteKubeconfigServer(kubeconfig, "fd00::10")).toContain(
      "server: https://[fd00::10]:6443",
    );
  });

  it("fails with a hint when the file is not a kubeconfig", () => {
    expect(() => rewriteKubeconfigServer("", "10.0.0.1")).toThrow(/journalctl -u k3s/);
  });
});

describe("apiServerUrl", () => {
  it("builds the join URL", () => {
    expect(apiServerUrl("10.0.0.1")).toBe("https://10.0.0.1:6443");
    expect(apiServerUrl("fd00::1")).toBe("https://[fd00::1]:6443");
    expect(apiServerUrl("k3s.lan")).toBe("https://k3s.lan:6443");
  });
});
