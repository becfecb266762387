/**
 * A real Kubernetes node in the sandbox: containerd, the kubelet and kube-proxy run in a sandbox node's network
 * namespace (`hearth-sb-<node>`), with every file under the sandbox directory, so its pods really run, from
 * images built here (scripts/toolchain/images). `scripts/sandbox.sh` calls it; the rest of the sandbox is still
 * that script (docs/sandbox.md).
 *
 *   ts-node scripts/sandbox/real-node.ts check                 why this host cannot run pods, or nothing
 *   ts-node scripts/sandbox/real-node.ts up <dir> <node>...     starts each node's runtime, kubelet and proxy
 *   ts-node scripts/sandbox/real-node.ts down <dir> <node>...   stops them, their pods and what they changed
 *
 * What stays on the host and how `down` puts it back: processes (in the cgroup `hearth-sandbox/<node>` of every
 * mounted hierarchy, killed and removed), mounts (under the sandbox directory, unmounted by sandbox.sh), the route to each
 * node's pod network (deleted), and the kernel settings the kubelet insists on (`kernel.panic`,
 * `kernel.panic_on_oops`, `vm.overcommit_memory`: recorded before, restored after).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { images } from "./images";

const cache = process.env.HEARTH_CACHE ?? join(process.env.HOME ?? "/root", ".cache/hearth");
const BIN = join(cache, "sandbox/bin");
/** The bridge's address: the nodes reach the API server (through a forwarder) and each other here. */
export const BRIDGE_ADDR = "10.77.0.1";
/** Where the nodes reach the API server: a forwarder on the bridge to its loopback port. */
export const API_PORT = 16443;
/** The kernel settings the kubelet sets at start (pkg/kubelet/cm setupKernelTunables), restored by `down`. */
export const KUBELET_SYSCTLS = ["kernel/panic", "kernel/panic_on_oops", "vm/overcommit_memory"];
/** Every cgroup hierarchy mounted under /sys/fs/cgroup (v1 controllers, name=systemd, the hybrid unified one). */
function hierarchies(): string[] {
  const base = "/sys/fs/cgroup";
  return readdirSync(base).filter((h) => existsSync(join(base, h, "cgroup.procs")));
}

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
    pki: join(dir, "pki"),
  };
}

