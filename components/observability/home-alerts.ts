/**
 * Alerts for the home itself, beside the per-app SLOs (slo.ts) and the backup alerts (components/backup):
 * nodes, disks filling, certificates expiring, and Argo CD sync health. Every alert names its runbook line in
 * docs/runbooks.md. The rule file is checked by promtool (check rules, test rules) in tests.
 *
 * The series and labels are the exporters' own, read at these tags:
 * - kube-state-metrics v2.20.0, internal/store/node.go: `kube_node_status_condition{node, condition, status}`,
 *   one series per condition and status ("true", "false", "unknown"), value 1 for the current one;
 * - node_exporter v1.12.1, collector/filesystem_common.go: `node_filesystem_avail_bytes`,
 *   `node_filesystem_size_bytes` and `node_filesystem_readonly`, labels device, mountpoint, fstype;
 * - cert-manager v1.21.1 (the pin), pkg/metrics/metrics.go and
 *   certificates_test.go: `certmanager_certificate_expiration_timestamp_seconds{name, namespace, ...}` and
 *   `certmanager_certificate_ready_status{condition="True"|"False"|"Unknown", name, namespace, ...}`;
 * - Argo CD v3.4.4 (what the pinned argo-cd chart 10.1.1 ships), controller/metrics/metrics.go:
 *   `argocd_app_info{namespace, name, project, ..., sync_status, health_status}`, value 1 (`descAppInfo`
 *   and its `addGauge` in the collector).
 */
import { stringify } from "yaml";

/** What the home alerts are tuned by. */
export interface HomeAlertSettings {
  /** A file system with less free space than this, in percent, pages. @default 10 */
  diskFreePercent?: number;
  /** A certificate expiring within this many days opens a ticket. @default 14 */
  certificateDays?: number;
}

/** File systems that are not disks: in memory, or a container's layered root. */
const NOT_A_DISK = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.*"';

/** One home alert and its runbook line. */
interface HomeAlert {
  alert: string;
  expr: string;
  for: string;
  severity: "critical" | "warning";
  summary: string;
  /** The runbook's anchor in docs/runbooks.md and its one line there. */
  anchor: string;
  runbook: string;
}

