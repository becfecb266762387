/**
 * The whole program under mocks, once per stack file: the resource graph by type, the order that matters
 * (CRDs before custom resources, servers before agents), and no credential in plain text anywhere.
 */
import { mkdtempSync, readdirSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { catalogue } from "../apps";
import { evaluateStackFile } from "../cli/evaluate/evaluate";
import { pointAtSandbox, standInSandbox } from "../cli/evaluate/sandbox-files";
import { withChartPins } from "./chart-pins";
import { isSecretInput, isSecretValue, Registration, reveal } from "./mocks";
import { parse as parseYaml } from "yaml";

const root = join(__dirname, "..");
const examples = ["stacks/examples/Pulumi.home.yaml", "stacks/examples/Pulumi.hetzner.yaml"];
const fixtures = readdirSync(join(__dirname, "fixtures/valid")).map(
  (f) => `test/fixtures/valid/${f}`,
);

/**
 * Stack files that read charts from a local directory get one made here, holding each enabled app's chart
 * folder at the version it pins (only Chart.yaml: under mocks nothing renders the chart).
 */
function withLocalCharts(values: Record<string, string>): void {
  withChartPins(values, catalogue);
}

/** Strings in plain (non-secret) inputs that contain any of the needles. */
function plainLeaks(regs: Registration[], needles: string[]): string[] {
  const leaks: string[] = [];
  const walk = (v: unknown, where: string) => {
    if (isSecretValue(v)) return;
    if (typeof v === "string") {
      for (const n of needles) if (v.includes(n)) leaks.push(`${where} contains ${n}`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) {
        // A dynamic provider's serialized code names key headers; it holds no key.
        if (k !== "__provider") walk(x, `${where}.${k}`);
      }
  };
  for (const r of regs) walk(r.rawInputs, `${r.type}::${r.name}`);
  return leaks;
}

function count(regs: Registration[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of regs) out[r.type] = (out[r.type] ?? 0) + 1;
  return out;
}

/** Whether `from` depends on `to` directly or through its parents' and dependencies' chains. */
function dependsOn(regs: Registration[], from: Registration, to: Registration): boolean {
  const byUrn = new Map(regs.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const stack = [...from.dependencies];
  while (stack.length > 0) {
    const urn = stack.pop()!;
    if (urn === to.urn) return true;
    if (seen.has(urn)) continue;
    seen.add(urn);
    const r = byUrn.get(urn);
    if (r) stack.push(...r.dependencies);
  }
  return false;
}

// Secret values the stack files plant (their `secure:` text stands in for the decrypted value).
const configSecrets = [
  "v1:sshkey",
  "v1:cftoken",
  "v1:cfdnstoken",
  "v1:hcloud",
  "v1:kubeconfig",
  "v1:giteatoken",
  "v1:backupkey",
  "v1:backupkey2",
  "v1:notify",
  "dHNpZy1zZWNyZXQtcGxhbnRlZA==",
];

describe.each([...examples, ...fixtures])("%s under mocks", (file) => {
  let regs: Registration[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => {
    ({ registrations: regs, outputs } = await evaluateStackFile(join(root, file), withLocalCharts));
  });

  it("builds one Homelab that parents every layer", () => {
    const homes = regs.filter((r) => r.type === "hearth:stack:Homelab");
    expect(homes).toHaveLength(1);
    const top = regs.filter((r) => r.parent === homes[0].urn).map((r) => r.type);
    expect(top.some((t) => t.startsWith("hearth:cluster:"))).toBe(true);
  });

  it("keeps every credential out of plain inputs", () => {
    expect(plainLeaks(regs, [...configSecrets, "planted-", "BEGIN OPENSSH PRIVATE KEY"])).toEqual(
      [],
    );
  });

  it("creates every custom resource of a chart's CRDs after that chart's release", () => {
    const releases = regs.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    for (const cr of regs.filter((r) =>
      /^kubernetes:(cert-manager\.io|argoproj\.io)\//.test(r.type),
    )) {
      expect(releases.some((rel) => dependsOn(regs, cr, rel))).toBe(true);
    }
  });

  it("exports URLs and secret-only credentials", () => {
    expect(typeof outputs.kubeconfig).toBe("string");
    for (const url of Object.values(outputs.urls as Record<string, string>))
      expect(url).toMatch(/^https:\/\//);
  });
});

describe("the resource graph", () => {
  it("hetzner: four servers on one network, k3s, a tunnel with a CNAME per app", async () => {
    const { registrations: regs } = await evaluateStackFile(join(root, examples[1]));
    const n = count(regs);
    expect(n["hcloud:index/server:Server"]).toBe(4);
    expect(n["hcloud:index/network:Network"]).toBe(1);
    expect(n["hearth:cluster:K3s"]).toBe(1);
    expect(n["cloudflare:index/dnsRecord:DnsRecord"]).toBe(2); // gitea, woodpecker
    expect(n["kubernetes:helm.sh/v3:Release"]).toBe(4);
    const installs = regs.filter(
      (r) => r.type === "hearth:ssh:RemoteCommand" && /^hearth-k3s-/.test(r.name),
    );
    const agent = installs.find((r) => r.name === "hearth-k3s-worker1")!;
    for (const server of ["cp1", "cp2", "cp3"])
      expect(dependsOn(regs, agent, installs.find((r) => r.name === `hearth-k3s-${server}`)!)).toBe(
        true,
      );
  });

  it("internal-only: no Cloudflare resources, a home CA issuer", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "test/fixtures/valid/existing-cluster.yaml"),
      withLocalCharts,
    );
    expect(regs.filter((r) => r.type.startsWith("cloudflare:"))).toEqual([]);
    const issuers = regs.filter((r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer");
    expect(issuers.length).toBeGreaterThan(0);
    expect(issuers.some((r) => JSON.stringify(r.inputs).includes("selfSigned"))).toBe(true);
  });

  it("co-op on its own DNS (RFC 2136): a record per app, no Cloudflare, cert-manager solving through the same key", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "test/fixtures/valid/coop-rfc2136.yaml"),
    );
    expect(regs.filter((r) => r.type.startsWith("cloudflare:"))).toEqual([]);
    const component = regs.find((r) => r.type === "hearth:edge:AppRecords")!;
    const records = regs.filter((r) => r.type === "hearth:edge:Rfc2136Record");
    expect(records.map((r) => [r.parent, reveal(r.inputs.name), reveal(r.inputs.values)])).toEqual([
      [component.urn, "git.apps.coop.example.org", ["203.0.113.10"]],
      [component.urn, "argocd.apps.coop.example.org", ["203.0.113.10"]],
      [component.urn, "home.apps.coop.example.org", ["203.0.113.10"]],
    ]);
    for (const r of records) {
      expect(r.inputs).toMatchObject({
        server: "ns1.coop.example.org:53",
        zone: "coop.example.org",
      });
      expect(isSecretValue(r.rawInputs.tsig)).toBe(true);
    }
    const issuer = regs.find((r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer")!;
    expect(reveal(issuer.inputs.spec).acme.solvers[0].dns01).toEqual({
      rfc2136: {
        nameserver: "ns1.coop.example.org:53",
        tsigKeyName: "hearth-coop",
        tsigAlgorithm: "HMACSHA256",
        tsigSecretSecretRef: { name: "rfc2136-tsig", key: "tsig-secret" },
      },
    });
    // Gitea's API is called at its hostname: Hearth's Gitea token waits for the records, and the GitOps
    // repository for the token.
    const token = regs.find((x) => x.type.endsWith(":GiteaAccessToken"))!;
    expect(token.dependencies).toEqual(expect.arrayContaining(records.map((r) => r.urn)));
    const gitops = regs.find((r) => r.type === "hearth:git:GitOpsRepo")!;
    expect(gitops.dependencies).toEqual(expect.arrayContaining([token.urn]));
  });

  it("home: Gitea's API calls wait for its route (Ingress, tunnel, DNS), not only its release", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "stacks/examples/Pulumi.home.yaml"),
      withLocalCharts,
    );
    const urnOf = (type: string, name: string) => {
      const r = regs.find((x) => x.type === type && x.name === name);
      if (!r) throw new Error(`no ${type} ${name}`);
      return r.urn;
    };
    const ingress = urnOf("kubernetes:networking.k8s.io/v1:Ingress", "hearth-gitea-ingress");
    const records = regs
      .filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord")
      .map((r) => r.urn);
    expect(records.length).toBeGreaterThan(0);
    // The first call makes Hearth's scoped token with the admin's password; every other call uses the token,
    // so it waits for it.
    const token = regs.find((x) => x.type.endsWith(":GiteaAccessToken"))!;
    expect(token.dependencies).toEqual(expect.arrayContaining([ingress, ...records]));
    for (const [type, name] of [
      ["hearth:git:GitOpsRepo", "hearth-gitops"],
      ["hearth:git:GiteaOAuth2Application", "hearth-woodpecker-oauth"],
    ]) {
      const r = regs.find((x) => x.type.endsWith(type.split(":").pop()!) && x.name === name)!;
      expect([name, r.dependencies]).toEqual([name, expect.arrayContaining([token.urn])]);
    }
  });

  it("home: Hearth calls Gitea with a scoped token, and Argo CD clones in the cluster with a read-only one", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "stacks/examples/Pulumi.home.yaml"),
      withLocalCharts,
    );
    const token = regs.find((x) => x.type.endsWith(":GiteaAccessToken"))!;
    expect(reveal(token.inputs.scopes)).toEqual([
      "write:admin",
      "write:organization",
      "write:repository",
      "write:user",
    ]);
    expect(isSecretInput(token, "endpoint")).toBe(true);
    // No Gitea resource but the token sends the admin's password.
    for (const r of regs.filter((x) => /:Gitea|:GitOps/.test(x.type) && x !== token)) {
      const endpoint = reveal(r.inputs.endpoint) as
        | { password?: string; token?: string }
        | undefined;
      if (endpoint === undefined) continue;
      expect([r.name, endpoint.password]).toEqual([r.name, undefined]);
    }
    const repoSecret = regs.find(
      (x) => x.type === "kubernetes:core/v1:Secret" && x.name === "hearth-argocd-gitops-repo",
    )!;
    const data = reveal(repoSecret.inputs.stringData);
    expect(data.url).toBe("http://gitea-http.gitea.svc.cluster.local:3000/hearth/gitops.git");
    expect(data.username).toBe("hearth-argocd");
    // The reader's read:repository token, never its password (a generated one, "planted-..." under mocks).
    expect(data.password).toBe("gitea-token-hearth-gitops-reader");
    expect(isSecretInput(repoSecret, "stringData")).toBe(true);
  });

  it("home: each app waits for the edge, for the apps its catalogue entry needs, and (OIDC) for the identity provider", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "stacks/examples/Pulumi.home.yaml"),
      withLocalCharts,
    );
    const component = (app: string) => {
      const r = regs.find((x) => x.name === `hearth-${app}` && x.type.startsWith("hearth:"));
      if (!r) throw new Error(`no component hearth-${app}`);
      return r;
    };
    // Everything under an app's component (its parent chain reaches it).
    const byUrn = new Map(regs.map((r) => [r.urn, r]));
    const under = (top: Registration) =>
      new Set(
        regs
          .filter((r) => {
            for (let u: string | undefined = r.urn; u; u = byUrn.get(u)?.parent)
              if (u === top.urn) return true;
            return false;
          })
          .map((r) => r.urn),
      );
    const enabled = Object.keys(catalogue).filter((a) =>
      regs.some((r) => r.name === `hearth-${a}` && r.type.startsWith("hearth:")),
    );
    expect(enabled).toEqual(
      expect.arrayContaining(["gitea", "grafana", "victoria-logs-collector"]),
    );
    const waits: string[] = [];
    for (const app of enabled) {
      const deps = component(app).dependencies;
      for (const other of enabled)
        if (deps.some((d) => under(component(other)).has(d))) waits.push(`${app} -> ${other}`);
    }
    const edge = ["traefik", "cert-manager"];
    const expected = enabled.flatMap((app) => [
      ...new Set([
        ...(edge.includes(app) ? [] : edge.map((e) => `${app} -> ${e}`)),
        ...catalogue[app].needs.filter((n) => enabled.includes(n)).map((n) => `${app} -> ${n}`),
        ...(catalogue[app].sso === "oidc" ? [`${app} -> authelia`] : []),
      ]),
    ]);
    expect(waits.sort()).toEqual(expected.sort());
  });

  it("home: cert-manager's in-cluster Cloudflare token is the DNS-only one, never the tunnel token", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "stacks/examples/Pulumi.home.yaml"),
      withLocalCharts,
    );
    const secrets = regs.filter(
      (r) => r.type === "kubernetes:core/v1:Secret" && /cert-manager/.test(r.name),
    );
    const text = JSON.stringify(secrets.map((r) => reveal(r.inputs.stringData)));
    expect(text).toContain("v1:cfdnstoken");
    expect(text).not.toContain("v1:cftoken");
  });

  it("dev: SSH to the sandbox's nodes, its existing cluster, its Gitea and the enabled apps", async () => {
    const sandbox = standInSandbox(["node-1", "node-2", "node-3"]);
    const { registrations: regs } = await evaluateStackFile(
      join(root, "Pulumi.dev.yaml"),
      (values) => {
        pointAtSandbox(values, sandbox);
        withLocalCharts(values);
      },
    );
    const n = count(regs);
    expect(n["hearth:cluster:ExistingCluster"]).toBe(1);
    expect(n["kubernetes:helm.sh/v3:Release"]).toBe(14);
    expect(n["hearth:git:GitOpsRepo"]).toBe(1);
    const releases = regs.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    for (const rel of releases) expect(String(rel.inputs.chart)).toContain("hearth-charts-");
    // Each node is prepared over SSH with the host key the sandbox wrote, and the key file's contents.
    const prepares = regs.filter((r) => r.type === "hearth:ssh:RemoteCommand");
    expect(prepares.map((r) => r.name).sort()).toEqual([
      "hearth-node-1-prepare",
      "hearth-node-2-prepare",
      "hearth-node-3-prepare",
    ]);
    for (const p of prepares) {
      const node = p.name.replace(/^hearth-|-prepare$/g, "");
      // The connection carries the key, so it travels as one secret.
      expect(isSecretValue(p.inputs.connection)).toBe(true);
      expect(reveal(p.inputs.connection).hostKey).toBe(sandbox.hostKeys[node]);
    }
    expect(plainLeaks(regs, [sandbox.giteaToken, sandbox.operatorKey.split("\n")[1]])).toEqual([]);
    // Argo CD clones as the read-only user, and the admin's token never reaches the cluster.
    const repoSecret = regs.find((r) => r.name === "hearth-argocd-gitops-repo")!;
    const data = reveal(repoSecret.inputs).stringData as Record<string, string>;
    expect(data.username).toBe("hearth-argocd");
    expect(JSON.stringify(data)).not.toContain(sandbox.giteaToken);
    const reader = regs.find((r) => r.name === "hearth-gitops-reader")!;
    expect(reveal(reader.inputs)).toMatchObject({
      owner: "hearth",
      repo: "gitops",
      username: "hearth-argocd",
    });
  });

  it("dev: a sandbox that is not up is one problem naming the command that starts it", async () => {
    await expect(
      evaluateStackFile(join(root, "Pulumi.dev.yaml"), (values) => {
        pointAtSandbox(values, {
          dir: join(tmpdir(), "hearth-no-sandbox", ".sandbox"),
          operatorKey: "",
          giteaToken: "",
          hostKeys: {},
        });
        withLocalCharts(values);
      }),
    ).rejects.toThrow(
      /^Hearth config has 1 problem; nothing was changed:\n  - hearth:cluster\.kubeconfigPath, hearth:ssh\.privateKeyPath, hearth:gitea\.tokenPath, hearth:nodes\[0\]\.hostKeyPath \(and 5 more\): the local sandbox is not up \(no .*hearth-no-sandbox\/\.sandbox\/kubeconfig\); run npm run sandbox -- up$/,
    );
  });

  it("dev: a values override the chart's values.schema.json refuses is a config error before any change", async () => {
    const sandbox = standInSandbox(["node-1", "node-2", "node-3"]);
    await expect(
      evaluateStackFile(join(root, "Pulumi.dev.yaml"), (values) => {
        pointAtSandbox(values, sandbox);
        // The project's own charts, whose woodpecker schema closes the top-level keys.
        const apps = JSON.parse(values["hearth:apps"]);
        apps.settings = { woodpecker: { values: { serverr: { replicas: 2 } } } };
        values["hearth:apps"] = JSON.stringify(apps);
        values["hearth:charts"] = JSON.stringify({ localDir: join(root, "charts") });
      }),
    ).rejects.toThrow(
      "Hearth config has 1 problem; nothing was changed:\n  - hearth:apps.settings.woodpecker.values: serverr is not allowed by values.schema.json (additionalProperties: false) (chart woodpecker 3.4.2); fix or remove the override",
    );
  });

  it("dev: a home CA file is read and handed to every Gitea call; a file without a certificate is refused", async () => {
    const sandbox = standInSandbox(["node-1", "node-2", "node-3"]);
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBplanted\n-----END CERTIFICATE-----\n";
    const caFile = join(sandbox.dir, "home-ca.pem");
    writeFileSync(caFile, pem);
    const withCa = (file: string) => (values: Record<string, string>) => {
      pointAtSandbox(values, sandbox);
      withLocalCharts(values);
      const gitea = JSON.parse(values["hearth:gitea"]);
      values["hearth:gitea"] = JSON.stringify({ ...gitea, caPath: file });
    };
    const { registrations: regs } = await evaluateStackFile(
      join(root, "Pulumi.dev.yaml"),
      withCa(caFile),
    );
    const org = regs.find((r) => r.name === "hearth-gitops-org")!;
    expect(reveal(org.inputs.endpoint).ca).toBe(pem);
    const notPem = join(sandbox.dir, "not-a-cert.pem");
    writeFileSync(notPem, "hello\n");
    await expect(evaluateStackFile(join(root, "Pulumi.dev.yaml"), withCa(notPem))).rejects.toThrow(
      "hearth:gitea.caPath: holds no PEM certificate (-----BEGIN CERTIFICATE-----); point it at the home CA's certificate",
    );
  });

  it("a bad stack file fails before any resource registers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-bad-"));
    const file = join(dir, "Pulumi.bad.yaml");
    writeFileSync(
      file,
      "config:\n  hearth:domain: not a domain\n  hearth:cluster: { mode: existing }\n",
    );
    await expect(evaluateStackFile(file)).rejects.toThrow(
      /hearth:domain: "not a domain" is not a domain name/,
    );
    const { registrations } = await import("./mocks");
    expect(registrations).toEqual([]);
  });
});

