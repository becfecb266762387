/**
 * `npm run test:e2e`: the real Pulumi engine, Hearth's provider plugin and the Kubernetes provider 4.25.0
 * against the local sandbox (a real kube-apiserver with kwok nodes, a real Gitea, real sshd nodes), on the
 * dev stack with a few values planted so the secret scan has something to find:
 *
 *   - the SSH private key and the Gitea token as config secrets (instead of the dev stack's key files);
 *   - an extra authorized key whose comment is a canary: it reaches the nodes on an SSH command's stdin.
 *
 * Phases: sandbox up; up; preview, up and refresh with --expect-no-changes; a scan of `stack export`, the
 * engine's logs and every command's output for the planted values and the generated passwords; the real
 * effects (nodes, Gitea, Ingress backends); one app's setting changed, updating exactly its release; an `up`
 * interrupted mid-run (SIGINT, as Ctrl-C) and re-run; a security phase (test/e2e/security.ts: port scan, unauthenticated
 * requests, app logins, the running API server's CIS flags); with HEARTH_E2E_SIGKILL=1, an `up` killed (SIGKILL)
 * and re-run after `pulumi cancel`; `destroy`, leaving nothing in the API server, Gitea or on the nodes. Each
 * phase's time is printed and written to bench/results/e2e.json. Root only (the sandbox's namespaces).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse, parseDocument } from "yaml";
import { catalogue } from "../../apps";
import { AUTHELIA_SECRET, forwardAuthAddress } from "../../apps/authelia";
import { OIDC_SECRET } from "../../apps/recipe";
import { FORWARD_AUTH_MIDDLEWARE } from "../../components/app/helm-app";
import { generateEd25519KeyPair } from "../../components/secrets/openssh";
import { scriptEnv, secretEnv } from "../../components/backup/plan";
import { BackupAccess, BackupPlan } from "../../scripts/hearth/backup-ops";
import {
  changesIn,
  decrypted,
  EngineRun,
  gitea,
  kube,
  kubectl,
  kubeJson,
  onNode,
  repo,
  sandboxDir,
} from "./harness";
import { appLogins, portScan, runningApiServerCis, unauthenticatedRequests } from "./security";

const run = new EngineRun("hearth-e2e-");
const { check, phase, pulumi, work, configFile, logDir, transcripts } = run;

/** `pulumi destroy` after unprotecting the backup repository password, which a destroy otherwise stops at. */
async function destroyAll(name: string) {
  const un = await pulumi(`unprotect-${name}`, ["state", "unprotect", "--all", "--yes"], {
    configFile: false,
  });
  if (un.code !== 0) return un;
  return pulumi(`destroy-${name}`, ["destroy", "--yes"]);
}

