/**
 * What a real sandbox node needs of the host and changes on it: whether the host can run containers at all, the
 * node's cgroups in every mounted hierarchy (made, and emptied and removed by `down`), and the kernel settings
 * the kubelet changes (recorded before it starts).
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { BIN, KUBELET_SYSCTLS, pathsOf } from "./files";

/** Every cgroup hierarchy mounted under /sys/fs/cgroup (v1 controllers, name=systemd, the hybrid unified one). */
export function hierarchies(): string[] {
  const base = "/sys/fs/cgroup";
  return readdirSync(base).filter((h) => existsSync(join(base, h, "cgroup.procs")));
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

/** The node's cgroup in every v1 hierarchy (cpuset's masks copied from the root, as children need them). */
export function ensureCgroups(node: string): void {
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

/**
 * Host paths a real node's programs make whatever they are told: the kubelet's log links (/var/log/containers)
 * and device-plugin socket (/var/lib/kubelet/device-plugins), libcni's result cache (/var/lib/cni), containerd's
 * shim sockets (/run/containerd/s), /var/log/pods where an older sandbox put the logs, and the parent of the volume
 * directories (volumes.ts). The ones missing before the first real node starts are recorded, and `down` removes
 * them; the ones a host already had are left alone. containerd's pod network namespaces are handled the same way
 * (below).
 */
export const HOST_PATHS = [
  "/var/log/containers",
  "/var/log/pods",
  "/var/lib/kubelet",
  "/var/lib/cni",
  "/run/containerd",
  "/tmp/kwok-local-path-provisioner",
];

/** The record of which HOST_PATHS the sandbox made, in its folder. */
const hostPathsFile = (dir: string) => join(dir, "host-paths.json");

/**
 * containerd's CRI gives every pod a network namespace `cni-<uuid>`, a bind mount under /run/netns, and removes it
 * only when the pod is removed through it; `down` kills the pods outright, so the namespaces stay. The ones there
 * before the first real node starts are recorded with the paths, and `down` removes the others.
 */
const NETNS_DIR = "/run/netns";
const podNetns = (): string[] =>
  existsSync(NETNS_DIR) ? readdirSync(NETNS_DIR).filter((n) => /^cni-[0-9a-f-]+$/.test(n)) : [];

/** What the host had before the sandbox: the HOST_PATHS it lacked, the pod namespaces it had. */
interface HostRecord {
  missing: string[];
  podNetns: string[];
}

/** Records which HOST_PATHS are missing and which pod namespaces exist, once per sandbox. */
export function recordHostPaths(dir: string): void {
  if (existsSync(hostPathsFile(dir))) return;
  const record: HostRecord = {
    missing: HOST_PATHS.filter((h) => !existsSync(h)),
    podNetns: podNetns(),
  };
  writeFileSync(hostPathsFile(dir), JSON.stringify(record));
}

/** The pod namespaces to remove: those made since the record (never one the host had before). */
export function netnsToRemove(now: string[], before: string[]): string[] {
  return now.filter((n) => /^cni-[0-9a-f-]+$/.test(n) && !before.includes(n));
}

/** Removes the HOST_PATHS and pod namespaces the sandbox made, when its last real node is down. */
export function removeHostPaths(dir: string): void {
  if (!existsSync(hostPathsFile(dir))) return;
  const raw = JSON.parse(readFileSync(hostPathsFile(dir), "utf8")) as HostRecord | string[];
  // A record from before the namespaces were counted is the list of missing paths alone.
  const record: HostRecord = Array.isArray(raw) ? { missing: raw, podNetns: podNetns() } : raw;
  for (const n of netnsToRemove(podNetns(), record.podNetns))
    spawnSync("ip", ["netns", "delete", n], { stdio: "ignore" });
  for (const h of record.missing)
    if (HOST_PATHS.includes(h)) rmSync(h, { recursive: true, force: true });
  rmSync(hostPathsFile(dir), { force: true });
}

/** Records the kernel settings the kubelet will change, once per sandbox. */
export function recordSysctls(p: ReturnType<typeof pathsOf>): void {
  if (existsSync(p.sysctls)) return;
  const values = Object.fromEntries(
    KUBELET_SYSCTLS.map((k) => [k, readFileSync(join("/proc/sys", k), "utf8").trim()]),
  );
  writeFileSync(p.sysctls, JSON.stringify(values));
}

/** Kills every process in the node's cgroups and removes them. */
export function killCgroups(node: string): void {
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
