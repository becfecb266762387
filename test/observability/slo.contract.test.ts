/** The generated SLO rules through promtool (Debian's prometheus): syntax, and when they page on test series. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { sloRules, threshold } from "../../components/observability/slo";

const dir = mkdtempSync(join(tmpdir(), "hearth-slo-"));
const rules = join(dir, "slo.yaml");
writeFileSync(
  rules,
  sloRules([
    { app: "homepage", title: "Homepage", target: 99.9, healthPath: "/api/healthcheck" },
    { app: "gitea", title: "Gitea", target: 70, healthPath: "/api/healthz" },
  ]),
);
const promtool = (...args: string[]) => spawnSync("promtool", args, { encoding: "utf8" });
const series = (app: string) => `probe_success{job="hearth-probe",app="${app}",instance="x"}`;

test("thresholds follow the burn factors, capped at every probe failing", () => {
  expect(threshold(99.9, 14.4)).toBeCloseTo(0.0144);
  expect(threshold(99.9, 1)).toBeCloseTo(0.001);
  expect(threshold(70, 14.4)).toBe(1);
  expect(threshold(70, 3)).toBeCloseTo(0.9);
  expect(() => sloRules([{ app: "x", title: "X", target: 100, healthPath: "/" }])).toThrow(
    "(0, 100)",
  );
});

test("promtool accepts the rules and refuses a broken copy", () => {
  const ok = promtool("check", "rules", rules);
  expect(ok.stdout + ok.stderr).toContain("SUCCESS: 11 rules found");
  const bad = join(dir, "bad.yaml");
  writeFileSync(
    bad,
    sloRules([{ app: "x", title: "X", target: 99, healthPath: "/" }]).replace(
      "avg_over_time(",
      "avg_over_time((",
    ),
  );
  expect(promtool("check", "rules", bad).status).toBe(1);
});

test("a 99.9% app pages within minutes of going down; a 70% beta app only once it is fully down for an hour", () => {
  const page = (app: string) => ({
    exp_labels: { severity: "critical", app, slo: "availability" },
    exp_annotations: {
      summary: `${app === "gitea" ? "Gitea" : "Homepage"} is burning its ${app === "gitea" ? 70 : 99.9}% availability budget fast (page)`,
      runbook: `docs/runbooks.md#${app}: probe https://<host>${app === "gitea" ? "/api/healthz" : "/api/healthcheck"} from inside the cluster; kubectl -n ${app} get pods,events`,
    },
  });
  const tests = {
    rule_files: [rules],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        // Up for 3 hours, then down for 2 hours (one sample a minute).
        input_series: [
          { series: series("homepage"), values: "1x180 0x120" },
          { series: series("gitea"), values: "1x180 0x120" },
        ],
        alert_rule_test: [
          { eval_time: "170m", alertname: "HearthSLOBurnFast", exp_alerts: [] },
          { eval_time: "190m", alertname: "HearthSLOBurnFast", exp_alerts: [page("homepage")] },
          {
            eval_time: "250m",
            alertname: "HearthSLOBurnFast",
            exp_alerts: [page("homepage"), page("gitea")],
          },
        ],
      },
    ],
  };
  const file = join(dir, "tests.yaml");
  writeFileSync(file, stringify(tests));
  const r = promtool("test", "rules", file);
  expect(r.stdout + r.stderr).toContain("SUCCESS");
  expect(r.status).toBe(0);
});