describe("backups in the whole program", () => {
  it("home: every enabled app with data gets backups and drills to both targets, and etcd goes to S3", async () => {
    const { registrations: regs, outputs } = await evaluateStackFile(join(root, examples[0]));
    const withData = Object.values(catalogue)
      .filter((m) => m.backup)
      .map((m) => m.name)
      .sort();
    expect(withData).toEqual(["authelia", "gitea", "woodpecker", "zot"]);
    const backups = regs.filter((r) => r.type === "hearth:backup:AppBackup").map((r) => r.name);
    expect(backups.sort()).toEqual(withData.map((a) => `hearth-${a}-backup`));
    const crons = regs
      .filter((r) => r.type === "kubernetes:batch/v1:CronJob")
      .map((r) => `${reveal(r.inputs).metadata.namespace}/${reveal(r.inputs).metadata.name}`);
    for (const app of withData) {
      expect(crons).toEqual(
        expect.arrayContaining([`${app}/hearth-backup-${app}`, `${app}/hearth-drill-${app}`]),
      );
    }
    // The backup pod mounts the claim the recipe's chart creates.
    const wp = regs.find((r) => r.name === "hearth-woodpecker-backup-backup")!;
    expect(JSON.stringify(reveal(wp.inputs))).toContain('"claimName":"data-woodpecker-server-0"');

    const etcd = regs.find((r) => r.name === "hearth-etcd-s3")!;
    expect(reveal(etcd.inputs).metadata).toEqual({
      name: "hearth-etcd-s3",
      namespace: "kube-system",
    });
    expect(isSecretValue(etcd.rawInputs.stringData)).toBe(true);
    expect(reveal(etcd.inputs).stringData).toMatchObject({
      "etcd-s3-endpoint": "s3.eu-central-1.example.net",
      "etcd-s3-insecure": "false",
      "etcd-s3-bucket": "hearth-backups",
    });
    const first = regs.find(
      (r) => r.type === "hearth:ssh:RemoteCommand" && r.name === "hearth-k3s-node1",
    );
    const script = JSON.stringify(reveal(first?.inputs ?? {}));
    expect(script).toContain("--etcd-s3-config-secret=hearth-etcd-s3");
    expect(script).not.toMatch(/etcd-s3-(access|secret)-key/);

    const out = outputs as { backups: { apps: Record<string, unknown> }; backupEscrow: string };
    expect(Object.keys(out.backups.apps).sort()).toEqual(withData);
    expect(out.backupEscrow).toContain("pulumi stack output backupAccess --show-secrets");
  });
});

