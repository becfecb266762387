/**
 * Alert rules for the backups, as a Prometheus rule file: a drill whose last success is older than
 * `maxAgeDays` (or that never succeeded), a backup CronJob without a success for two days, and a failed backup
 * or drill Job. The series are kube-state-metrics' (internal/store/cronjob.go and job.go at v2.20.0:
 * kube_cronjob_status_last_successful_time{namespace,cronjob}, since v2.5.0, and
 * kube_job_status_failed{namespace,job_name}), so the drill needs no exporter of its own. Validated by
 * promtool (check rules, and test rules with series) in the tests; the stack ships the file in a ConfigMap for
 * the observability stack to load.
 */
import { stringify } from "yaml";
import { backupNames } from "./job-spec";

/** The rule file for these apps (namespace = app name, as the recipes deploy them). */
export function backupAlertRules(
  apps: { app: string; namespace: string }[],
  maxAgeDays: number,
): string {
  const rules = apps.flatMap(({ app, namespace }) => {
    const n = backupNames(app);
    const sel = (cronjob: string) => `namespace="${namespace}",cronjob="${cronjob}"`;
    return [
      {
        alert: "HearthBackupDrillStale",
        expr:
          `(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{${sel(n.drill)}}) > ${maxAgeDays} * 86400)` +
          ` or absent(kube_cronjob_status_last_successful_time{${sel(n.drill)}})`,
        for: "1h",
        labels: { severity: "critical", app },
        annotations: {
          summary: `No good restore drill of ${app} for ${maxAgeDays} days`,
          runbook: `docs/backups.md#what-a-drill-checks: npm run hearth -- backup status; kubectl -n ${namespace} logs job/<latest ${n.drill} job> --all-containers`,
        },
      },
      {
        alert: "HearthBackupStale",
        expr:
          `(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{${sel(n.backup)}}) > 2 * 86400)` +
          ` or absent(kube_cronjob_status_last_successful_time{${sel(n.backup)}})`,
        for: "1h",
        labels: { severity: "critical", app },
        annotations: {
          summary: `No successful backup of ${app} for 2 days`,
          runbook: `docs/backups.md: npm run hearth -- backup status shows each target's error; npm run hearth -- backup now ${app}`,
        },
      },
      {
        alert: "HearthBackupJobFailed",
        expr: `max by (job_name) (kube_job_status_failed{namespace="${namespace}",job_name=~"${n.backup}-.+|${n.drill}-.+"}) > 0`,
        labels: { severity: "warning", app },
        annotations: {
          summary: `A backup or drill Job of ${app} failed: {{ $labels.job_name }}`,
          runbook: `kubectl -n ${namespace} logs job/{{ $labels.job_name }} --all-containers names the target and restic's error`,
        },
      },
    ];
  });
  return stringify({ groups: [{ name: "hearth-backups", rules }] });
}
