/**
 * A real sandbox node's processes: `up` writes its files, starts containerd (with the images built here), the
 * kubelet and kube-proxy in the node's network namespace and routes to its pods; `down` stops them and puts
 * back what they changed on the host.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { images } from "../images";
import {
  BIN,
  cniConfig,
  containerdConfig,
  kubeletConfig,
  nodeKubeconfig,
  nodeNumber,
  pathsOf,
  proxyConfig,
} from "./files";
import { ensureCgroups, killCgroups, recordHostPaths, recordSysctls } from "./host";

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

/** Starts one real node: containerd with the images, the kubelet, kube-proxy, and the route to its pods. */
export async function nodeUp(dir: string, node: string): Promise<void> {
  const p = pathsOf(dir, node);
  for (const d of [p.root, p.containerd, p.state, p.kubelet, p.cni, p.cniState, p.podLogs])
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
  recordHostPaths(dir);

  // A state kept from an earlier run (`down --keep-state`) has the old socket file: wait for one that answers.
  rmSync(p.socket, { force: true });
  startIn(dir, node, `${node}-containerd`, ["containerd", "--config", p.config]);
  await waitFor(
    `${node}'s containerd`,
    () => spawnSync("ctr", ["-a", p.socket, "version"], { stdio: "ignore" }).status === 0,
    30,
  );
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
