/**
 * The files a real sandbox node runs with, rendered from its number and its folder: containerd's configuration,
 * the pod network's CNI list, the kubelet's configuration, the kubeconfigs of the kubelet and kube-proxy, and
 * kube-proxy's configuration. Pure renderers (the kubeconfigs read the certificates), tested in
 * test/sandbox/real-node.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LAB } from "../../lab-network";

const cache = process.env.HEARTH_CACHE ?? join(process.env.HOME ?? "/root", ".cache/hearth");
/** Where scripts/toolchain/build-sandbox.sh puts the kubelet and kube-proxy. */
export const BIN = join(cache, "sandbox/bin");
/** The bridge's address: the nodes reach the API server (through a forwarder) and each other here. */
export const BRIDGE_ADDR = LAB.router;
/** Where the nodes reach the API server: a forwarder on the bridge to its loopback port. */
export const API_PORT = 16443;
/** The cluster DNS's Service address (the Service network's tenth, as kube-dns takes 10.43.0.10 in k3s). */
export const CLUSTER_DNS = "10.96.0.10";
export const CLUSTER_DOMAIN = "cluster.local";
/** The kernel settings the kubelet sets at start (pkg/kubelet/cm setupKernelTunables), restored by `down`. */
export const KUBELET_SYSCTLS = ["kernel/panic", "kernel/panic_on_oops", "vm/overcommit_memory"];
/** The number of a node (`node-1` is 1): its address 10.77.0.1N and pod network 10.244.N.0/24. */
export function nodeNumber(node: string): number {
  const m = /^node-(\d)$/.exec(node);
  if (!m) throw new Error(`not a sandbox node: ${node}`);
  return Number(m[1]);
}

/** Everything of a real node, under the sandbox directory. */
export function pathsOf(dir: string, node: string) {
  const root = join(dir, "nodes", node, "real");
  return {
    root,
    containerd: join(root, "containerd"),
    state: join(root, "containerd-state"),
    socket: join(root, "containerd.sock"),
    config: join(root, "containerd.toml"),
    kubelet: join(root, "kubelet"),
    kubeletConfig: join(root, "kubelet.yaml"),
    kubeconfig: join(root, "kubelet.kubeconfig"),
    proxyKubeconfig: join(root, "kube-proxy.kubeconfig"),
    proxyConfig: join(root, "kube-proxy.yaml"),
    cni: join(root, "cni"),
    cniState: join(root, "cni-state"),
    sysctls: join(root, "sysctls.json"),
    podLogs: join(root, "pod-logs"),
    pki: join(dir, "pki"),
  };
}

