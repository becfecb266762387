/**
 * The k3s install script as text: valid bash, the token read from stdin first, the hardening files before the
 * pinned installer, the stamp that skips a reinstall, agents, quoting, and a refused version. The script run
 * against stub commands is in k3s-install-run.test.ts.
 */
import { spawnSync } from "node:child_process";
import { asRoot } from "../shell";
import { K3S_PATHS, k3sAgentFlags, k3sServerFlags } from "./k3s-flags";
import { k3sHardeningFiles, renderPodSecurityConfig } from "./k3s-hardening";
import { k3sInstallScript, k3sInstallStamp } from "./k3s-install";

const VERSION = "v1.31.4+k3s1";

function bashSyntaxOk(script: string): string {
  const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
  return r.status === 0 ? "" : r.stderr;
}

describe("k3sInstallScript", () => {
  const flags = k3sServerFlags({ nodeName: "s1", nodeIp: "10.0.0.1" });
  const opts = {
    role: "server" as const,
    version: VERSION,
    flags,
    files: k3sHardeningFiles("server"),
    nodeIp: "10.0.0.1",
  };

  it("is valid bash", () => {
    expect(bashSyntaxOk(k3sInstallScript(opts))).toBe("");
    expect(bashSyntaxOk(asRoot(k3sInstallScript(opts), "bash"))).toBe("");
  });

  it("reads the token from stdin into a 0600 file before anything else", () => {
    const script = k3sInstallScript(opts);
    const read = script.indexOf("IFS= read -r token");
    expect(read).toBeGreaterThan(0);
    expect(script.indexOf("put_file")).toBeGreaterThan(read);
    expect(script).toContain(`printf '%s' "$token" | put_file ${K3S_PATHS.tokenFile} 0600`);
    expect(script).not.toContain("K3S_TOKEN=");
  });

  it("writes the hardening files before it runs the installer with the pinned version", () => {
    const script = k3sInstallScript(opts);
    const installer = script.indexOf(
      `INSTALL_K3S_VERSION='v1.31.4+k3s1' sh "$installer/install.sh" 'server'`,
    );
    expect(installer).toBeGreaterThan(0);
    for (const path of [
      K3S_PATHS.podSecurityConfig,
      K3S_PATHS.auditPolicy,
      K3S_PATHS.kernelSettings,
    ]) {
      const at = script.indexOf(`put_file '${path}'`);
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThan(installer);
    }
    expect(script).toContain(renderPodSecurityConfig().trimEnd());
    expect(script).toContain(`sysctl -q -p ${K3S_PATHS.kernelSettings}`);
    expect(script).toContain("'--cluster-init'");
    expect(script).toContain(`"--flannel-iface=$iface"`);
  });

  it("skips the installer when the pinned version already runs with the same settings", () => {
    const script = k3sInstallScript(opts);
    const stamp = k3sInstallStamp(opts);
    expect(script).toContain(`[ "$installed" = 'v1.31.4+k3s1' ]`);
    expect(script).toContain(`= ${stamp} ]`);
    expect(script).toContain("systemctl is-active --quiet k3s;");
    expect(script.indexOf("exit 0")).toBeLessThan(script.indexOf("fetch_checked 'https"));
  });

  it("stamps differently when the version or a flag changes", () => {
    const base = k3sInstallStamp(opts);
    expect(k3sInstallStamp({ ...opts, version: "v1.31.5+k3s1" })).not.toBe(base);
    expect(k3sInstallStamp({ ...opts, flags: [...flags, "--disable=traefik"] })).not.toBe(base);
    expect(k3sInstallStamp({ ...opts })).toBe(base);
  });

  it("installs agents as the k3s-agent service", () => {
    const agent = k3sInstallScript({
      role: "agent",
      version: VERSION,
      flags: k3sAgentFlags({ nodeName: "a1", serverUrl: "https://10.0.0.1:6443" }),
      installScriptUrl: "http://mirror.lan/k3s-install.sh",
    });
    expect(bashSyntaxOk(agent)).toBe("");
    expect(agent).toContain("systemctl is-active --quiet k3s-agent;");
    expect(agent).toContain("fetch_checked 'http://mirror.lan/k3s-install.sh' ''");
    expect(agent).toContain(`sh "$installer/install.sh" 'agent' '--server=https://10.0.0.1:6443'`);
    expect(agent).not.toContain("flannel-iface");
  });

  it("quotes operator flags so they cannot inject shell", () => {
    const script = k3sInstallScript({ ...opts, flags: ["--node-label=a=$(reboot)'x"] });
    expect(script).toContain(`'--node-label=a=$(reboot)'\\''x'`);
    expect(bashSyntaxOk(script)).toBe("");
  });

  it("refuses an invalid version", () => {
    expect(() => k3sInstallScript({ ...opts, version: "latest" })).toThrow(/latest/);
  });
});
