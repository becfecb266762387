/** The generated Prometheus and blackbox configurations through their real checkers. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  blackboxConfig,
  prometheusConfig,
  RULES_DIR,
} from "../../components/observability/prometheus";
import { sloRules } from "../../components/observability/slo";

const dir = mkdtempSync(join(tmpdir(), "hearth-prom-"));

function promConfig(): string {
  // The rules directory as the pod mounts it, here a temporary one holding the generated SLO rules.
  mkdirSync(join(dir, "rules"), { recursive: true });
  writeFileSync(
    join(dir, "rules", "hearth-slo.rules.yaml"),
    sloRules([
      { app: "homepage", title: "Homepage", target: 99.9, healthPath: "/api/healthcheck" },
    ]),
  );
  return prometheusConfig({
    probes: [{ app: "homepage", url: "https://home.hearth.test/api/healthcheck" }],
    blackbox: "blackbox-exporter.monitoring.svc:9115",
    kubeStateMetrics: "kube-state-metrics.monitoring.svc:8080",
    alertmanager: "alertmanager.monitoring.svc:9093",
  }).replace(RULES_DIR, join(dir, "rules"));
}

test("promtool accepts the Prometheus configuration with the generated rules, and refuses a broken one", () => {
  const f = join(dir, "prometheus.yml");
  writeFileSync(f, promConfig());
  const ok = spawnSync("promtool", ["check", "config", f], { encoding: "utf8" });
  expect(ok.stdout + ok.stderr).toContain("SUCCESS: 1 rule files found");
  expect(ok.status).toBe(0);
  writeFileSync(f, promConfig().replace("scrape_interval: 30s", "scrape_interval: thirty"));
  expect(spawnSync("promtool", ["check", "config", f], { encoding: "utf8" }).status).toBe(1);
});

test("the blackbox exporter accepts its module file and refuses a broken one", () => {
  const f = join(dir, "blackbox.yml");
  const run = () =>
    spawnSync("prometheus-blackbox-exporter", ["--config.check", `--config.file=${f}`], {
      encoding: "utf8",
    });
  writeFileSync(f, blackboxConfig());
  const ok = run();
  expect(ok.status).toBe(0);
  // A misspelt field (blackbox_exporter 0.23's check does not look at the prober's name, but refuses unknown
  // fields).
  writeFileSync(f, blackboxConfig().replace("follow_redirects", "follow_redirect"));
  const bad = run();
  expect(bad.status).toBe(1);
  expect(bad.stdout + bad.stderr).toContain("field follow_redirect not found");
});