/** The apps the dev stack file enables. */
function devApps(): string[] {
  const doc = parse(readFileSync(configFile, "utf8")) as {
    config: { "hearth:apps": { enabled: string[] } };
  };
  return doc.config["hearth:apps"].enabled;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error("test:e2e needs root: the sandbox's SSH nodes live in network namespaces");
    process.exit(1);
  }
  const canary = `hearth-e2e-canary-${randomBytes(6).toString("hex")}`;
  const extraKey = generateEd25519KeyPair(canary).publicKey;

  await phase("toolchain (build.sh --strict, cached after the first run)", async () =>
    run.useToolchain(),
  );

  await phase("sandbox up (fresh)", async () => {
    spawnSync("bash", ["scripts/sandbox.sh", "down"], { cwd: repo, stdio: "inherit" });
    const r = spawnSync("bash", ["scripts/sandbox.sh", "up"], { cwd: repo, stdio: "inherit" });
    return check("the sandbox comes up", r.status === 0);
  });

  // The dev stack, with the key and the token as config secrets and the canary key planted.
  const doc = parseDocument(readFileSync(join(repo, "Pulumi.dev.yaml"), "utf8"));
  doc.deleteIn(["config", "hearth:ssh", "privateKeyPath"]);
  doc.setIn(["config", "hearth:ssh", "authorizedKeys"], [extraKey]);
  doc.deleteIn(["config", "hearth:gitea", "tokenPath"]);
  writeFileSync(configFile, doc.toString());
  const privateKey = readFileSync(join(sandboxDir, "ssh/id_ed25519"), "utf8");
  const giteaToken = readFileSync(join(sandboxDir, "gitea/token"), "utf8").trim();

  const ready = await phase("stack init and config secrets", async () => {
    await pulumi("stack-init", ["stack", "init"], { configFile: false });
    const a = await pulumi("config-key", ["config", "set", "--secret", "hearth:sshPrivateKey"], {
      input: privateKey,
    });
    const b = await pulumi("config-token", ["config", "set", "--secret", "hearth:giteaToken"], {
      input: giteaToken,
    });
    const stored = readFileSync(configFile, "utf8");
    return (
      check("config secrets are set from stdin", a.code === 0 && b.code === 0, a.out + b.out) &&
      check(
        "the stack file holds them encrypted only",
        !stored.includes(giteaToken) && !stored.includes(privateKey.split("\n")[1]),
      )
    );
  });
  if (!ready) return;

  let first = false;
  await phase("up (from empty)", async () => {
    // Engine logs at -v=2. From -v=3 on, @pulumi/pulumi 3.248.0's own debug lines ("RegisterResource RPC
    // finished ... resp") print resolved outputs, secrets included: verbose logs are not for sharing.
    const r = await pulumi("up-1", [
      "up",
      "--yes",
      "--skip-preview",
      "--logtostderr",
      "--logflow",
      "-v=2",
    ]);
    first = check("pulumi up succeeds", r.code === 0, r.out.slice(-3000));
    const prepare = r.out.split("\n").filter((l) => /RemoteCommand hearth-node-1-prepare/.test(l));
    check("a node step is shown in the log under its own resource", prepare.length > 0);
    return first;
  });
  if (!first) return;

  for (const [name, args] of [
    // With Hearth's policy pack (policy/): a mandatory violation would fail this preview.
    [
      "preview --expect-no-changes",
      ["preview", "--expect-no-changes", "--policy-pack", join(repo, "policy")],
    ],
    ["up --expect-no-changes", ["up", "--yes", "--expect-no-changes"]],
    ["refresh --expect-no-changes", ["refresh", "--yes", "--expect-no-changes"]],
  ] as const) {
    await phase(name, async () => {
      const r = await pulumi(name.split(" ")[0] + "-converged", [...args]);
      return check(`${name} reports no changes`, r.code === 0, r.out.slice(-3000));
    });
  }

  await phase("real effects: nodes, Gitea, routes", async () => {
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
      Array.isArray(apps.body) &&
        apps.body.some((a: { name: string }) => a.name === "Woodpecker CI"),
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
  });

  await phase("single sign-on in the cluster", async () => {
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
    const enabled = devApps();
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
      check(
        `Ingress ${app}/${ing.metadata.name} signs in through the identity provider: ${how}`,
        ok,
      );
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
  });

  await phase("observability in the cluster", async () => {
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
    const probed = devApps().filter((a) => catalogue[a]?.healthPath);
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
      check(`${name} is ready (kwok's pods)`, ready.includes(`${name}=1`), ready);
  });

  await phase("backups: objects in the cluster, operator commands against the stack", async () => {
    const crons = kube([
      "get",
      "cronjobs",
      "-A",
      "-o",
      "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}",
    ]);
    for (const app of ["woodpecker", "zot"]) {
      check(
        `${app} has backup, drill and restore CronJobs in the API server`,
        ["backup", "drill", "restore"].every((k) => crons.includes(`${app}/hearth-${k}-${app}`)),
        crons,
      );
    }
    const hearth = (name: string, args: string[]) => {
      const r = spawnSync("npm", ["run", "-s", "hearth", "--", ...args], {
        cwd: repo,
        env: run.env,
        encoding: "utf8",
      });
      const out = `${r.stdout}${r.stderr}`;
      transcripts.push({ name, text: out });
      writeFileSync(join(logDir, `${name}.log`), out);
      return { code: r.status, out };
    };
    const before = hearth("hearth-status-empty", ["backup", "status", "--json"]);
    const rows = JSON.parse(before.out.slice(before.out.indexOf("["))) as {
      app: string;
      snapshots: number;
      error?: string;
    }[];
    check(
      "backup status reads both S3 targets for every app with data: nothing yet, no error",
      before.code === 0 &&
        rows.length === 2 * devApps().filter((a) => catalogue[a]?.backup).length &&
        rows.every((r) => r.snapshots === 0 && !r.error),
      before.out,
    );
    // kwok runs no containers: a Job started from the CronJob completes without doing anything, and the
    // command says so instead of reporting a backup.
    const now = hearth("hearth-backup-now", ["backup", "now", "zot"]);
    check(
      "backup now runs the CronJob as a Job and refuses to call it a backup when no snapshot arrived",
      now.code === 1 &&
        /Job hearth-backup-zot-now-\S+ completed/.test(now.out) &&
        /no new snapshot arrived/.test(now.out),
      now.out,
    );
    // What the backup pod would do, done by the same script on this machine into the stack's repositories.
    const outs = await pulumi("backup-outputs", ["stack", "output", "--json", "--show-secrets"], {
      configFile: false,
    });
    transcripts.pop();
    const o = JSON.parse(outs.out.slice(outs.out.indexOf("{"))) as {
      backups: BackupPlan;
      backupAccess: BackupAccess;
    };
    const data = join(work, "zot-data");
    mkdirSync(join(data, "blobs"), { recursive: true });
    writeFileSync(join(data, "blobs", "sha256-e2e"), "an image layer\n");
    const scriptEnvironment = {
      PATH: process.env.PATH,
      ...scriptEnv(
        { app: "zot", dataPath: data, sqlite: [] },
        {
          stage: join(work, "zot-stage"),
          scratch: join(work, "zot-scratch"),
          cache: join(work, "zot-cache"),
        },
        o.backups.targets,
        { last: 0, daily: 7, weekly: 4, monthly: 6 },
        "100%",
      ),
      ...secretEnv(o.backupAccess.password, o.backups.targets, o.backupAccess.secretKeys),
    };
    const b = spawnSync("sh", ["components/backup/hearth-backup.sh", "backup"], {
      cwd: repo,
      env: scriptEnvironment,
      encoding: "utf8",
    });
    const d = spawnSync("sh", ["components/backup/hearth-backup.sh", "drill"], {
      cwd: repo,
      env: scriptEnvironment,
      encoding: "utf8",
    });
    check(
      "the shipped script backs up and drills into the stack's repositories",
      b.status === 0 && d.status === 0,
      b.stderr + d.stderr,
    );
    const after = hearth("hearth-status", ["backup", "status"]);
    console.log(after.out);
    check(
      "backup status shows the snapshot and the good drill on both targets",
      after.code === 0 &&
        (after.out.match(/^zot\s+(nas|offsite)\s+1\s+[0-9a-f]{8}.*ago\s+ok$/gm) ?? []).length === 2,
      after.out,
    );
    const bad = hearth("hearth-restore-missing", ["restore", "zot", "--snapshot", "deadbeef"]);
    check(
      "a restore of a snapshot that does not exist lists the ones that do",
      bad.code === 1 &&
        /no snapshot of "zot" on target nas matches deadbeef; the snapshots there are:\n\s+[0-9a-f]{8}/.test(
          bad.out,
        ),
      bad.out,
    );
    const live = hearth("hearth-restore-unconfirmed", ["restore", "zot", "--to", "live"]);
    return check(
      "a restore to live is refused without confirmation, and nothing changes",
      live.code === 1 &&
        live.out.includes("not confirmed; nothing was changed") &&
        !live.out.includes("scaled from"),
      live.out,
    );
  });

  // docs/security.md: only the intended ports answer, nothing answers an unauthenticated request, every routed
  // app has a login, and the running API server passes the CIS items Hearth claims.
  await phase("security: port scan, unauthenticated requests, app logins, CIS flags", async () => {
    const ingresses = kubeJson<{ items: Parameters<typeof appLogins>[0] }>([
      "get",
      "ingress",
      "-A",
    ]);
    const checks = [
      ...(await portScan()),
      ...(await unauthenticatedRequests(sandboxDir)),
      ...appLogins(ingresses?.items ?? [], devApps()),
      ...runningApiServerCis(),
    ];
    return checks.map((c) => check(c.name, c.ok, c.detail)).every(Boolean);
  });

  await phase("secret scan", async () => {
    const creds = await pulumi(
      "outputs",
      ["stack", "output", "adminCredentials", "--show-secrets", "--json"],
      { configFile: false },
    );
    const admins = Object.values(
      JSON.parse(creds.out.slice(creds.out.indexOf("{"))) as Record<string, { password: string }>,
    ).map((c) => c.password);
    // The output command itself printed them on purpose; it is not part of the scan.
    transcripts.pop();
    const exported = await pulumi("export", ["stack", "export"], { configFile: false });
    transcripts.pop();
    const revealed = await pulumi("export-secrets", ["stack", "export", "--show-secrets"], {
      configFile: false,
    });
    transcripts.pop();
    // Every generated password, from the decrypted state; the admin ones are among them.
    const generated = (
      JSON.parse(revealed.out.slice(revealed.out.indexOf("{"))) as {
        deployment: { resources: { type: string; outputs?: { result?: unknown } }[] };
      }
    ).deployment.resources
      .filter((r) => r.type === "hearth:secrets:GeneratedPassword")
      .map((r) => decrypted(r.outputs?.result));
    check(
      "the admin passwords shown by `stack output` are generated ones",
      admins.every((a) => generated.includes(a)),
    );
    const passwords = generated;
    const needles: Record<string, string> = {
      "the SSH private key": privateKey.split("\n")[1],
      "the Gitea token": giteaToken,
      "the alert route's token": readFileSync(join(sandboxDir, "notify", "secret"), "utf8").trim(),
      "an S3 secret key": readFileSync(
        join(sandboxDir, "s3", "offsite", "secret-key"),
        "utf8",
      ).trim(),
      ...Object.fromEntries(passwords.map((p, i) => [`generated password ${i + 1}`, p])),
    };
    check(
      "the scan has every generated password to look for (at least 5, each of 24 characters or more)",
      passwords.length >= 5 && passwords.every((p) => /^[A-Za-z0-9]{24,}$/.test(p)),
      passwords.join(" ").replace(/[A-Za-z0-9]/g, "x"),
    );
    // The state file on disk, as the file backend keeps it.
    const files = execFileSync("find", [join(work, "state"), "-type", "f", "-name", "*.json"], {
      encoding: "utf8",
    })
      .split("\n")
      .filter(Boolean);
    const onDisk = files.map((f) => readFileSync(f, "utf8")).join("\n");
    check("the backend holds the stack's state file", onDisk.includes("hearth:ssh:RemoteCommand"));
    for (const [what, needle] of Object.entries(needles)) {
      // Kubernetes keeps a Secret's values base64-encoded (stringData comes back as data): both forms count.
      const forms = [needle, Buffer.from(needle).toString("base64")];
      const has = (text: string) => forms.some((f) => text.includes(f));
      // A scan can only fail if the value is there to find: each one is in the decrypted state.
      check(`${what} is in the state, encrypted`, has(revealed.out));
      check(`${what} is not in plain text in \`stack export\``, !has(exported.out));
      check(`${what} is not in plain text in the backend's files`, !has(onDisk));
      const leaks = transcripts.filter((t) => has(t.text)).map((t) => t.name);
      check(
        `${what} is in no command's output or engine log`,
        leaks.length === 0,
        leaks.join(", "),
      );
    }
    // The canary key is plain config (a public key, so the engine also keeps it among the providers'
    // config); what must hold is that the command it travels in, on stdin, never shows or keeps it plainly.
    const commands = (state: string) =>
      (
        JSON.parse(state.slice(state.indexOf("{"))) as {
          deployment: { resources: { type: string; urn: string }[] };
        }
      ).deployment.resources.filter((r) => r.type === "hearth:ssh:RemoteCommand");
    const plainCommands = JSON.stringify(commands(exported.out));
    const keysStep = commands(revealed.out).filter((r) => r.urn.endsWith("-authorized-keys"));
    check("the canary went to the nodes on stdin", JSON.stringify(keysStep).includes(canary));
    check("the canary is in no command's state in plain text", !plainCommands.includes(canary));
    const echoed = transcripts.filter((t) => t.text.includes(canary)).map((t) => t.name);
    check(
      "the canary is in no command's output or engine log",
      echoed.length === 0,
      echoed.join(", "),
    );
  });

  await phase("one app's setting changed", async () => {
    const d = parseDocument(readFileSync(configFile, "utf8"));
    d.setIn(["config", "hearth:apps", "settings"], {
      homepage: { values: { config: { settings: { title: "Hearth (e2e)" } } } },
    });
    writeFileSync(configFile, d.toString());
    const p = await pulumi("preview-change", ["preview", "--json"]);
    const changes = changesIn(p.out);
    check(
      "the preview updates exactly the homepage release",
      JSON.stringify(changes) === JSON.stringify({ update: ["hearth-homepage-release"] }),
      JSON.stringify(changes),
    );
    const u = await pulumi("up-change", ["up", "--yes", "--skip-preview"]);
    check("the change applies", u.code === 0, u.out.slice(-2000));
    const cm = kube(["-n", "homepage", "get", "configmap", "-o", "json"]);
    check("the new title is in the cluster", cm.includes("Hearth (e2e)"));
    const again = await pulumi("preview-after-change", ["preview", "--expect-no-changes"]);
    return check("after it, nothing more changes", again.code === 0, again.out.slice(-2000));
  });

  await phase("Argo CD's Gitea credential reads and cannot write", async () => {
    const secret = JSON.parse(
      kube(["-n", "argocd", "get", "secret", "gitops-repo", "-o", "json"]),
    ) as {
      data: Record<string, string>;
    };
    const field = (k: string) => Buffer.from(secret.data[k] ?? "", "base64").toString();
    const user = field("username");
    const auth = `Basic ${Buffer.from(`${user}:${field("password")}`).toString("base64")}`;
    const base = readFileSync(join(sandboxDir, "gitea", "url"), "utf8").trim();
    const read = await fetch(`${base}/api/v1/repos/hearth/gitops/contents/README.md`, {
      headers: { authorization: auth },
    });
    const write = await fetch(`${base}/api/v1/repos/hearth/gitops/contents/pwned.md`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({
        content: Buffer.from("no").toString("base64"),
        message: "should be refused",
      }),
    });
    const admin = await fetch(`${base}/api/v1/admin/users`, { headers: { authorization: auth } });
    check("Argo CD clones as the reader user, not the admin", user === "hearth-argocd", user);
    check("the reader can read the GitOps repository", read.status === 200, String(read.status));
    return check(
      "the reader can neither push nor use the admin API",
      write.status === 403 && admin.status === 403,
      `push ${write.status}, admin ${admin.status}`,
    );
  });

  await phase("GitOps repository renamed", async () => {
    const commits = async (repo: string) =>
      ((await gitea(`/repos/hearth/${repo}/commits?limit=50`)).body as { sha: string }[]).map(
        (c) => c.sha,
      );
    const before = await commits("gitops");
    const d = parseDocument(readFileSync(configFile, "utf8"));
    d.setIn(["config", "hearth:gitea", "repo"], "gitops-renamed");
    writeFileSync(configFile, d.toString());
    const p = await pulumi("preview-rename", ["preview", "--json"]);
    const changes = changesIn(p.out);
    // Argo CD's repository Secret is replaced (the provider replaces a Secret whose data changes); the
    // repository, its organization and its files never are.
    const gone = [
      ...(changes.replace ?? []),
      ...(changes.delete ?? []),
      ...(changes["create-replacement"] ?? []),
    ];
    check(
      "the preview renames the repository in place: neither it nor its files are replaced or deleted",
      (changes.update ?? []).includes("hearth-gitops-repo") &&
        !gone.some((r) => /^hearth-gitops-(repo|files|org)$/.test(r)),
      JSON.stringify(changes),
    );
    const u = await pulumi("up-rename", ["up", "--yes", "--skip-preview"]);
    check("the rename applies", u.code === 0, u.out.slice(-2000));
    const after = await commits("gitops-renamed");
    check(
      "the renamed repository keeps every commit, and the seed files are still there",
      before.length > 0 &&
        before.every((sha) => after.includes(sha)) &&
        (await gitea("/repos/hearth/gitops-renamed/contents/README.md")).status === 200,
      `${before.length} commits before, ${after.length} after`,
    );
    const again = await pulumi("preview-after-rename", ["preview", "--expect-no-changes"]);
    return check("after it, nothing more changes", again.code === 0, again.out.slice(-2000));
  });

  await phase("interrupted up, then re-run", async () => {
    // The data Hearth keeps through a destroy (the data apps' namespaces, the GitOps repository) stays, and the
    // next run adopts it.
    const down = await destroyAll("before-interrupt");
    check("destroy before the interrupted run", down.code === 0, down.out.slice(-2000));
    const cut = await pulumi("up-interrupted", ["up", "--yes", "--skip-preview"], {
      // Mid-run: some resources created, releases still installing.
      killWhen: (out) => (out.match(/ created \(/g) ?? []).length >= 20,
    });
    check(
      "the up was interrupted with SIGINT mid-run",
      cut.killed && cut.code !== 0,
      `code ${cut.code}`,
    );
    const rerun = await pulumi("up-after-interrupt", ["up", "--yes", "--skip-preview"]);
    check("the re-run converges with no state edits", rerun.code === 0, rerun.out.slice(-3000));
    const quiet = await pulumi("preview-after-interrupt", ["preview", "--expect-no-changes"]);
    return check("and then reports no changes", quiet.code === 0, quiet.out.slice(-2000));
  });

  // Opt-in (HEARTH_E2E_SIGKILL=1): a SIGKILL that lands while the file backend writes its checkpoint leaves
  // an empty `dev.json.attrs` beside an intact `dev.json`, and every later command fails with "failed to load
  // checkpoint: EOF" until that file is removed by hand (seen once in four runs here). The SIGINT phase
  // above is what Ctrl-C and a CI cancellation do, and needs nothing by hand.
  const sigkill = process.env.HEARTH_E2E_SIGKILL === "1";
  if (sigkill)
    await phase("killed up (SIGKILL), then re-run", async () => {
      const down = await destroyAll("before-kill");
      check("destroy before the killed run", down.code === 0, down.out.slice(-2000));
      const cut = await pulumi("up-killed", ["up", "--yes", "--skip-preview"], {
        killWhen: (out) => (out.match(/ created \(/g) ?? []).length >= 20,
        signal: "SIGKILL",
      });
      check("the up was killed mid-run", cut.killed && cut.code === null, `code ${cut.code}`);
      // A killed CLI leaves its plugins and the file backend's lock behind; `pulumi cancel` releases the lock.
      spawnSync("pkill", [
        "-KILL",
        "-f",
        "pulumi-language-nodejs|pulumi-resource-kubernetes|pulumi-resource-hearth|dynamic-provider",
      ]);
      const cancel = await pulumi("cancel-after-kill", ["cancel", "--yes"], { configFile: false });
      check("pulumi cancel releases the killed run's lock", cancel.code === 0, cancel.out);
      const rerun = await pulumi("up-after-kill", ["up", "--yes", "--skip-preview"]);
      check(
        "the re-run converges, adopting what the killed run created",
        rerun.code === 0,
        rerun.out.slice(-3000),
      );
      // The engine keeps the killed run's pending creates until a refresh drops them.
      const clear = await pulumi("refresh-clear-pending", [
        "refresh",
        "--yes",
        "--clear-pending-creates",
      ]);
      check(
        "refresh --clear-pending-creates drops the killed run's records",
        clear.code === 0,
        clear.out.slice(-2000),
      );
      const quiet = await pulumi("preview-after-kill", ["preview", "--expect-no-changes"]);
      check("and then reports no changes", quiet.code === 0, quiet.out.slice(-2000));
      return check(
        "with no pending operation left",
        !/pending operations/.test(quiet.out),
        quiet.out.slice(-1000),
      );
    });

  await phase("destroy", async () => {
    const stopped = await pulumi("destroy-protected", ["destroy", "--yes"]);
    check(
      "pulumi destroy stops at the protected backup repository password",
      stopped.code !== 0 && /protected/.test(stopped.out),
      stopped.out.slice(-2000),
    );
    const r = await destroyAll("final");
    check("with it unprotected, pulumi destroy succeeds", r.code === 0, r.out.slice(-3000));
    const namespaces = kube([
      "get",
      "namespaces",
      "-o",
      "jsonpath={.items[*].metadata.name}",
    ]).split(" ");
    const left = namespaces
      .filter((n) => !["default", "kube-system", "kube-public", "kube-node-lease"].includes(n))
      .sort();
    const kept = devApps()
      .filter((a) => catalogue[a]?.keepsData && a !== "argocd")
      .sort();
    check(
      `only the namespaces of the apps that keep data are left: ${kept.join(", ")}`,
      JSON.stringify(left) === JSON.stringify(kept),
      left.join(" "),
    );
    check(
      "the GitOps repository is left in Gitea, with its history",
      (await gitea("/repos/hearth/gitops-renamed")).status === 200,
    );
    for (const ns of left) kube(["delete", "namespace", ns, "--wait=true"]);
    await gitea("/repos/hearth/gitops-renamed", { method: "DELETE" });
    await gitea("/orgs/hearth", { method: "DELETE" });
    const crs = spawnSync(kubectl, [
      "--kubeconfig",
      join(sandboxDir, "kubeconfig"),
      "get",
      "clusterissuers,applications",
      "-A",
    ]);
    check(
      "no Hearth custom resource is left",
      !/hearth/.test(crs.stdout.toString()),
      crs.stdout.toString(),
    );
    check("no GitOps organization is left in Gitea", (await gitea("/orgs/hearth")).status === 404);
    const apps = await gitea("/user/applications/oauth2");
    check(
      "no OAuth2 application is left in Gitea",
      Array.isArray(apps.body) && apps.body.length === 0,
    );
    for (const node of ["node-1", "node-2", "node-3"]) {
      const state = onNode(
        node,
        "ls /etc/sysctl.d /etc/modules-load.d 2>/dev/null; cat ~/.ssh/authorized_keys",
      );
      check(`${node}: Hearth's files are gone`, !state.includes("90-hearth-k3s.conf"), state);
      check(
        `${node}: only the login key is authorized again`,
        !state.includes(canary) &&
          state
            .trim()
            .split("\n")
            .filter((l) => l.startsWith("ssh-")).length === 1,
        state,
      );
    }
  });
}

main()
  .catch((e) => check("the run", false, (e as Error).stack))
  .finally(() => run.finish("e2e.json"));