/** Why this host cannot run containers, in one line; undefined when it can. */
export function whyNot(): string | undefined {
  if (!readFileSync("/proc/filesystems", "utf8").includes("\toverlay"))
    return "no overlay file system";
  for (const h of ["cpu", "memory", "pids"])
    if (!existsSync(join("/sys/fs/cgroup", h, "cgroup.procs")))
      return `no cgroup v1 hierarchy ${h} at /sys/fs/cgroup/${h}`;
  for (const t of ["containerd", "runc", "ctr"])
    if (spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0)
      return `${t} is missing (apt-get install containerd runc)`;
  if (!existsSync("/usr/lib/cni/bridge"))
    return "the CNI plugins are missing (apt-get install containernetworking-plugins)";
  for (const b of ["kubelet", "kube-proxy"])
    if (!existsSync(join(BIN, b)))
      return `${b} is missing (scripts/toolchain/build-sandbox.sh nodes)`;
  return undefined;
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

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

/**
 * Starts a process detached, in the node's network namespace only, its output in logs/<name>.log, its pid file in
 * run/. `nsenter --net`, not `ip netns exec`: the latter mounts a fresh /sys, which hides the cgroup mounts.
 */
function startIn(dir: string, node: string, name: string, argv: string[]): void {
  const log = openSync(join(dir, "logs", `${name}.log`), "a");
  const child = spawn("nsenter", [`--net=/run/netns/hearth-sb-${node}`, "--", ...argv], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  writeFileSync(join(dir, "run", `${name}.pid`), `${child.pid}\n`);
  child.unref();
}

async function waitFor(what: string, ok: () => boolean, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up in ${seconds} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** A client certificate `<name>.crt` in the node's folder for `subject`, signed by the sandbox CA. */
function clientCertificate(p: ReturnType<typeof pathsOf>, name: string, subject: string): void {
  if (existsSync(join(p.root, `${name}.crt`))) return;
  const key = join(p.root, `${name}.key`);
  run("openssl", [
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    key,
  ]);
  const csr = run("openssl", ["req", "-new", "-key", key, "-subj", subject]);
  const ext = join(p.root, "client.ext");
  writeFileSync(
    ext,
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
  );
  run(
    "openssl",
    [
      ...["x509", "-req", "-CA", join(p.pki, "ca.crt"), "-CAkey", join(p.pki, "ca.key")],
      ...["-days", "3650", "-set_serial", `0x${randomBytes(16).toString("hex")}`],
      ...["-extfile", ext, "-out", join(p.root, `${name}.crt`)],
    ],
    csr,
  );
}

/** The node's cgroup in every v1 hierarchy (cpuset's masks copied from the root, as children need them). */
function ensureCgroups(node: string): void {
  for (const h of hierarchies()) {
    const base = join("/sys/fs/cgroup", h);
    for (const sub of ["hearth-sandbox", `hearth-sandbox/${node}`]) {
      const d = join(base, sub);
      if (!existsSync(d)) mkdirSync(d);
      if (h === "cpuset")
        for (const f of ["cpuset.cpus", "cpuset.mems"])
          if (readFileSync(join(d, f), "utf8").trim() === "")
            writeFileSync(join(d, f), readFileSync(join(base, f), "utf8"));
    }
  }
}

/** Records the kernel settings the kubelet will change, once per sandbox. */
function recordSysctls(p: ReturnType<typeof pathsOf>): void {
  if (existsSync(p.sysctls)) return;
  const values = Object.fromEntries(
    KUBELET_SYSCTLS.map((k) => [k, readFileSync(join("/proc/sys", k), "utf8").trim()]),
  );
  writeFileSync(p.sysctls, JSON.stringify(values));
}

/** Starts one real node: containerd with the images, the kubelet, kube-proxy, and the route to its pods. */
export async function nodeUp(dir: string, node: string): Promise<void> {
  const p = pathsOf(dir, node);
  for (const d of [p.root, p.containerd, p.state, p.kubelet, p.cni, p.cniState])
    mkdirSync(d, { recursive: true });
  const pause = images.pause.ref;
  writeFileSync(p.config, containerdConfig(p, pause));
  writeFileSync(join(p.cni, "10-hearth.conflist"), cniConfig(node, p.cniState));
  clientCertificate(p, "node", `/O=system:nodes/CN=system:node:${node}`);
  clientCertificate(p, "proxy", "/CN=system:kube-proxy");
  writeFileSync(p.kubeconfig, nodeKubeconfig(p, node), { mode: 0o600 });
  writeFileSync(p.proxyKubeconfig, nodeKubeconfig(p, node, "proxy"), { mode: 0o600 });
  writeFileSync(p.kubeletConfig, kubeletConfig(p, node));
  writeFileSync(p.proxyConfig, proxyConfig(p, node));
  ensureCgroups(node);
  recordSysctls(p);

  startIn(dir, node, `${node}-containerd`, ["containerd", "--config", p.config]);
  await waitFor(`${node}'s containerd`, () => existsSync(p.socket), 30);
  const ctr = (...a: string[]) => run("ctr", ["-a", p.socket, "-n", "k8s.io", ...a]);
  const have = ctr("images", "ls", "-q");
  for (const img of Object.values(images))
    if (existsSync(img.archive) && !have.includes(img.ref))
      ctr("images", "import", "--base-name", img.ref.split(":")[0], img.archive);

  const n = nodeNumber(node);
  startIn(dir, node, `${node}-kubelet`, [
    join(BIN, "kubelet"),
    `--config=${p.kubeletConfig}`,
    `--kubeconfig=${p.kubeconfig}`,
    `--root-dir=${p.kubelet}`,
    `--cert-dir=${join(p.kubelet, "pki")}`,
    `--hostname-override=${node}`,
    `--node-ip=10.77.0.1${n}`,
    `--node-labels=hearth.dev/sandbox-node=real`,
    "--v=1",
  ]);
  startIn(dir, node, `${node}-kube-proxy`, [join(BIN, "kube-proxy"), `--config=${p.proxyConfig}`]);
  // The host reaches the node's pods through the node's address (tests, the API server's webhooks).
  run("ip", ["route", "replace", `10.244.${n}.0/24`, "via", `10.77.0.1${n}`]);
}

/** Kills every process in the node's cgroups and removes them. */
function killCgroups(node: string): void {
  for (let round = 0; round < 5; round++) {
    let left = 0;
    for (const h of hierarchies()) {
      const d = join("/sys/fs/cgroup", h, "hearth-sandbox", node);
      if (!existsSync(d)) continue;
      const walk = (x: string): string[] => [
        x,
        ...readdirSync(x, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .flatMap((e) => walk(join(x, e.name))),
      ];
      for (const c of walk(d).reverse()) {
        for (const pid of readFileSync(join(c, "cgroup.procs"), "utf8")
          .split("\n")
          .filter(Boolean)) {
          left++;
          try {
            process.kill(Number(pid), "SIGKILL");
          } catch {
            // gone
          }
        }
        try {
          rmdirSync(c);
        } catch {
          // a process still exiting: the next round removes it
        }
      }
    }
    if (left === 0) break;
    spawnSync("sleep", ["0.3"]);
  }
}

/** Stops one real node and puts back what it changed on the host. */
export function nodeDown(dir: string, node: string): void {
  const p = pathsOf(dir, node);
  for (const part of ["kube-proxy", "kubelet", "containerd"]) {
    const f = join(dir, "run", `${node}-${part}.pid`);
    if (!existsSync(f)) continue;
    const pid = Number(readFileSync(f, "utf8").trim());
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
  // containerd's shims and every pod's processes live in the node's cgroups.
  spawnSync("pkill", ["-KILL", "-f", `containerd-shim.*${p.socket}`]);
  killCgroups(node);
  spawnSync("ip", ["route", "del", `10.244.${nodeNumber(node)}.0/24`]);
  if (existsSync(p.sysctls)) {
    const values = JSON.parse(readFileSync(p.sysctls, "utf8")) as Record<string, string>;
    for (const [k, v] of Object.entries(values)) writeFileSync(join("/proc/sys", k), v);
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, dir, ...nodes] = argv;
  if (cmd === "check") {
    const why = whyNot();
    if (why) console.log(why);
    return why ? 1 : 0;
  }
  if ((cmd === "up" || cmd === "down") && dir && nodes.length > 0) {
    for (const node of nodes) {
      if (cmd === "up") await nodeUp(dir, node);
      else nodeDown(dir, node);
    }
    // The cgroup parent goes when the last node is down.
    if (cmd === "down")
      for (const h of hierarchies())
        try {
          rmdirSync(join("/sys/fs/cgroup", h, "hearth-sandbox"));
        } catch {
          // another node's, or never made
        }
    return 0;
  }
  console.error("usage: real-node.ts check | up <dir> <node>... | down <dir> <node>...");
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`real-node: ${e.message}`);
      process.exit(1);
    },
  );
}
