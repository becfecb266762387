/**
 * The port scan of the e2e security phase (security.ts): every SSH node of the sandbox (all 65535 ports) and
 * its loopback port ranges, where only the intended ports may answer, and why each is intended. Bounded (a
 * connect per port, 200 ms each, 256 at a time), and sending traffic only to the sandbox's own addresses.
 */
import { connect } from "node:net";
import type { SecurityCheck } from "./security";

/** The sandbox's SSH nodes. */
export const NODE_ADDRESSES = ["10.77.0.11", "10.77.0.12", "10.77.0.13", "10.77.0.14"];

/** What may answer on loopback in the sandbox's ranges (docs/sandbox.md): the control plane, Gitea, S3. */
export const LOOPBACK_INTENDED = [12379, 12380, 13000, 16257, 16259, 16280, 16443, 17070, 17071];

/** The loopback ranges the sandbox's parts listen in, scanned whole. */
export const LOOPBACK_RANGES: [number, number][] = [
  [12000, 12999],
  [13000, 13999],
  [16000, 16999],
  [17000, 17999],
];

/** Whether a TCP port accepts a connection within `timeoutMs`. */
export function answers(host: string, port: number, timeoutMs = 200): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** The ports of `ports` that answer on `host`, `parallel` connects at a time. */
export async function openPorts(host: string, ports: number[], parallel = 256): Promise<number[]> {
  const open: number[] = [];
  for (let i = 0; i < ports.length; i += parallel) {
    const batch = ports.slice(i, i + parallel);
    const results = await Promise.all(batch.map((p) => answers(host, p)));
    batch.forEach((p, j) => results[j] && open.push(p));
  }
  return open;
}

/** Every port from `from` to `to`. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** The open ports that are not intended, as `host:port`. */
export function unexpected(host: string, open: number[], intended: number[]): string[] {
  return open.filter((p) => !intended.includes(p)).map((p) => `${host}:${p}`);
}

/** The kubelet's API port: served by a real node only, and only to clients the API server authorizes. */
export const KUBELET_PORT = 10250;

/** The parts of the cluster's objects `intendedPorts` reads. */
export interface ClusterView {
  nodes: {
    metadata: { name: string; labels?: Record<string, string> };
    status?: { addresses?: { type: string; address: string }[] };
  }[];
  services: {
    metadata: { namespace: string; name: string };
    spec: { type?: string; ports?: { port: number; nodePort?: number }[] };
    status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
  }[];
}

/**
 * What may answer at a node's address, and why: sshd everywhere; on a node with a real kubelet and kube-proxy
 * (not one kwok presents), the kubelet's API, each LoadBalancer Service's ports at its ingress address (the
 * sandbox gives it node-1's, as k3s's ServiceLB gives a node's) and every Service's node ports.
 */
export function intendedPorts(host: string, cluster: ClusterView): Map<number, string> {
  const intended = new Map<number, string>([[22, "sshd"]]);
  const node = cluster.nodes.find((n) =>
    (n.status?.addresses ?? []).some((a) => a.type === "InternalIP" && a.address === host),
  );
  if (!node || node.metadata.labels?.type === "kwok") return intended;
  intended.set(KUBELET_PORT, "kubelet");
  for (const svc of cluster.services) {
    const name = `${svc.metadata.namespace}/${svc.metadata.name}`;
    const ingress = svc.status?.loadBalancer?.ingress ?? [];
    const here = svc.spec.type === "LoadBalancer" && ingress.some((i) => i.ip === host);
    for (const port of svc.spec.ports ?? []) {
      if (here) intended.set(port.port, `${name} (load balancer)`);
      if (port.nodePort) intended.set(port.nodePort, `${name} (node port)`);
    }
  }
  return intended;
}

/** The port scan: only what `intendedPorts` names on the nodes, only the sandbox's parts on loopback. */
export async function portScan(cluster: ClusterView): Promise<SecurityCheck[]> {
  const out: SecurityCheck[] = [];
  for (const host of NODE_ADDRESSES) {
    const open = await openPorts(host, range(1, 65535));
    const intended = intendedPorts(host, cluster);
    const extra = unexpected(host, open, [...intended.keys()]);
    const why = [...intended].map(([port, what]) => `${port} ${what}`).join(", ");
    out.push({
      name: `${host}: only its intended ports answer (${intended.size > 1 ? "a real node" : "SSH"})`,
      ok: extra.length === 0 && open.includes(22),
      detail: `unexpected: ${extra.join(", ") || "none"}; open: ${open.join(", ") || "none"}; intended: ${why}`,
    });
  }
  const ports = LOOPBACK_RANGES.flatMap(([a, b]) => range(a, b));
  const open = await openPorts("127.0.0.1", ports);
  const extra = unexpected("127.0.0.1", open, LOOPBACK_INTENDED);
  out.push({
    name: "loopback: only the sandbox's parts answer in its port ranges",
    ok: extra.length === 0,
    detail: `unexpected: ${extra.join(", ") || "none"}; open: ${open.join(", ")}`,
  });
  return out;
}
