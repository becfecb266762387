/**
 * test:e2e's real-observability phase: the dev stack runs VictoriaMetrics, vmalert, the blackbox exporter and
 * kube-state-metrics on the sandbox's real node, from images built here, with the configuration Hearth's recipes
 * give them. It shows that each is a Ready pod of that image; that VictoriaMetrics scrapes the blackbox exporter
 * for every probed app (through the cluster's DNS) and stores a `probe_success` series per app, and scrapes
 * kube-state-metrics, which lists the cluster through its own account; and that vmalert has loaded Hearth's rule
 * groups and evaluates them against VictoriaMetrics without an error. The probed apps themselves are kwok's (no
 * image of theirs is built here) and have no real certificate, so their probes fail: the phase prints each app's
 * value, and checks the series, not the values. Where node-1 is kwok's, it says so.
 */
import { images } from "../../scripts/sandbox/images";
import { kubeJson, node1IsReal, until } from "./harness";
import { get } from "./ingress";

type Check = (name: string, ok: boolean, detail?: string) => boolean;

interface Pod {
  metadata: { name: string };
  spec: { nodeName?: string; containers: { image: string }[] };
  status: { podIP?: string; conditions?: { type: string; status: string }[] };
}

/** A GET to a pod's address from this host (the host routes to the real node's pods); parsed JSON or undefined. */
async function getJson<T>(address: string, port: number, path: string): Promise<T | undefined> {
  const r = await get(address, port, `${address}:${port}`, path);
  try {
    return r.status === 200 ? (JSON.parse(r.body) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** The Ready pod of an app on node-1 running IMAGE, checked; its address. */
function realPod(check: Check, ns: string, image: string): string | undefined {
  const pods = kubeJson<{ items: Pod[] }>(["-n", ns, "get", "pods"])?.items ?? [];
  const pod = pods.find(
    (p) =>
      p.spec.nodeName === "node-1" &&
      p.spec.containers.some((c) => c.image === image) &&
      (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
  );
  check(
    `${ns} is a Ready pod on the real node, of the image built here (${image})`,
    pod?.status.podIP !== undefined,
    JSON.stringify(pods.map((p) => [p.metadata.name, p.spec.nodeName, p.status.conditions])),
  );
  return pod?.status.podIP;
}

interface Targets {
  data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
}
interface Query {
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}
interface Rules {
  data: {
    groups: {
      name: string;
      rules: { name: string; lastError?: string; lastEvaluation: string }[];
    }[];
  };
}

/** The phase body; `probed` are the apps the scrape file probes. False when node-1 is not a real node. */
export async function realObservability(check: Check, probed: string[]): Promise<boolean> {
  if (!node1IsReal("real observability")) return false;
  const vm = realPod(check, "victoria-metrics", images["victoria-metrics"].ref);
  const vmalert = realPod(check, "vmalert", images.vmalert.ref);
  realPod(check, "blackbox-exporter", images["blackbox-exporter"].ref);
  realPod(check, "kube-state-metrics", images["kube-state-metrics"].ref);
  if (!vm || !vmalert) return true;

  // The scrape interval is 30 s: wait until every probe target has been scraped once.
  const targets = await until(120, async () => {
    const t = await getJson<Targets>(vm, 8428, "/api/v1/targets");
    const probes = t?.data.activeTargets.filter((a) => a.labels.job === "hearth-probe") ?? [];
    return probes.length === probed.length && probes.every((p) => p.health === "up")
      ? probes
      : undefined;
  });
  check(
    `VictoriaMetrics scrapes the blackbox exporter by its Service name for each of the ${probed.length} probed apps`,
    targets !== undefined,
    JSON.stringify((await getJson<Targets>(vm, 8428, "/api/v1/targets"))?.data.activeTargets),
  );
  // VictoriaMetrics hides samples younger than its latency offset (30 s) from queries: wait for every app's.
  const appsOf = async () =>
    Object.fromEntries(
      (
        (await getJson<Query>(vm, 8428, "/api/v1/query?query=probe_success"))?.data.result ?? []
      ).map((r) => [r.metric.app, r.value[1]]),
    );
  const byApp =
    (await until(90, async () => {
      const seen = await appsOf();
      return probed.every((a) => a in seen) ? seen : undefined;
    })) ?? (await appsOf());
  console.log(`  probe_success by app: ${JSON.stringify(byApp)}`);
  check(
    "and stores a probe_success series for every probed app, the series the SLO rules read",
    probed.every((a) => a in byApp),
    JSON.stringify(byApp),
  );

  // kube-state-metrics reads the API through its own account; the backup alerts read its CronJob series.
  const cronJobs = (
    kubeJson<{ items: { metadata: { name: string } }[] }>(["get", "cronjobs", "-A"])?.items ?? []
  )
    .map((j) => j.metadata.name)
    .filter((n) => n.startsWith("hearth-backup-"));
  const ksm = await until(120, async () => {
    const q = await getJson<Query>(
      vm,
      8428,
      `/api/v1/query?query=${encodeURIComponent('kube_cronjob_info{cronjob=~"hearth-backup-.*"}')}`,
    );
    const seen = new Set(q?.data.result.map((r) => r.metric.cronjob));
    return cronJobs.length > 0 && cronJobs.every((n) => seen.has(n)) ? [...seen] : undefined;
  });
  check(
    `VictoriaMetrics scrapes kube-state-metrics, which lists the cluster's objects: every backup CronJob (${cronJobs.join(", ")}) has its series`,
    ksm !== undefined,
  );

  const rules = await until(90, async () => {
    const r = await getJson<Rules>(vmalert, 8880, "/api/v1/rules");
    const all = r?.data.groups.flatMap((g) => g.rules) ?? [];
    return all.length > 0 && all.every((x) => !x.lastEvaluation.startsWith("0001")) ? r : undefined;
  });
  const all = rules?.data.groups.flatMap((g) => g.rules) ?? [];
  const failing = all.filter((r) => r.lastError);
  check(
    `vmalert loaded Hearth's rule groups (${rules?.data.groups.map((g) => g.name).join(", ")}) and evaluated all ${all.length} rules against VictoriaMetrics without an error`,
    all.length > 0 && failing.length === 0,
    JSON.stringify(failing.slice(0, 5)),
  );
  const alerts = await getJson<{
    data: { alerts: { labels: Record<string, string>; state: string }[] };
  }>(vmalert, 8880, "/api/v1/alerts");
  console.log(
    `  vmalert's alerts now: ${JSON.stringify(
      (alerts?.data.alerts ?? []).map(
        (a) => `${a.labels.alertname}${a.labels.app ? `{${a.labels.app}}` : ""}=${a.state}`,
      ),
    )}`,
  );
  return true;
}
