/**
 * The security phase of `npm run test:e2e` (docs/security.md): against the running sandbox,
 *   - a TCP port scan of every SSH node (all 65535 ports) and of the sandbox's loopback port ranges: only the
 *     intended ports answer;
 *   - unauthenticated requests to every service that answers are refused: the API server, Gitea's API and a
 *     private repository, the S3 servers, and sshd offers no password login;
 *   - every app Hearth routes either has a login of its own (OIDC) or sits behind forward-auth: the sandbox's
 *     pods are simulated (kwok), so the apps are checked at their Ingress, not by a request;
 *   - the CIS items Hearth claims, on the running kube-apiserver's own command line (/proc, as kube-bench).
 * The port scan is in port-scan.ts: bounded (a connect per port, 200 ms each, 256 at a time), and sending
 * traffic only to the sandbox's own addresses.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { catalogue } from "../../apps";
import { FORWARD_AUTH_MIDDLEWARE } from "../../components/app/helm-app";
import { cisFailures, cisResults, parseFlags } from "../../components/cluster/cis";
import { ClusterView, intendedPorts, KUBELET_PORT, NODE_ADDRESSES } from "./port-scan";

/** One check's outcome, as the e2e prints it. */
export interface SecurityCheck {
  name: string;
  ok: boolean;
  detail: string;
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
