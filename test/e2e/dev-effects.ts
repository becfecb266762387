/** `npm run test:e2e`'s checks of what the first up made: nodes, routes, single sign-on, observability. */
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { catalogue } from "../../apps";
import { AUTHELIA_SECRET, forwardAuthAddress } from "../../apps/authelia/values";
import { OIDC_SECRET } from "../../apps/recipe";
import { FORWARD_AUTH_MIDDLEWARE } from "../../components/app/helm-app";
import { devApps, E2eContext } from "./dev-context";
import { EngineRun, gitea, kube, kubectl, onNode, sandboxDir } from "./harness";

/** The real effects: the nodes prepared, the API server enforcing its admission config, Gitea, every Ingress backend. */
export async function realEffects(c: E2eContext): Promise<boolean | void> {
  const { run, canary } = c;
  const { check } = run;
  const keys = onNode("node-2", "cat ~/.ssh/authorized_keys");
  check("the canary key reached node-2's authorized_keys over stdin", keys.includes(canary));
  const files = onNode(
    "node-1",
    "ls /etc/sysctl.d/90-hearth-k3s.conf /etc/modules-load.d/90-hearth-k3s.conf",
  );
  check("node-1 is prepared (sysctl and module files)", files.includes("90-hearth-k3s.conf"));
  check("the host machine was not prepared", !existsSync("/etc/sysctl.d/90-hearth-k3s.conf"));
  // The sandbox's API server runs with K3s's CIS arguments and files (scripts/sandbox-apiserver.ts).
  const apiLog = readFileSync(join(sandboxDir, "logs/kube-apiserver.log"), "utf8");
  check(
    "a real kube-apiserver loads Hearth's admission config (EventRateLimit, NodeRestriction, Pod Security)",
    /validating admission controller\(s\) successfully in the following order: [^"]*PodSecurity[^"]*EventRateLimit/.test(
      apiLog,
    ) &&
      /mutating admission controller\(s\) successfully in the following order: [^"]*NodeRestriction/.test(
        apiLog,
      ),
  );
  const privileged = spawnSync(kubectl, [
    ...[
      "--kubeconfig",
      join(sandboxDir, "kubeconfig"),
      "-n",
      "default",
      "run",
      "hearth-e2e-privileged",
    ],
    ...[
      "--image=x",
      "--overrides",
      '{"spec":{"containers":[{"name":"c","image":"x","securityContext":{"privileged":true}}]}}',
    ],
  ]);
  check(
    "and enforces Pod Security restricted where a namespace says nothing",
    privileged.status !== 0 &&
      /violates PodSecurity "restricted:latest"/.test(privileged.stderr.toString()),
    privileged.stderr.toString(),
  );
  const repoInfo = await gitea("/repos/hearth/gitops");
  check("the GitOps repository exists in Gitea", repoInfo.status === 200);
  const apps = await gitea("/user/applications/oauth2");
  check(
    "Woodpecker's OAuth2 application exists in Gitea",
    Array.isArray(apps.body) && apps.body.some((a: { name: string }) => a.name === "Woodpecker CI"),
  );
  const ingresses = JSON.parse(kube(["get", "ingress", "-A", "-o", "json"])).items as {
    metadata: { namespace: string; name: string };
    spec: {
      rules: {
        http: { paths: { backend: { service: { name: string; port: { number: number } } } }[] };
      }[];
    };
  }[];
  check("every app with a hostname has an Ingress", ingresses.length >= 4, `${ingresses.length}`);
  for (const ing of ingresses) {
    for (const rule of ing.spec.rules) {
      for (const p of rule.http.paths) {
        const svc = p.backend.service;
        const r = spawnSync(kubectl, [
          ...["--kubeconfig", join(sandboxDir, "kubeconfig"), "-n", ing.metadata.namespace],
          ...["get", "service", svc.name, "-o", "jsonpath={.spec.ports[*].port}"],
        ]);
        check(
          `Ingress ${ing.metadata.namespace}/${ing.metadata.name} routes to a Service that exists (${svc.name}:${svc.port.number})`,
          r.status === 0 && r.stdout.toString().split(" ").includes(String(svc.port.number)),
          r.stderr.toString(),
        );
      }
    }
  }
}

