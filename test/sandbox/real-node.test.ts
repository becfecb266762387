/**
 * The files a real sandbox node runs with, handed to their consumers where they are installed: containerd's own
 * `config dump` merges and prints the configuration, and kube-proxy loads its configuration file and writes back
 * what it understood. The node itself runs in `npm run test:e2e`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import {
  cniConfig,
  containerdConfig,
  kubeletConfig,
  nodeNumber,
  pathsOf,
  proxyConfig,
} from "../../scripts/sandbox/real-node";

const dir = mkdtempSync(join(tmpdir(), "hearth-real-node-"));
const p = pathsOf(dir, "node-2");
const kubeProxy = join(
  process.env.HEARTH_CACHE ?? join(homedir(), ".cache/hearth"),
  "sandbox/bin/kube-proxy",
);
const hasContainerd = spawnSync("sh", ["-c", "command -v containerd"]).status === 0;

describe("a real node's files", () => {
  it("names the node's address, pod network and cgroup from its number", () => {
    expect(nodeNumber("node-2")).toBe(2);
    expect(() => nodeNumber("node-x")).toThrow(/not a sandbox node/);
    const cni = JSON.parse(cniConfig("node-2", p.cniState));
    expect(cni.plugins[0].ipam.ranges[0][0]).toEqual({
      subnet: "10.244.2.0/24",
      gateway: "10.244.2.1",
    });
    const kubelet = kubeletConfig(p, "node-2");
    expect(kubelet).toContain("cgroupRoot: /hearth-sandbox/node-2");
    expect(kubelet).toContain("failCgroupV1: false");
    expect(kubelet).toContain(`containerRuntimeEndpoint: unix://${p.socket}`);
  });

  (hasContainerd ? it : it.skip)(
    "containerd takes its configuration: runc, our pause image, no OOM score below its own",
    () => {
      const file = join(dir, "containerd.toml");
      writeFileSync(file, containerdConfig(p, "hearth.local/pause:3.10-hearth"));
      const r = spawnSync("containerd", ["--config", file, "config", "dump"], { encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('sandbox_image = "hearth.local/pause:3.10-hearth"');
      expect(r.stdout).toContain("restrict_oom_score_adj = true");
      expect(r.stdout).toContain(`conf_dir = "${p.cni}"`);
      expect(r.stdout).toMatch(/SystemdCgroup = false/);
    },
  );

  (existsSync(kubeProxy) ? it : it.skip)(
    "kube-proxy loads its configuration: iptables, no host-wide conntrack settings",
    () => {
      const file = join(dir, "kube-proxy.yaml");
      writeFileSync(file, proxyConfig(p, "node-2"));
      const back = join(dir, "kube-proxy.back.yaml");
      const r = spawnSync(kubeProxy, [`--config=${file}`, `--write-config-to=${back}`], {
        encoding: "utf8",
      });
      expect(r.status).toBe(0);
      const written = readFileSync(back, "utf8");
      expect(written).toMatch(/mode: iptables/);
      expect(written).toMatch(/maxPerCore: 0/);
      expect(written).toMatch(/hostnameOverride: node-2/);
    },
  );
});
