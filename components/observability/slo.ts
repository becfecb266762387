/**
 * Availability SLOs generated from the catalogue: every app with a health path is probed from inside the
 * cluster (the blackbox exporter's `probe_success`, one series per app, job "hearth-probe"), and gets
 * multi-window, multi-burn-rate alerts as the SRE workbook's "Alerting on SLOs" chapter sets them out: page
 * when 2% of a 30-day budget burns in an hour (14.4x, over 1h and 5m) or 5% in six hours (6x, over 6h and
 * 30m); open a ticket at 10% in three days (1x over 3d and 6h) or 3x over 1d and 2h. Every alert names its
 * runbook line in docs/runbooks.md. The rule file is checked by promtool (check rules, test rules) in tests.
 */
import { stringify } from "yaml";

/** Prometheus job of the blackbox probes; each series carries an `app` label. */
export const PROBE_JOB = "hearth-probe";

/** One app's SLO. */
export interface AppSlo {
  app: string;
  title: string;
  /** Availability target in percent, in (0, 100). */
  target: number;
  /** Probed path, for the runbook. */
  healthPath: string;
}

/** The burn-rate windows: [long, short, factor, severity]. */
export const BURN_WINDOWS = [
  ["1h", "5m", 14.4, "critical"],
  ["6h", "30m", 6, "critical"],
  ["1d", "2h", 3, "warning"],
  ["3d", "6h", 1, "warning"],
] as const;

const WINDOWS = [...new Set(BURN_WINDOWS.flatMap(([l, s]) => [l, s]))];

/** The recorded error ratio of an app's probes over a window. */
export const errorRatio = (w: string) => `hearth:probe_error_ratio:avg${w}`;

/** The anchor of an app's runbook line in docs/runbooks.md. */
export const runbookAnchor = (app: string) => `docs/runbooks.md#${app}`;

/**
 * The threshold a window's error ratio must reach: factor x budget, capped at 1 (a 70% "beta" target has a
 * 30% budget, so 14.4x of it is more than every probe failing; then all failing is what pages).
 */
export function threshold(target: number, factor: number): number {
  const budget = (100 - target) / 100;
  return Math.min(+(factor * budget).toPrecision(6), 1);
}

/** The rule file: recording rules for every window, then two alerts per app (page and ticket). */
export function sloRules(apps: AppSlo[]): string {
  for (const a of apps) {
    if (!(a.target > 0 && a.target < 100)) {
      throw new Error(`SLO of ${a.app}: target ${a.target} must lie in (0, 100)`);
    }
  }
  const recording = WINDOWS.map((w) => ({
    record: errorRatio(w),
    expr: `1 - avg by (app) (avg_over_time(probe_success{job="${PROBE_JOB}"}[${w}]))`,
  }));
  const alerts = apps.flatMap((a) => {
    const sel = `{app="${a.app}"}`;
    const clause = (long: string, short: string, factor: number) => {
      const t = threshold(a.target, factor);
      return `(${errorRatio(long)}${sel} >= ${t} and ${errorRatio(short)}${sel} >= ${t})`;
    };
    const group = (severity: "critical" | "warning") =>
      BURN_WINDOWS.filter(([, , , s]) => s === severity)
        .map(([l, s, f]) => clause(l, s, f))
        .join(" or ");
    const annotations = (what: string) => ({
      summary: `${a.title} is burning its ${a.target}% availability budget ${what}`,
      runbook: `${runbookAnchor(a.app)}: probe https://<host>${a.healthPath} from inside the cluster; kubectl -n ${a.app} get pods,events`,
    });
    return [
      {
        alert: "HearthSLOBurnFast",
        expr: group("critical"),
        labels: { severity: "critical", app: a.app, slo: "availability" },
        annotations: annotations("fast (page)"),
      },
      {
        alert: "HearthSLOBurnSlow",
        expr: group("warning"),
        labels: { severity: "warning", app: a.app, slo: "availability" },
        annotations: annotations("slowly (ticket)"),
      },
    ];
  });
  return stringify({
    groups: [
      { name: "hearth-slo-recording", interval: "1m", rules: recording },
      { name: "hearth-slo-alerts", rules: alerts },
    ],
  });
}

/** One runbook line per app with an SLO, for docs/runbooks.md. */
export function runbookMarkdown(apps: AppSlo[]): string {
  const lines = [
    "# Runbooks",
    "",
    "Generated from the catalogue by `npm run docs` (components/observability/slo.ts). Every alert names its line here.",
    "",
  ];
  for (const a of apps) {
    lines.push(
      `## ${a.app}`,
      "",
      `${a.title} answers \`${a.healthPath}\`. HearthSLOBurnFast pages when the probes fail fast enough to spend the ` +
        `${a.target}% budget within days; HearthSLOBurnSlow opens a ticket. Look at \`kubectl -n ${a.app} get pods,events\`, ` +
        `the app's logs, and whether its Ingress and certificate still answer; a failed upgrade is rolled back by its atomic release.`,
      "",
    );
  }
  return lines.join("\n");
}
