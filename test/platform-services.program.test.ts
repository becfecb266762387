/**
 * What the platform gives every app, in the whole program under mocks: backups (an AppBackup with its CronJobs
 * for every enabled app with data, the etcd snapshots' S3 Secret, the `backups` outputs the operator commands
 * read), alerting (the observability apps, SLO rules and probes for every app with a health path, the
 * notification route's secret kept in a Secret) and single sign-on (Authelia's OIDC clients, forward-auth rules
 * and users, each app's client secret in a Secret of its own, the identity outputs).
 */
import { join } from "path";
import { parse as parseYaml } from "yaml";
import { catalogue } from "../apps";
import { evaluateStackFile } from "../cli/evaluate/evaluate";
import { examples, root, withLocalCharts } from "./program-helpers";
import { isSecretValue, reveal } from "./mocks";

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