/** Single sign-on in the cluster: the OIDC clients, forward-auth on the rest, no default credential anywhere. */
export async function singleSignOn(c: E2eContext): Promise<boolean | void> {
  const { run } = c;
  const { check } = run;
  const configText = Buffer.from(
    kube([
      ...["-n", "authelia", "get", "secret", AUTHELIA_SECRET],
      ...["-o", "jsonpath={.data.configuration\\.yaml}"],
    ]),
    "base64",
  ).toString();
  const config = parse(configText) as {
    identity_providers: { oidc: { clients: { client_id: string; redirect_uris: string[] }[] } };
    access_control: { default_policy: string; rules: { domain: string; policy: string }[] };
  };
  const clients = config.identity_providers.oidc.clients;
  const enabled = devApps(run);
  const oidcApps = enabled.filter((a) => catalogue[a]?.sso === "oidc");
  check(`the dev stack has OIDC apps to check (${oidcApps.join(", ")})`, oidcApps.length >= 2);
  for (const app of oidcApps) {
    const client = clients.find((c) => c.client_id === `hearth-${app}`);
    check(
      `Authelia's configuration has the OIDC client of ${app}, redirecting to its host`,
      client !== undefined &&
        client.redirect_uris.every((u) => u.startsWith(`https://${catalogue[app].subdomain}.`)),
      JSON.stringify(client),
    );
    const held = kube([
      ...["-n", app, "get", "secret", OIDC_SECRET, "-o", "jsonpath={.metadata.name}"],
    ]);
    check(`${app} keeps its client secret in Secret ${app}/${OIDC_SECRET}`, held === OIDC_SECRET);
  }
  check(
    "Authelia denies by default",
    config.access_control.default_policy === "deny",
    config.access_control.default_policy,
  );
  const ingresses = JSON.parse(kube(["get", "ingress", "-A", "-o", "json"])).items as {
    metadata: { namespace: string; name: string; annotations?: Record<string, string> };
  }[];
  for (const ing of ingresses) {
    const app = ing.metadata.namespace;
    const kind = catalogue[app]?.sso;
    const middleware =
      ing.metadata.annotations?.["traefik.ingress.kubernetes.io/router.middlewares"];
    let ok: boolean;
    let how: string;
    if (middleware) {
      const address = kube([
        ...["-n", app, "get", "middlewares.traefik.io", FORWARD_AUTH_MIDDLEWARE],
        ...["-o", "jsonpath={.spec.forwardAuth.address}"],
      ]);
      ok =
        middleware === `${app}-${FORWARD_AUTH_MIDDLEWARE}@kubernetescrd` &&
        address === forwardAuthAddress();
      how = `forward-auth (${middleware} -> ${address})`;
    } else if (kind === "oidc") {
      ok = clients.some((c) => c.client_id === `hearth-${app}`);
      how = "its own OIDC client";
    } else {
      // The provider's own portal, and apps that sign in through Gitea's OAuth2.
      ok = kind === "provider" || kind === "gitea-oauth2";
      how = `catalogue sso ${kind}`;
    }
    check(`Ingress ${app}/${ing.metadata.name} signs in through the identity provider: ${how}`, ok);
  }
  // No default credential in any Secret or release values: the charts' own defaults and the usual ones.
  const defaults = [
    "stand-in-default-password",
    "stand-in:sample-only",
    "r8sA8CPHD9!bt6d",
    "admin:admin",
    "changeme",
  ];
  const secrets = JSON.parse(kube(["get", "secrets", "-A", "-o", "json"])).items as {
    metadata: { namespace: string; name: string };
    type: string;
    data?: Record<string, string>;
  }[];
  const texts: { where: string; text: string }[] = [];
  for (const sec of secrets) {
    for (const [k, v] of Object.entries(sec.data ?? {})) {
      let text = Buffer.from(v, "base64").toString();
      // Helm keeps each release as base64 of gzipped JSON; its `config` is the values given.
      if (sec.type === "helm.sh/release.v1") {
        const release = JSON.parse(gunzipSync(Buffer.from(text, "base64")).toString()) as {
          config?: unknown;
        };
        text = JSON.stringify(release.config ?? {});
      }
      texts.push({ where: `${sec.metadata.namespace}/${sec.metadata.name}.${k}`, text });
    }
  }
  const releases = secrets.filter((s) => s.type === "helm.sh/release.v1").length;
  check(
    `the default-credential scan read every Secret and ${releases} Helm releases' values`,
    releases >= 7,
  );
  const found = texts.filter((t) => defaults.some((d) => t.text.includes(d))).map((t) => t.where);
  check(
    "no Secret or values file carries a default credential",
    found.length === 0,
    found.join(", "),
  );
}

/** Observability in the cluster: the Services, rules, probes, log collector, dashboards and alert route. */
/** The dev stack's apps that the scrape file probes: those with a health path. */
export function probedApps(run: EngineRun): string[] {
  return devApps(run).filter((a) => catalogue[a]?.healthPath);
}