/** containerd's configuration: its state under the node's folder, the CRI plugin on runc and our CNI files. */
export function containerdConfig(p: ReturnType<typeof pathsOf>, pause: string): string {
  return [
    "version = 2",
    `root = "${p.containerd}"`,
    `state = "${p.state}"`,
    "[grpc]",
    `  address = "${p.socket}"`,
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = "${pause}"`,
    // This VM's bounding set lacks CAP_SYS_RESOURCE: a sandbox's oomScoreAdj of -998 fails every pod otherwise.
    "  restrict_oom_score_adj = true",
    "  disable_apparmor = true",
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "runc"',
    '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '      runtime_type = "io.containerd.runc.v2"',
    '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    "        SystemdCgroup = false",
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    '    bin_dir = "/usr/lib/cni"',
    `    conf_dir = "${p.cni}"`,
    "",
  ].join("\n");
}

/** The node's pod network: a bridge in its namespace, addresses from its podCIDR. */
export function cniConfig(node: string, cniState: string): string {
  const n = nodeNumber(node);
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: "hearth-sandbox",
      plugins: [
        {
          type: "bridge",
          bridge: "cni0",
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: "host-local",
            dataDir: cniState,
            ranges: [[{ subnet: `10.244.${n}.0/24`, gateway: `10.244.${n}.1` }]],
            routes: [{ dst: "0.0.0.0/0" }],
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
        { type: "loopback" },
      ],
    },
    null,
    2,
  );
}

/** The kubelet's configuration: cgroup v1 without systemd, its files under the node's folder. */
export function kubeletConfig(p: ReturnType<typeof pathsOf>, node: string): string {
  return [
    "apiVersion: kubelet.config.k8s.io/v1beta1",
    "kind: KubeletConfiguration",
    // Cgroups are v1 here (hybrid, no systemd): kubelet 1.35+ refuses v1 unless told.
    "failCgroupV1: false",
    "cgroupDriver: cgroupfs",
    `cgroupRoot: /hearth-sandbox/${node}`,
    `containerRuntimeEndpoint: unix://${p.socket}`,
    "authentication:",
    "  anonymous: { enabled: false }",
    "  webhook: { enabled: true }",
    `  x509: { clientCAFile: ${join(p.pki, "ca.crt")} }`,
    "authorization: { mode: Webhook }",
    `address: 10.77.0.1${nodeNumber(node)}`,
    `healthzBindAddress: 127.0.0.1`,
    "readOnlyPort: 0",
    "failSwapOn: false",
    "resolvConf: ''",
    // Containers' logs under the node's folder, not the host's /var/log/pods.
    `podLogsDir: ${p.podLogs}`,
    // The cluster's DNS (real-node/dns.ts), as a k3s kubelet hands its pods.
    `clusterDNS: [${CLUSTER_DNS}]`,
    `clusterDomain: ${CLUSTER_DOMAIN}`,
    "serializeImagePulls: false",
    "evictionHard: { memory.available: '100Mi', nodefs.available: '1%', imagefs.available: '1%' }",
    "imageGCHighThresholdPercent: 100",
    "enforceNodeAllocatable: []",
    "cgroupsPerQOS: true",
    "",
  ].join("\n");
}

/**
 * A kubeconfig through the bridge with the client certificate `<cert>.crt` of the node's folder: the kubelet's
 * (`system:node:<node>`) or kube-proxy's (`system:kube-proxy`, which the default `system:node-proxier` binding
 * lets read Services and EndpointSlices).
 */
export function nodeKubeconfig(
  p: ReturnType<typeof pathsOf>,
  node: string,
  cert: "node" | "proxy" = "node",
): string {
  const b64 = (f: string) => readFileSync(f).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: sandbox",
    "  cluster:",
    `    server: https://${BRIDGE_ADDR}:${API_PORT}`,
    // The API server's certificate names 127.0.0.1 and localhost; the forwarder on the bridge is the same server.
    "    tls-server-name: localhost",
    `    certificate-authority-data: ${b64(join(p.pki, "ca.crt"))}`,
    "users:",
    `- name: ${node}`,
    "  user:",
    `    client-certificate-data: ${b64(join(p.root, `${cert}.crt`))}`,
    `    client-key-data: ${b64(join(p.root, `${cert}.key`))}`,
    "contexts:",
    `- name: ${node}`,
    `  context: { cluster: sandbox, user: ${node} }`,
    `current-context: ${node}`,
    "",
  ].join("\n");
}

/** kube-proxy's configuration: iptables in the node's namespace, no host-wide conntrack settings. */
export function proxyConfig(p: ReturnType<typeof pathsOf>, node: string): string {
  return [
    "apiVersion: kubeproxy.config.k8s.io/v1alpha1",
    "kind: KubeProxyConfiguration",
    `clientConnection: { kubeconfig: ${p.proxyKubeconfig} }`,
    `hostnameOverride: ${node}`,
    "mode: iptables",
    "clusterCIDR: 10.244.0.0/16",
    "metricsBindAddress: 127.0.0.1:10249",
    "healthzBindAddress: 127.0.0.1:10256",
    // conntrack's limits and timeouts are the host's, not the namespace's: left as they are.
    "conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }",
    "",
  ].join("\n");
}
