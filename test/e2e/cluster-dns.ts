/**
 * test:e2e's cluster DNS checks, run from the real-ingress phase's backend pod (busybox, on the real node): the
 * sandbox's CoreDNS (scripts/sandbox/real-node/dns.ts) answers Service names from the API and the LAN's names
 * with the ingress address, and a request by those names is served, through the Service and through Traefik
 * as a client on the LAN reaches an app.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { CLUSTER_DNS } from "../../scripts/sandbox/real-node/files";
import { kubectl, sandboxDir } from "./harness";

type Check = (name: string, ok: boolean, detail?: string) => boolean;

/** Runs busybox in POD of NS; its output and exit status. */
function inPod(ns: string, pod: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(
    kubectl,
    [
      "--kubeconfig",
      join(sandboxDir, "kubeconfig"),
      "-n",
      ns,
      "exec",
      pod,
      "--",
      "busybox",
      ...args,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** The checks; `host` is a name under the dev stack's domain that an Ingress of the test routes to its pod. */
export function clusterDns(check: Check, ns: string, pod: string, host: string): void {
  const conf = inPod(ns, pod, ["cat", "/etc/resolv.conf"]);
  check(
    `the kubelet hands pods the cluster DNS (${CLUSTER_DNS}) and the cluster's search domains`,
    conf.ok &&
      conf.out.includes(`nameserver ${CLUSTER_DNS}`) &&
      conf.out.includes("svc.cluster.local"),
    conf.out,
  );
  const api = inPod(ns, pod, ["nslookup", "kubernetes.default.svc.cluster.local", CLUSTER_DNS]);
  check(
    "CoreDNS answers a Service's name from the API (kubernetes.default is 10.96.0.1)",
    api.ok && /Address:\s*10\.96\.0\.1\b/.test(api.out.split("Name:")[1] ?? ""),
    api.out,
  );
  const lan = inPod(ns, pod, ["nslookup", host, CLUSTER_DNS]);
  check(
    `and a name of the home's domain with the ingress address, as the LAN's DNS does (${host})`,
    lan.ok && /Address:\s*10\.77\.0\.11\b/.test(lan.out.split("Name:")[1] ?? ""),
    lan.out,
  );
  const bySvc = inPod(ns, pod, [
    "wget",
    "-qO-",
    `http://echo.${ns}.svc.cluster.local/cgi-bin/echo`,
  ]);
  check(
    "a pod reaches a Service by its name (DNS, then kube-proxy)",
    bySvc.ok && bySvc.out.includes("served-by=echo"),
    bySvc.out,
  );
  const byHost = inPod(ns, pod, ["wget", "-qO-", `http://${host}/cgi-bin/echo`]);
  check(
    "and an app by its public name, through Traefik's LoadBalancer address",
    byHost.ok && byHost.out.includes("served-by=echo"),
    byHost.out,
  );
}
