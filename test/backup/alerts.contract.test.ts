/** The backup alert rules through promtool (Debian's prometheus): syntax, and behaviour on test series. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { backupAlertRules } from "../../components/backup/alerts";

const dir = mkdtempSync(join(tmpdir(), "hearth-alerts-"));
const rules = join(dir, "rules.yaml");
writeFileSync(rules, backupAlertRules([{ app: "zot", namespace: "zot" }], 8));
const promtool = (...args: string[]) => spawnSync("promtool", args, { encoding: "utf8" });

/** The firing drill alert as promtool reports it. */
const DRILL_STALE = {
  exp_labels: { severity: "critical", app: "zot", namespace: "zot", cronjob: "hearth-drill-zot" },
  exp_annotations: {
    summary: "No good restore drill of zot for 8 days",
    runbook:
      "docs/backups.md#what-a-drill-checks: npm run hearth -- backup status; kubectl -n zot logs job/<latest hearth-drill-zot job> --all-containers",
  },
};

test("promtool accepts the rule file", () => {
  const r = promtool("check", "rules", rules);
  expect(r.stdout + r.stderr).toContain("SUCCESS: 3 rules found");
  expect(r.status).toBe(0);
});

test("promtool refuses a broken rule file (the check can fail)", () => {
  const bad = join(dir, "bad.yaml");
  writeFileSync(
    bad,
    backupAlertRules([{ app: "zot", namespace: "zot" }], 8).replace("time() -", "time() -- ("),
  );
  expect(promtool("check", "rules", bad).status).toBe(1);
});

test("the drill alert fires when the last good drill is older than maxAgeDays, or never happened, and not before", () => {
  const day = 86400;
  const drill =
    'kube_cronjob_status_last_successful_time{namespace="zot",cronjob="hearth-drill-zot"}';
  const backup =
    'kube_cronjob_status_last_successful_time{namespace="zot",cronjob="hearth-backup-zot"}';
  const tests = {
    rule_files: [rules],
    evaluation_interval: "1h",
    tests: [
      {
        // A drill succeeded at t=0 and never again; backups succeed every day. Series every 12 hours.
        interval: "12h",
        input_series: [
          { series: drill, values: "0x40" },
          { series: backup, values: `0+${day / 2}x40` },
        ],
        alert_rule_test: [
          { eval_time: "7d", alertname: "HearthBackupDrillStale", exp_alerts: [] },
          {
            eval_time: "10d",
            alertname: "HearthBackupDrillStale",
            exp_alerts: [DRILL_STALE],
          },
          { eval_time: "10d", alertname: "HearthBackupStale", exp_alerts: [] },
        ],
      },
      {
        interval: "1h",
        input_series: [{ series: backup, values: "0x5" }],
        alert_rule_test: [
          {
            eval_time: "3h",
            alertname: "HearthBackupDrillStale",
            exp_alerts: [DRILL_STALE],
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