function homeAlerts(settings: HomeAlertSettings = {}): HomeAlert[] {
  const free = settings.diskFreePercent ?? 10;
  const days = settings.certificateDays ?? 14;
  if (!(free > 0 && free < 100)) {
    throw new Error(`home alerts: diskFreePercent ${free} must lie in (0, 100)`);
  }
  if (!(days > 0)) throw new Error(`home alerts: certificateDays ${days} must be positive`);
  const disk = `{${NOT_A_DISK}}`;
  const writable = `node_filesystem_readonly${disk} == 0`;
  return [
    {
      alert: "HearthNodeNotReady",
      expr: 'kube_node_status_condition{condition="Ready",status="true"} == 0',
      for: "5m",
      severity: "critical",
      summary: "Node {{ $labels.node }} has not been Ready for 5 minutes",
      anchor: "home-node-not-ready",
      runbook:
        "`kubectl describe node <node>` shows which condition failed; if it is off or unreachable, power it on or check its network; k3s restarts with `systemctl restart k3s` (or k3s-agent) on the node.",
    },
    {
      alert: "HearthDiskAlmostFull",
      expr: `node_filesystem_avail_bytes${disk} / node_filesystem_size_bytes${disk} * 100 < ${free} and ${writable}`,
      for: "15m",
      severity: "critical",
      summary: `{{ $labels.mountpoint }} on {{ $labels.instance }} has less than ${free}% free`,
      anchor: "home-disk-almost-full",
      runbook:
        "Find what grew with `du -xh --max-depth=2 <mountpoint> | sort -h | tail`; container images go with `k3s crictl rmi --prune`, old logs with `journalctl --vacuum-size=200M`; a volume that is full needs a bigger claim.",
    },
    {
      alert: "HearthDiskFillingUp",
      expr: `predict_linear(node_filesystem_avail_bytes${disk}[6h], 24 * 3600) < 0 and ${writable}`,
      for: "1h",
      severity: "warning",
      summary:
        "{{ $labels.mountpoint }} on {{ $labels.instance }} fills up within a day at its 6-hour rate",
      anchor: "home-disk-filling-up",
      runbook:
        "Something writes steadily: look at the fastest-growing directory (`du` twice, an hour apart) and at pods writing logs in a loop (`kubectl top pods -A`); act before HearthDiskAlmostFull pages.",
    },
    {
      alert: "HearthCertificateExpiring",
      expr: `certmanager_certificate_expiration_timestamp_seconds - time() < ${days} * 86400`,
      for: "1h",
      severity: "warning",
      summary: `Certificate {{ $labels.namespace }}/{{ $labels.name }} expires within ${days} days`,
      anchor: "home-certificate-expiring",
      runbook:
        "cert-manager renews a third of a lifetime ahead (30 days for a 90-day Let's Encrypt certificate), so renewal is failing: `kubectl -n <namespace> describe certificate <name>` and the newest CertificateRequest and Order name the ACME or DNS-01 error (often the Cloudflare DNS token).",
    },
    {
      alert: "HearthCertificateNotReady",
      expr: 'certmanager_certificate_ready_status{condition="True"} == 0',
      for: "30m",
      severity: "warning",
      summary:
        "Certificate {{ $labels.namespace }}/{{ $labels.name }} has not been Ready for 30 minutes",
      anchor: "home-certificate-not-ready",
      runbook:
        "`kubectl -n <namespace> describe certificate <name>` gives the reason; until it is Ready the app is served with the previous certificate or none.",
    },
    {
      alert: "HearthArgoAppOutOfSync",
      expr: 'argocd_app_info{sync_status!="Synced"} == 1',
      for: "30m",
      severity: "warning",
      summary:
        "Argo CD application {{ $labels.name }} has been {{ $labels.sync_status }} for 30 minutes",
      anchor: "home-argo-out-of-sync",
      runbook:
        "`kubectl -n argocd get application <name> -o yaml` shows the sync result; a manifest the API server refuses, or a hand edit in the cluster, keeps it out of sync. Fix the GitOps repo, not the cluster.",
    },
    {
      alert: "HearthArgoAppUnhealthy",
      expr: 'argocd_app_info{health_status!~"Healthy|Progressing"} == 1',
      for: "15m",
      severity: "critical",
      summary: "Argo CD application {{ $labels.name }} is {{ $labels.health_status }}",
      anchor: "home-argo-unhealthy",
      runbook:
        "The application's resource tree in Argo CD marks the unhealthy object; `kubectl -n <dest_namespace> get pods,events` usually names it (image pull, crash loop, pending volume).",
    },
  ];
}

/** The home's rule file (one group). */
export function homeRules(settings: HomeAlertSettings = {}): string {
  const rules = homeAlerts(settings).map((a) => ({
    alert: a.alert,
    expr: a.expr,
    for: a.for,
    labels: { severity: a.severity, scope: "home" },
    annotations: { summary: a.summary, runbook: `docs/runbooks.md#${a.anchor}` },
  }));
  return stringify({ groups: [{ name: "hearth-home-alerts", rules }] });
}

/** The runbook section for the home alerts, for docs/runbooks.md. */
export function homeRunbookMarkdown(settings: HomeAlertSettings = {}): string {
  const lines = [
    "## The home",
    "",
    "Generated from components/observability/home-alerts.ts. Defaults: a file system pages under " +
      `${settings.diskFreePercent ?? 10}% free; a certificate opens a ticket ${settings.certificateDays ?? 14} days before it expires.`,
    "",
  ];
  for (const a of homeAlerts(settings)) {
    lines.push(
      `<a id="${a.anchor}"></a>`,
      `**${a.alert}** (${a.severity}, after ${a.for}): ${a.runbook}`,
      "",
    );
  }
  return lines.join("\n");
}
