/**
 * The security phase of `npm run test:e2e` (docs/security.md): against the running sandbox,
 *   - a TCP port scan of every SSH node (all 65535 ports) and of the sandbox's loopback port ranges: only the
 *     intended ports answer;
 *   - unauthenticated requests to every service that answers are refused: the API server, Gitea's API and a
 *     private repository, the S3 servers, and sshd offers no password login;
 *   - every app Hearth routes either has a login of its own (OIDC) or sits behind forward-auth: the sandbox's
 *     pods are simulated (kwok), so the apps are checked at their Ingress, not by a request;
 *   - the CIS items Hearth claims, on the running kube-apiserver's own command line (/proc, as kube-bench).
 * The port scan is bounded (a connect per port, 200 ms each, 256 at a time) and sends traffic only to the
 * sandbox's own addresses.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { catalogue } from "../../apps";
import { FORWARD_AUTH_MIDDLEWARE } from "../../components/app/helm-app";
import { cisFailures, cisResults, parseFlags } from "../../components/cluster/cis";

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

/** One check's outcome, as the e2e prints it. */
export interface SecurityCheck {
  name: string;
  ok: boolean;
  detail: string;
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

/** A request with no credentials; its status (0 when nothing answered). */
async function statusOf(url: string, init: RequestInit = {}): Promise<number> {
  try {
    const r = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(5000) });
    return r.status;
  } catch {
    return 0;
  }
}

/** Unauthenticated requests to every service that answers are refused. */
export async function unauthenticatedRequests(sandboxDir: string): Promise<SecurityCheck[]> {
  const out: SecurityCheck[] = [];
  const refused = (s: number) => s === 401 || s === 403;
  // The API server: TLS with the sandbox's CA, so no certificate check is skipped; the client sends none.
  const api = spawnSync(
    "curl",
    [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "--cacert",
      join(sandboxDir, "pki", "ca.crt"),
      "https://127.0.0.1:16443/api/v1/namespaces/kube-system/secrets",
    ],
    { encoding: "utf8" },
  );
  out.push({
    name: "the API server refuses an anonymous request for Secrets",
    ok: refused(Number(api.stdout)),
    detail: `HTTP ${api.stdout || api.stderr}`,
  });
  const gitea = readFileSync(join(sandboxDir, "gitea", "url"), "utf8").trim();
  for (const path of ["/api/v1/admin/users", "/api/v1/user", "/api/v1/user/applications/oauth2"]) {
    const s = await statusOf(`${gitea}${path}`);
    out.push({
      name: `Gitea refuses GET ${path} without a token`,
      ok: refused(s),
      detail: `HTTP ${s}`,
    });
  }
  // A private repository is hidden, not refused: Gitea answers 404 to whoever may not see it.
  const repoStatus = await statusOf(`${gitea}/api/v1/repos/hearth/gitops`);
  out.push({
    name: "Gitea hides the private GitOps repository from an anonymous request",
    ok: repoStatus === 404 || refused(repoStatus),
    detail: `HTTP ${repoStatus}`,
  });
  for (const port of [17070, 17071]) {
    const s = await statusOf(`http://127.0.0.1:${port}/`);
    out.push({
      name: `S3 on ${port} refuses an unsigned request`,
      ok: refused(s),
      detail: `HTTP ${s}`,
    });
  }
  for (const host of NODE_ADDRESSES) {
    const ssh = spawnSync(
      "ssh",
      [
        "-o",
        "BatchMode=yes",
        "-o",
        "PreferredAuthentications=password,keyboard-interactive",
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        `UserKnownHostsFile=${join(sandboxDir, "ssh", "known_hosts")}`,
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "ConnectTimeout=5",
        `hearth@${host}`,
        "true",
      ],
      { encoding: "utf8" },
    );
    out.push({
      name: `${host}: sshd offers no password login`,
      ok: ssh.status !== 0 && /Permission denied \(publickey\)/.test(ssh.stderr),
      detail: ssh.stderr.trim().split("\n").pop() ?? "",
    });
  }
  return out;
}

/** An Ingress as kubectl lists it. */
interface IngressItem {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
}

/**
 * Every app Hearth routes has a login: its own (OIDC, Gitea's OAuth2) or forward-auth's middleware on its
 * Ingress. `ingresses` is `kubectl get ingress -A -o json`'s items.
 */
export function appLogins(ingresses: IngressItem[], enabled: string[]): SecurityCheck[] {
  return enabled
    .filter((app) => catalogue[app]?.subdomain !== undefined)
    .map((app) => {
      const kind = catalogue[app].sso;
      const ing = ingresses.find((i) => i.metadata.namespace === app);
      const middlewares =
        ing?.metadata.annotations?.["traefik.ingress.kubernetes.io/router.middlewares"];
      if (kind === "forward-auth") {
        const guarded = middlewares === `${app}-${FORWARD_AUTH_MIDDLEWARE}@kubernetescrd`;
        return {
          name: `${app}: routed behind forward-auth`,
          ok: ing !== undefined && guarded,
          detail: `middlewares: ${middlewares ?? "none"}`,
        };
      }
      return {
        name: `${app}: signs users in itself (${kind})`,
        ok: ing !== undefined && kind !== "none",
        detail: ing ? `Ingress ${ing.metadata.name}` : "no Ingress",
      };
    });
}

/** The command line of the running process named `name` (read from /proc, as kube-bench does). */
export function processArgs(name: string): string[] | undefined {
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    const file = join("/proc", pid, "cmdline");
    if (!existsSync(file)) continue;
    let args: string[];
    try {
      args = readFileSync(file, "utf8").split("\0").filter(Boolean);
    } catch {
      continue;
    }
    if (args[0] && (args[0] === name || args[0].endsWith(`/${name}`))) return args;
  }
  return undefined;
}

/** The CIS items Hearth claims for the API server, on the running kube-apiserver's own flags. */
export function runningApiServerCis(): SecurityCheck[] {
  const args = processArgs("kube-apiserver");
  if (!args) return [{ name: "kube-apiserver is running", ok: false, detail: "no such process" }];
  const failures = cisFailures(cisResults({ "kube-apiserver": parseFlags(args.slice(1)) }));
  return [
    {
      name: "the running kube-apiserver passes every CIS item Hearth claims for it",
      ok: failures.length === 0,
      detail: failures.join("; ") || "all pass",
    },
  ];
}

/** Each real node's kubelet refuses a request without a client certificate (anonymous auth off). */
export function kubeletRefusesAnonymous(cluster: ClusterView): SecurityCheck[] {
  return NODE_ADDRESSES.filter((host) => intendedPorts(host, cluster).has(KUBELET_PORT)).map(
    (host) => {
      // No client certificate, and the kubelet's serving certificate is not checked: the request must be
      // refused whoever answers.
      const r = spawnSync(
        "curl",
        ["-sk", "-o", "/dev/null", "-w", "%{http_code}", `https://${host}:${KUBELET_PORT}/pods`],
        { encoding: "utf8" },
      );
      return {
        name: `${host}: the kubelet refuses an anonymous request for its pods`,
        ok: r.stdout === "401" || r.stdout === "403",
        detail: `HTTP ${r.stdout || r.stderr}`,
      };
    },
  );
}
