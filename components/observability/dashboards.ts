/**
 * Grafana dashboards generated from the catalogue (ADR 11): one per app with an SLO (availability over the
 * SLO window, error budget left, burn rates, probe latency) and one for the home (every app's availability,
 * nodes, disks, certificates, Argo CD). Typed with Grafana's own schema package, `@grafana/schema` 13.2.0 (the
 * version the pinned chart ships, Grafana 13.2.0; Apache-2.0), so `npm run typecheck` holds every field to
 * Grafana's dashboard schema; `schemaVersion` is that package's current one (`defaultDashboard`, 42). The
 * series are the ones the rules read (slo.ts, home-alerts.ts). No Grafana server can be built here (it is
 * AGPL, so its module is not used), so no dashboard was loaded by a real Grafana.
 */
import type { Dashboard, Panel } from "@grafana/schema";
import { errorRatio, PROBE_JOB } from "./slo";

/** The data source every panel reads: VictoriaMetrics, provisioned in Grafana under this uid. */
export const METRICS_DATASOURCE = { type: "prometheus", uid: "hearth-metrics" };

/** Grafana's dashboard schema version in @grafana/schema 13.2.0 (`defaultDashboard.schemaVersion`). */
export const SCHEMA_VERSION = 42;

/** One app's SLO, as the rules are made. */
export interface DashboardSlo {
  app: string;
  title: string;
  /** Percent, e.g. 99.9. */
  target: number;
}

const probe = (app: string) => `probe_success{job="${PROBE_JOB}",app="${app}"}`;

function panel(
  id: number,
  title: string,
  type: "stat" | "timeseries" | "table",
  gridPos: { x: number; y: number; w: number; h: number },
  exprs: { expr: string; legend?: string }[],
  unit: string,
  description: string,
): Panel {
  return {
    id,
    title,
    type,
    description,
    gridPos,
    datasource: METRICS_DATASOURCE,
    targets: exprs.map((e, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: METRICS_DATASOURCE,
      expr: e.expr,
      ...(e.legend ? { legendFormat: e.legend } : {}),
    })),
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: {},
  };
}

/** The dashboard of one app: its availability against the target, the budget left, burn rates and latency. */
export function appDashboard(slo: DashboardSlo): Dashboard {
  // Rounded, so the query reads 0.001 rather than 1 - 0.999's float.
  const budget = Number((1 - slo.target / 100).toPrecision(6));
  const p = probe(slo.app);
  return {
    uid: `hearth-${slo.app}`,
    title: `${slo.title}: availability`,
    description: `The ${slo.target}% availability SLO of ${slo.title} (docs/runbooks.md#${slo.app}).`,
    tags: ["hearth", "slo", slo.app],
    editable: false,
    schemaVersion: SCHEMA_VERSION,
    time: { from: "now-7d", to: "now" },
    refresh: "1m",
    panels: [
      panel(
        1,
        "Availability, 30 days",
        "stat",
        { x: 0, y: 0, w: 8, h: 6 },
        [{ expr: `avg_over_time(${p}[30d])` }],
        "percentunit",
        `Share of probes of the health path that succeeded; the target is ${slo.target}%.`,
      ),
      panel(
        2,
        "Error budget left, 30 days",
        "stat",
        { x: 8, y: 0, w: 8, h: 6 },
        [{ expr: `1 - (1 - avg_over_time(${p}[30d])) / ${budget}` }],
        "percentunit",
        "1 is untouched, 0 is spent: what the target allows to fail that has not failed yet.",
      ),
      panel(
        3,
        "Up now",
        "stat",
        { x: 16, y: 0, w: 8, h: 6 },
        [{ expr: p }],
        "bool_yes_no",
        "The last probe of the health path, from inside the cluster.",
      ),
      panel(
        4,
        "Burn rate",
        "timeseries",
        { x: 0, y: 6, w: 12, h: 8 },
        ["5m", "1h", "6h", "1d"].map((w) => ({
          expr: `${errorRatio(w)}{app="${slo.app}"} / ${budget}`,
          legend: w,
        })),
        "none",
        "How fast the budget burns, 1 being exactly the target; the fast-burn page fires at 14.4 (1h and 5m).",
      ),
      panel(
        5,
        "Probe duration",
        "timeseries",
        { x: 12, y: 6, w: 12, h: 8 },
        [
          {
            expr: `probe_duration_seconds{job="${PROBE_JOB}",app="${slo.app}"}`,
            legend: "duration",
          },
        ],
        "s",
        "Time the blackbox exporter took to fetch the health path.",
      ),
    ],
  };
}

/** The home's dashboard: every app's availability beside the nodes, disks, certificates and Argo CD. */
export function homeDashboard(slos: DashboardSlo[]): Dashboard {
  return {
    uid: "hearth-home",
    title: "Hearth: the home",
    description:
      "Every app's availability, and what the home's own alerts watch (docs/observability.md).",
    tags: ["hearth"],
    editable: false,
    schemaVersion: SCHEMA_VERSION,
    time: { from: "now-24h", to: "now" },
    refresh: "1m",
    panels: [
      panel(
        1,
        "Availability, 24 hours",
        "timeseries",
        { x: 0, y: 0, w: 24, h: 8 },
        slos.map((s) => ({ expr: `avg_over_time(${probe(s.app)}[1h])`, legend: s.title })),
        "percentunit",
        "Each app's probes that succeeded, over the last hour at each point.",
      ),
      panel(
        2,
        "Nodes ready",
        "stat",
        { x: 0, y: 8, w: 8, h: 6 },
        [{ expr: 'sum(kube_node_status_condition{condition="Ready",status="true"})' }],
        "none",
        "Nodes whose Ready condition is true (kube-state-metrics).",
      ),
      panel(
        3,
        "Disk space left",
        "timeseries",
        { x: 8, y: 8, w: 16, h: 6 },
        [
          {
            expr: 'min by (instance, mountpoint) (node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes{fstype!~"tmpfs|overlay"})',
            legend: "{{instance}} {{mountpoint}}",
          },
        ],
        "percentunit",
        "Free share of each writable disk file system (node_exporter, when it runs).",
      ),
      panel(
        4,
        "Certificates: days to expiry",
        "table",
        { x: 0, y: 14, w: 12, h: 8 },
        [{ expr: "(certmanager_certificate_expiration_timestamp_seconds - time()) / 86400" }],
        "d",
        "cert-manager's certificates; renewal normally happens 30 days before.",
      ),
      panel(
        5,
        "Argo CD applications out of sync",
        "stat",
        { x: 12, y: 14, w: 12, h: 8 },
        [{ expr: 'count(argocd_app_info{sync_status!="Synced"}) or vector(0)' }],
        "none",
        "Applications whose live state differs from the GitOps repository.",
      ),
    ],
  };
}