describe("alerting in the whole program", () => {
  it("metal home: the observability apps, SLO rules for every enabled app with a health path, and the route's secret only in a Secret", async () => {
    const file = join(root, "test/fixtures/valid/metal-home.yaml");
    const { registrations: regs } = await evaluateStackFile(file, withLocalCharts);
    for (const app of ["blackbox-exporter", "kube-state-metrics", "victoria-metrics", "vmalert"])
      expect(regs.find((r) => r.name === `hearth-${app}-release`)).toBeDefined();
    const rulesMap = reveal(regs.find((r) => r.name === "hearth-vmalert-hearth-rules")!.inputs);
    expect(rulesMap.metadata.namespace).toBe("vmalert");
    expect(Object.keys(rulesMap.data).sort()).toEqual([
      "hearth-backups.rules.yaml",
      "hearth-home.rules.yaml",
      "hearth-slo.rules.yaml",
    ]);
    const rules = rulesMap.data["hearth-slo.rules.yaml"] as string;
    const withHealth = Object.values(catalogue)
      .filter((m) => m.healthPath)
      .map((m) => m.name);
    for (const app of withHealth) expect(rules).toContain(`app: ${app}`);
    expect(rules).toContain(
      "homepage is burning".replace("homepage", "Homepage") + " its 99% availability budget",
    );
    // The probes: one scrape target per app with a health path, at its public URL.
    const scrape = reveal(
      regs.find((r) => r.name === "hearth-victoria-metrics-hearth-scrape")!.inputs,
    ).data["scrape.yml"] as string;
    expect(scrape).toContain("https://code.home.example.org/api/healthz");
    expect(scrape).toContain(
      "replacement: blackbox-exporter.blackbox-exporter.svc.cluster.local:9115",
    );
    expect(scrape).not.toContain("rule_files");
    const am = reveal(regs.find((r) => r.name === "hearth-vmalert-hearth-alertmanager")!.inputs)
      .data["alertmanager.yaml"];
    expect(am).toContain("url: https://ntfy.home.example.org/hearth-alerts");
    const secret = regs.find((r) => r.name === "hearth-vmalert-hearth-notify")!;
    expect(isSecretValue(secret.rawInputs.stringData)).toBe(true);
    expect(
      JSON.stringify(reveal(regs.find((r) => r.name === "hearth-vmalert-release")!.inputs)),
    ).not.toContain("v1:notify");
  });
});

