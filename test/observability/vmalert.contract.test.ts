/**
 * The generated rule and scrape files through the programs that run them in the cluster, at the version the
 * charts ship (v1.150.0, built from the Go module by scripts/toolchain/build-sandbox.sh vm; the pretest runs
 * it): `vmalert -dryRun` parses every rule file as vmalert loads it (MetricsQL, not PromQL),
 * `vmalert-tool unittest` evaluates the rules on test series, and `victoria-metrics -dryRun` checks the scrape
 * file VictoriaMetrics reads. promtool's checks (the other tests here) are evidence for Prometheus only.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { backupAlertRules } from "../../components/backup/alerts";
import { homeRules } from "../../components/observability/home-alerts";
import { prometheusConfig, scrapeConfig } from "../../components/observability/prometheus";
import { sloRules } from "../../components/observability/slo";

const bin = join(process.env.HEARTH_CACHE ?? join(homedir(), ".cache", "hearth"), "sandbox", "bin");
const tool = (name: string) => {
  const path = join(bin, name);
  if (!existsSync(path))
    throw new Error(
      `${path} is missing: run scripts/toolchain/build-sandbox.sh vm (the pretest does)`,
    );
  return path;
};
const run = (name: string, args: string[]) => {
  const r = spawnSync(tool(name), args, { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

const dir = mkdtempSync(join(tmpdir(), "hearth-vmalert-"));
const slos = [
  { app: "homepage", title: "Homepage", target: 99.9, healthPath: "/api/healthcheck" },
  { app: "argocd", title: "Argo CD", target: 70, healthPath: "/healthz" },
];
const files: Record<string, string> = {
  "hearth-slo.rules.yaml": sloRules(slos),
  "hearth-home.rules.yaml": homeRules(),
  "hearth-backups.rules.yaml": backupAlertRules([{ app: "zot", namespace: "zot" }], 7),
};
mkdirSync(join(dir, "rules"));
for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, "rules", f), text);

test("vmalert loads every generated rule file, and refuses a broken one", () => {
  const ok = run("vmalert", ["-dryRun", `-rule=${join(dir, "rules")}/*.yaml`]);
  expect(ok.out).toContain("found 3 files to read");
  expect(ok.status).toBe(0);
  mkdirSync(join(dir, "bad"));
  writeFileSync(
    join(dir, "bad", "slo.yaml"),
    files["hearth-slo.rules.yaml"].replace("expr: ", "expr: sum(( "),
  );
  const bad = run("vmalert", ["-dryRun", `-rule=${join(dir, "bad")}/*.yaml`]);
  expect(bad.out).toContain("bad MetricsQL expr");
  expect(bad.status).not.toBe(0);
});

/** The rule named `alert` for `app` in a rule file: its labels and annotations, as vmalert sends them. */
function expected(file: string, alert: string, app: string, group: string) {
  const doc = parse(files[file]) as {
    groups: {
      name: string;
      rules: {
        alert?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
      }[];
    }[];
  };
  const rule = doc.groups
    .find((g) => g.name === group)!
    .rules.find((r) => r.alert === alert && (r.labels?.app ?? app) === app)!;
  return {
    exp_labels: { ...rule.labels, app },
    exp_annotations: rule.annotations ?? {},
  };
}