export async function observability(c: E2eContext): Promise<boolean | void> {
  const { run } = c;
  const { check } = run;
  // Each app's Services, named as the recipes route to them, exist with their ports.
  const services: [string, string, number][] = [
    ["victoria-metrics", "victoria-metrics", 8428],
    ["vmalert", "vmalert", 8880],
    ["vmalert", "alertmanager", 9093],
    ["blackbox-exporter", "blackbox-exporter", 9115],
    ["kube-state-metrics", "kube-state-metrics", 8080],
    ["grafana", "grafana", 80],
    ["victoria-logs", "victoria-logs", 9428],
  ];
  for (const [ns, svc, port] of services) {
    const ports = kube(["-n", ns, "get", "service", svc, "-o", "jsonpath={.spec.ports[*].port}"]);
    check(`Service ${ns}/${svc} serves ${port}`, ports.split(" ").includes(String(port)), ports);
  }
  const keys = JSON.parse(
    kube(["-n", "vmalert", "get", "configmap", "hearth-rules", "-o", "json"]),
  ) as { data: Record<string, string> };
  check(
    "vmalert's namespace holds the SLO, home and backup rule files",
    ["hearth-slo.rules.yaml", "hearth-home.rules.yaml", "hearth-backups.rules.yaml"].every(
      (k) => k in keys.data,
    ),
    Object.keys(keys.data).join(", "),
  );
  const scrape = kube([
    ...["-n", "victoria-metrics", "get", "configmap", "hearth-scrape"],
    ...["-o", "jsonpath={.data.scrape\\.yml}"],
  ]);
  const probed = probedApps(run);
  check(
    `VictoriaMetrics probes every enabled app with a health path (${probed.join(", ")}) through the blackbox exporter`,
    probed.every(
      (a) => scrape.includes(`app: ${a}`) && scrape.includes(catalogue[a].healthPath!),
    ) && scrape.includes("blackbox-exporter.blackbox-exporter.svc.cluster.local:9115"),
    scrape,
  );
  const collector = JSON.parse(
    kube([
      "-n",
      "victoria-logs-collector",
      "get",
      "daemonset",
      "victoria-logs-collector",
      "-o",
      "json",
    ]),
  ) as {
    status: { desiredNumberScheduled: number; numberReady: number };
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  check(
    `the log collector runs on every node (${collector.status.numberReady} of ${collector.status.desiredNumberScheduled}) and sends to VictoriaLogs`,
    collector.status.desiredNumberScheduled > 0 &&
      collector.status.numberReady === collector.status.desiredNumberScheduled &&
      collector.spec.template.spec.containers[0].args.includes(
        "--remoteWrite.url=http://victoria-logs.victoria-logs.svc.cluster.local:9428/insert/native",
      ),
    JSON.stringify(collector.status),
  );
  const dashboards = JSON.parse(
    kube(["-n", "grafana", "get", "configmap", "hearth-dashboards", "-o", "json"]),
  ) as { data: Record<string, string> };
  check(
    "Grafana has a dashboard for every app with a health path, and the home's",
    JSON.stringify(Object.keys(dashboards.data).sort()) ===
      JSON.stringify([...probed.map((a) => `hearth-${a}.json`), "hearth-home.json"].sort()),
    Object.keys(dashboards.data).join(", "),
  );
  const am = kube([
    ...["-n", "vmalert", "get", "configmap", "hearth-alertmanager"],
    ...["-o", "jsonpath={.data.alertmanager\\.yaml}"],
  ]);
  const token = readFileSync(join(sandboxDir, "notify", "secret"), "utf8").trim();
  const secret = kube([
    ...["-n", "vmalert", "get", "secret", "hearth-notify", "-o", "jsonpath={.data.secret}"],
  ]);
  check(
    "Alertmanager's route is the declared webhook, its token only in the Secret",
    am.includes("http://127.0.0.1:17080/hearth-alerts") &&
      !am.includes(token) &&
      Buffer.from(secret, "base64").toString() === token,
  );
  const ready = kube([
    ...["get", "deployments,statefulsets", "-A", "-o"],
    "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}={.status.readyReplicas} {end}",
  ]);
  for (const name of [
    "victoria-metrics/victoria-metrics",
    "vmalert/vmalert",
    "vmalert/alertmanager",
    "blackbox-exporter/blackbox-exporter",
    "kube-state-metrics/kube-state-metrics",
    "grafana/grafana",
    "victoria-logs/victoria-logs",
  ])
    check(`${name} is ready`, ready.includes(`${name}=1`), ready);
}