describe("single sign-on in the whole program", () => {
  it("home: Authelia gets every OIDC client and forward-auth host; apps keep their secrets in Secrets only", async () => {
    const { registrations: regs, outputs } = await evaluateStackFile(join(root, examples[0]));
    const files = regs.find((r) => r.name === "hearth-authelia-hearth-authelia")!;
    expect(isSecretValue(files.rawInputs.stringData)).toBe(true);
    const config = parseYaml(reveal(files.inputs).stringData["configuration.yaml"]);
    const clients = config.identity_providers.oidc.clients.map(
      (c: { client_id: string; redirect_uris: string[] }) => [c.client_id, c.redirect_uris],
    );
    expect(clients).toEqual([
      ["hearth-gitea", ["https://code.home.example.org/user/oauth2/authelia/callback"]],
      ["hearth-argocd", ["https://argocd.home.example.org/auth/callback"]],
      ["hearth-zot", ["https://registry.home.example.org/zot/auth/callback/oidc"]],
      ["hearth-grafana", ["https://grafana.home.example.org/login/generic_oauth"]],
    ]);
    // Health paths first (the probes), then who may open each app behind forward-auth.
    expect(config.access_control.rules).toEqual([
      { domain: "home.home.example.org", policy: "bypass", resources: ["^/api/healthcheck$"] },
      { domain: "logs.home.example.org", policy: "bypass", resources: ["^/health$"] },
      {
        domain: "home.home.example.org",
        policy: "two_factor",
        subject: ["group:admins", "group:family"],
      },
      { domain: "logs.home.example.org", policy: "two_factor" },
    ]);
    const users = parseYaml(reveal(files.inputs).stringData["users_database.yml"]);
    expect(Object.keys(users.users)).toEqual(["ada", "grace"]);
    expect(users.users.ada.password).toMatch(/^\$2a\$10\$/);

    // Each app's client secret is in its own Secret; the release values name it, never hold it.
    for (const app of ["gitea", "argocd", "zot", "grafana"]) {
      const held = regs.find(
        (r) =>
          r.type === "kubernetes:core/v1:Secret" &&
          (r.inputs.metadata as { name: string; namespace: string }).name === "hearth-oidc" &&
          JSON.stringify(reveal(r.inputs.stringData)).includes(`planted-hearth-oidc-${app}`),
      );
      expect(held).toBeDefined();
      expect(isSecretValue(held!.rawInputs.stringData)).toBe(true);
      const release = regs.find((r) => r.name === `hearth-${app}-release`)!;
      expect(JSON.stringify(reveal(release.inputs.values))).not.toContain("planted-hearth-oidc");
    }
    const argo = reveal(regs.find((r) => r.name === "hearth-argocd-release")!.inputs.values);
    expect(argo.configs.cm["oidc.config"]).toContain("clientSecret: $hearth-oidc:clientSecret");
    expect(argo.configs.rbac["policy.csv"]).toBe("g, admins, role:admin\n");

    const ingress = regs.find((r) => r.name === "hearth-homepage-ingress")!;
    expect(JSON.stringify(reveal(ingress.inputs.metadata))).toContain(
      "homepage-hearth-forward-auth@kubernetescrd",
    );
    const mw = regs.find((r) => r.name === "hearth-homepage-forward-auth")!;
    expect(reveal(mw.inputs).spec.forwardAuth.address).toBe(
      "http://authelia.authelia.svc.cluster.local/api/authz/forward-auth",
    );
    // The outputs come back resolved here; that they stay secret is the e2e's scan of `stack export`.
    const out = outputs as { identityLogins: Record<string, string>; identityHelp: string };
    expect(out.identityLogins).toEqual({
      ada: "planted-hearth-identity-ada",
      grace: "planted-hearth-identity-grace",
    });
    expect(out.identityHelp).toContain("pulumi stack output identityLogins --show-secrets");
  });
});

