/**
 * The sandbox's cluster DNS and volume directories, as data: what the kubelet hands pods, what CoreDNS is given,
 * and which paths the volume watcher touches. CoreDNS itself answers in `npm run test:e2e` (test/e2e/cluster-dns.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeletConfig, pathsOf } from "../../scripts/sandbox/real-node";
import { clusterDnsObjects, corefile, sandboxLan } from "../../scripts/sandbox/real-node/dns";
import { CLUSTER_DNS } from "../../scripts/sandbox/real-node/files";
import { netnsToRemove } from "../../scripts/sandbox/real-node/host";
import { prepareVolume } from "../../scripts/sandbox/real-node/volumes";

const repo = join(__dirname, "../..");

describe("the sandbox's cluster DNS", () => {
  it("is what every real kubelet hands its pods", () => {
    const kubelet = kubeletConfig(pathsOf("/x", "node-1"), "node-1");
    expect(kubelet).toContain(`clusterDNS: [${CLUSTER_DNS}]`);
    expect(kubelet).toContain("clusterDomain: cluster.local");
  });

  it("answers the cluster's zone and the dev stack's domain with node-1's address, and nothing upstream", () => {
    const lan = sandboxLan(repo);
    expect(lan).toEqual({ domain: "hearth.test", address: "10.77.0.11" });
    const file = corefile(lan);
    expect(file).toMatch(/kubernetes cluster\.local in-addr\.arpa ip6\.arpa \{/);
    expect(file).toContain('answer "{{ .Name }} 60 IN A 10.77.0.11"');
    expect(file).not.toMatch(/forward/);
  });

  it("runs on the real nodes as a restricted pod, behind kube-dns at the Service network's tenth address", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests read as loose JSON
    type Loose = any;
    const objects = clusterDnsObjects("hearth.local/coredns:v0", sandboxLan(repo)) as {
      kind: string;
      spec?: Loose;
    }[];
    const service = objects.find((o) => o.kind === "Service")!;
    expect(service.spec!.clusterIP).toBe(CLUSTER_DNS);
    expect(service.spec!.ports.map((p: { port: number }) => p.port)).toEqual([53, 53]);
    const pod = objects.find((o) => o.kind === "Deployment")!.spec!.template.spec;
    expect(pod.nodeSelector).toEqual({ "hearth.dev/sandbox-node": "real" });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.containers[0].securityContext.capabilities).toEqual({
      add: ["NET_BIND_SERVICE"],
      drop: ["ALL"],
    });
    expect(pod.containers[0].imagePullPolicy).toBe("Never");
  });
});

describe("the real nodes' volume directories", () => {
  it("touches only the directories of kwok's provisioner, and lists each once for `down`", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-volumes-"));
    expect(prepareVolume(dir, "/etc")).toBe(false);
    expect(prepareVolume(dir, "/tmp/kwok-local-path-provisioner/../etc")).toBe(false);
    expect(prepareVolume(dir, "")).toBe(false);
    expect(existsSync(join(dir, "real-volumes.txt"))).toBe(false);
    const path = `/tmp/kwok-local-path-provisioner/pvc-${Date.now().toString(16)}-0000-beef`;
    expect(prepareVolume(dir, path)).toBe(true);
    expect(prepareVolume(dir, path)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o777);
    expect(readFileSync(join(dir, "real-volumes.txt"), "utf8")).toBe(`${path}\n`);
    rmSync(path, { recursive: true });
  });
});

describe("the pod network namespaces a real node leaves", () => {
  it("are removed when made since the record, never one the host had, never another kind", () => {
    const before = ["cni-0004f4d5-0be8-34ae-5bf6-6f1ee4839481", "hearth-sb-node-1"];
    const now = [...before, "cni-0360ace2-3735-bffa-b780-6bab63cb2277", "other-ns"];
    expect(netnsToRemove(now, before)).toEqual(["cni-0360ace2-3735-bffa-b780-6bab63cb2277"]);
  });
});