/** Runs one `vmalert-tool unittest` group; returns its output and status. */
function unittest(group: Record<string, unknown>) {
  const f = join(dir, `test-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    f,
    stringify({
      rule_files: Object.keys(files).map((name) => join(dir, "rules", name)),
      evaluation_interval: "1m",
      tests: [group],
    }),
  );
  return run("vmalert-tool", ["unittest", `--files=${f}`]);
}

test("vmalert pages within minutes for a 99.9% app that is down, and for a 70% app only after an hour", () => {
  const probe = (app: string) => `probe_success{job="hearth-probe",app="${app}"}`;
  const burn = (app: string) =>
    expected("hearth-slo.rules.yaml", "HearthSLOBurnFast", app, "hearth-slo-alerts");
  const r = unittest({
    interval: "1m",
    input_series: [
      // Up for 3 hours, then down for 2 hours, as the promtool test of the same rules.
      { series: probe("homepage"), values: "1x180 0x120" },
      { series: probe("argocd"), values: "1x180 0x120" },
    ],
    alert_rule_test: [
      {
        eval_time: "170m",
        groupname: "hearth-slo-alerts",
        alertname: "HearthSLOBurnFast",
        exp_alerts: [],
      },
      {
        eval_time: "190m",
        groupname: "hearth-slo-alerts",
        alertname: "HearthSLOBurnFast",
        exp_alerts: [burn("homepage")],
      },
      {
        eval_time: "250m",
        groupname: "hearth-slo-alerts",
        alertname: "HearthSLOBurnFast",
        exp_alerts: [burn("argocd"), burn("homepage")],
      },
    ],
  });
  expect(r.out).not.toContain("FAILED");
  expect(r.status).toBe(0);
});

test("vmalert-tool fails a test whose alert does not fire, so the passing ones mean something", () => {
  const r = unittest({
    interval: "1m",
    input_series: [{ series: 'probe_success{job="hearth-probe",app="homepage"}', values: "1x70" }],
    alert_rule_test: [
      {
        eval_time: "65m",
        groupname: "hearth-slo-alerts",
        alertname: "HearthSLOBurnFast",
        exp_alerts: [
          expected("hearth-slo.rules.yaml", "HearthSLOBurnFast", "homepage", "hearth-slo-alerts"),
        ],
      },
    ],
  });
  expect(r.out).toContain("FAILED");
  expect(r.status).not.toBe(0);
});

test("vmalert flags a backup that never succeeded, from kube-state-metrics' series", () => {
  const doc = parse(files["hearth-backups.rules.yaml"]) as { groups: { name: string }[] };
  const group = doc.groups[0].name;
  const r = unittest({
    interval: "1m",
    input_series: [
      {
        series:
          'kube_cronjob_status_last_successful_time{namespace="zot",cronjob="hearth-drill-zot"}',
        values: "0x90",
      },
    ],
    alert_rule_test: [
      {
        eval_time: "61m",
        groupname: group,
        alertname: "HearthBackupStale",
        exp_alerts: [
          (({ exp_labels, exp_annotations }) => ({
            // absent() keeps the selector's labels, in vmalert as in Prometheus.
            exp_labels: { ...exp_labels, namespace: "zot", cronjob: "hearth-backup-zot" },
            exp_annotations,
          }))(expected("hearth-backups.rules.yaml", "HearthBackupStale", "zot", group)),
        ],
      },
    ],
  });
  expect(r.out).not.toContain("FAILED");
  expect(r.status).toBe(0);
});

test("VictoriaMetrics accepts the scrape file, and refuses the Prometheus file it is cut from", () => {
  const targets = {
    probes: [{ app: "homepage", url: "https://home.hearth.test/api/healthcheck" }],
    blackbox: "blackbox-exporter.blackbox-exporter.svc.cluster.local:9115",
    kubeStateMetrics: "kube-state-metrics.kube-state-metrics.svc.cluster.local:8080",
  };
  const check = (text: string) => {
    const f = join(dir, `scrape-${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(f, text);
    return run("victoria-metrics", [
      `-promscrape.config=${f}`,
      "-dryRun",
      `-storageDataPath=${join(dir, "vmdata")}`,
    ]);
  };
  const ok = check(scrapeConfig(targets));
  expect(ok.out).toContain("-promscrape.config is ok");
  expect(ok.status).toBe(0);
  // rule_files and alerting are Prometheus's, which is why VictoriaMetrics gets the cut copy (ADR 11).
  const whole = check(
    prometheusConfig({ ...targets, alertmanager: "alertmanager.vmalert.svc:9093" }),
  );
  expect(whole.out).toContain("cannot parse Prometheus config");
  expect(whole.status).not.toBe(0);
});