describe("day 2 in the whole program", () => {
  const home = join(root, "stacks/examples/Pulumi.home.yaml");
  const withApps =
    (change: (apps: Record<string, unknown>) => void) => (values: Record<string, string>) => {
      const apps = JSON.parse(values["hearth:apps"]);
      change(apps);
      values["hearth:apps"] = JSON.stringify(apps);
    };

  it("exports the footprint the next run checks a change against, and guards data with Pulumi's own options", async () => {
    const { registrations: regs, outputs } = await evaluateStackFile(home);
    const footprint = outputs.footprint as {
      dataApps: string[];
      servers: string[];
      backup: boolean;
    };
    expect(footprint.dataApps).toEqual(expect.arrayContaining(["gitea", "authelia", "argocd"]));
    expect(footprint.servers.length).toBeGreaterThan(0);
    expect(footprint.backup).toBe(true);
    const byName = (n: string) => regs.find((r) => r.name === n)!;
    expect(byName("hearth-gitea-namespace").options.retainOnDelete).toBe(true);
    expect(byName("hearth-traefik-namespace").options.retainOnDelete).toBe(false);
    for (const n of ["hearth-gitops-org", "hearth-gitops-repo", "hearth-gitops-files"])
      expect(byName(n).options.retainOnDelete).toBe(true);
    expect(byName("hearth-secrets-backup-repository").options.protect).toBe(true);
    expect(byName("hearth-etcd-s3").options.retainOnDelete).toBe(true);
    // No node left since the previous run: nothing to drain.
    expect(regs.filter((r) => r.type === "hearth:cluster:NodeRemoval")).toEqual([]);
  });

  it("drains and removes a node the previous run had and the config no longer lists, and only that", async () => {
    const { outputs } = await evaluateStackFile(home);
    // One server of three: etcd keeps its quorum, so the change is taken.
    const servers = (outputs.footprint as { servers: string[] }).servers;
    expect(servers.length).toBe(3);
    const gone = servers[servers.length - 1];
    const { registrations: regs } = await evaluateStackFile(
      home,
      (values) => {
        const nodes = JSON.parse(values["hearth:nodes"]) as { name: string }[];
        values["hearth:nodes"] = JSON.stringify(nodes.filter((n) => n.name !== gone));
      },
      outputs,
    );
    const removals = regs.filter((r) => r.type === "hearth:cluster:NodeRemoval");
    expect(removals.map((r) => reveal(r.inputs).node)).toEqual([gone]);
    expect(isSecretValue(removals[0].rawInputs.kubeconfig)).toBe(true);
  });

  it("keeps a node's removal registered in the runs after it (a clean preview), until the node comes back", async () => {
    const agent = { name: "node4", role: "agent", mac: "52:54:00:00:00:14", ip: "192.168.1.14" };
    const nodes =
      (edit: (n: { name: string }[]) => { name: string }[]) => (values: Record<string, string>) => {
        values["hearth:nodes"] = JSON.stringify(
          edit(JSON.parse(values["hearth:nodes"]) as { name: string }[]),
        );
      };
    const withAgent = nodes((n) => [...n, agent]);
    const removalsOf = (regs: { type: string; inputs: unknown }[]) =>
      regs.filter((r) => r.type === "hearth:cluster:NodeRemoval").map((r) => reveal(r.inputs).node);
    const first = await evaluateStackFile(home, withAgent);
    expect((first.outputs.footprint as { agents: string[] }).agents).toEqual(["node4"]);
    const removing = await evaluateStackFile(home, undefined, first.outputs);
    expect(removalsOf(removing.registrations)).toEqual(["node4"]);
    expect((removing.outputs.footprint as { removed?: string[] }).removed).toEqual(["node4"]);
    // The run after: the same removal is registered again, so the engine plans nothing for it.
    const after = await evaluateStackFile(home, undefined, removing.outputs);
    expect(removalsOf(after.registrations)).toEqual(["node4"]);
    const back = await evaluateStackFile(home, withAgent, after.outputs);
    expect(removalsOf(back.registrations)).toEqual([]);
    expect((back.outputs.footprint as { removed?: string[] }).removed).toBeUndefined();
  });

  it("refuses an app with data removed without a retirement, before any resource registers (its own outputs are read, not registered)", async () => {
    const { outputs } = await evaluateStackFile(home);
    await expect(
      evaluateStackFile(
        home,
        withApps((apps) => {
          apps.enabled = (apps.enabled as string[]).filter((a) => a !== "zot");
        }),
        outputs,
      ),
    ).rejects.toThrow(/hearth:apps\.enabled: "zot" was removed, but it keeps data/);
    const { registrations } = await import("./mocks");
    expect(registrations).toEqual([]);
  });

  it("keeps a namespace an app retired with keep-data left closed to the GitOps repository's Applications", async () => {
    const { outputs } = await evaluateStackFile(home);
    const deniedWith = async (how?: string) => {
      const { registrations: regs } = await evaluateStackFile(
        home,
        withApps((apps) => {
          if (!how) return;
          apps.enabled = (apps.enabled as string[]).filter((a) => a !== "zot");
          apps.retired = { zot: how };
        }),
        outputs,
      );
      const project = regs.find((r) => r.name === "hearth-argocd-project-hearth-apps")!;
      return (reveal(project.inputs).spec.destinations as { namespace: string }[])
        .map((d) => d.namespace)
        .filter((n) => n.startsWith("!"));
    };
    const enabled = await deniedWith();
    expect(enabled).toContain("!zot");
    // Retired with its data: the same project, so the retirement changes nothing of Argo CD's.
    expect(await deniedWith("keep-data")).toEqual(enabled);
    // Its namespace deleted with the data: nothing left to guard.
    expect(await deniedWith("delete-data")).toEqual(enabled.filter((n) => n !== "!zot"));
  });

  it("retires an app: keep-data registers nothing of it, delete-data deletes its namespace (and for argocd the GitOps repository)", async () => {
    const { outputs } = await evaluateStackFile(home);
    const retire = (how: string) =>
      withApps((apps) => {
        apps.enabled = (apps.enabled as string[]).filter((a) => a !== "zot" && a !== "argocd");
        apps.retired = { zot: how, argocd: how };
      });
    const kept = await evaluateStackFile(home, retire("keep-data"), outputs);
    expect(kept.registrations.filter((r) => r.name.includes("zot"))).toEqual([]);
    expect(kept.registrations.filter((r) => r.type === "hearth:app:RetiredData")).toEqual([]);
    const deleted = await evaluateStackFile(home, retire("delete-data"), outputs);
    const retired = deleted.registrations.filter((r) => r.type === "hearth:app:RetiredData");
    expect(retired.map((r) => reveal(r.inputs).namespace).sort()).toEqual(["argocd", "zot"]);
    const argocd = retired.find((r) => reveal(r.inputs).namespace === "argocd")!;
    expect(reveal(argocd.inputs).gitea).toMatchObject({ owner: "hearth", repo: "gitops" });
    expect(isSecretValue(argocd.rawInputs.gitea)).toBe(true);
    expect((deleted.outputs.footprint as { deleted: string[] }).deleted.sort()).toEqual([
      "argocd",
      "zot",
    ]);
  });
});
