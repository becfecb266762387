/** The home's own alerts through promtool (Debian's prometheus): syntax, and when they fire on test series. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { homeRules } from "../../components/observability/home-alerts";

const dir = mkdtempSync(join(tmpdir(), "hearth-home-alerts-"));
const rules = join(dir, "home.yaml");
writeFileSync(rules, homeRules());
const promtool = (...args: string[]) => spawnSync("promtool", args, { encoding: "utf8" });

/** Runs `promtool test rules` on one test group and returns its output; the group must pass. */
function promtoolTest(group: Record<string, unknown>): string {
  const file = join(dir, `test-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    stringify({ rule_files: [rules], evaluation_interval: "1m", tests: [group] }),
  );
  const r = promtool("test", "rules", file);
  expect(r.stdout + r.stderr).toContain("SUCCESS");
  expect(r.status).toBe(0);
  return r.stdout;
}

test("promtool accepts the rules and refuses a broken copy", () => {
  const ok = promtool("check", "rules", rules);
  expect(ok.stdout + ok.stderr).toContain("SUCCESS: 7 rules found");
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, homeRules().replace("predict_linear(", "predict_linear(("));
  expect(promtool("check", "rules", bad).status).toBe(1);
  expect(() => homeRules({ diskFreePercent: 0 })).toThrow("(0, 100)");
});

test("a node that stops being Ready pages after 5 minutes; a Ready one never", () => {
  const ready = (node: string) =>
    `kube_node_status_condition{node="${node}",condition="Ready",status="true"}`;
  promtoolTest({
    interval: "1m",
    input_series: [
      { series: ready("node-a"), values: "1x10 0x20" },
      { series: ready("node-b"), values: "1x30" },
    ],
    alert_rule_test: [
      { eval_time: "14m", alertname: "HearthNodeNotReady", exp_alerts: [] },
      {
        eval_time: "16m",
        alertname: "HearthNodeNotReady",
        exp_alerts: [
          {
            exp_labels: {
              severity: "critical",
              scope: "home",
              node: "node-a",
              condition: "Ready",
              status: "true",
            },
            exp_annotations: {
              summary: "Node node-a has not been Ready for 5 minutes",
              runbook: "docs/runbooks.md#home-node-not-ready",
            },
          },
        ],
      },
    ],
  });
});

test("a disk under 10% free pages, a steady writer warns a day ahead, and tmpfs and read-only mounts are left alone", () => {
  const fs = (metric: string, mountpoint: string, fstype: string) =>
    `node_filesystem_${metric}{instance="node-a",device="/dev/vda2",mountpoint="${mountpoint}",fstype="${fstype}"}`;
  const GiB = 1073741824;
  promtoolTest({
    interval: "1m",
    input_series: [
      // / : 100 GiB, 8 GiB free (steady): almost full, not filling.
      { series: fs("size_bytes", "/", "ext4"), values: `${100 * GiB}x120` },
      { series: fs("avail_bytes", "/", "ext4"), values: `${8 * GiB}x120` },
      { series: fs("readonly", "/", "ext4"), values: "0x120" },
      // /var/lib : 100 GiB, 50 GiB free, losing 100 MiB a minute (gone in about 8.5 hours).
      { series: fs("size_bytes", "/var/lib", "ext4"), values: `${100 * GiB}x120` },
      { series: fs("avail_bytes", "/var/lib", "ext4"), values: `${50 * GiB}-${104857600}x120` },
      { series: fs("readonly", "/var/lib", "ext4"), values: "0x120" },
      // /boot : mounted read-only, 1% free: nothing can fill it.
      { series: fs("size_bytes", "/boot", "ext4"), values: `${GiB}x120` },
      { series: fs("avail_bytes", "/boot", "ext4"), values: `${GiB / 100}x120` },
      { series: fs("readonly", "/boot", "ext4"), values: "1x120" },
      // /run : a tmpfs, 1% free: not a disk.
      { series: fs("size_bytes", "/run", "tmpfs"), values: `${GiB}x120` },
      { series: fs("avail_bytes", "/run", "tmpfs"), values: `${GiB / 100}x120` },
      { series: fs("readonly", "/run", "tmpfs"), values: "0x120" },
    ],
    alert_rule_test: [
      {
        eval_time: "20m",
        alertname: "HearthDiskAlmostFull",
        exp_alerts: [
          {
            exp_labels: {
              severity: "critical",
              scope: "home",
              instance: "node-a",
              device: "/dev/vda2",
              mountpoint: "/",
              fstype: "ext4",
            },
            exp_annotations: {
              summary: "/ on node-a has less than 10% free",
              runbook: "docs/runbooks.md#home-disk-almost-full",
            },
          },
        ],
      },
      {
        eval_time: "100m",
        alertname: "HearthDiskFillingUp",
        exp_alerts: [
          {
            exp_labels: {
              severity: "warning",
              scope: "home",
              instance: "node-a",
              device: "/dev/vda2",
              mountpoint: "/var/lib",
              fstype: "ext4",
            },
            exp_annotations: {
              summary: "/var/lib on node-a fills up within a day at its 6-hour rate",
              runbook: "docs/runbooks.md#home-disk-filling-up",
            },
          },
        ],
      },
    ],
  });
});

test("a certificate 10 days from expiry opens a ticket, one 60 days away does not; one not Ready warns", () => {
  const cert = (name: string) =>
    `certmanager_certificate_expiration_timestamp_seconds{namespace="gitea",name="${name}",issuer_name="le",issuer_kind="ClusterIssuer",issuer_group="cert-manager.io"}`;
  const ready = (name: string) =>
    `certmanager_certificate_ready_status{namespace="gitea",name="${name}",condition="True",issuer_name="le",issuer_kind="ClusterIssuer",issuer_group="cert-manager.io"}`;
  // promtool's clock starts at 0: expiry timestamps are seconds from then.
  promtoolTest({
    interval: "1m",
    input_series: [
      { series: cert("soon"), values: `${10 * 86400}x120` },
      { series: cert("later"), values: `${60 * 86400}x120` },
      { series: ready("soon"), values: "1x120" },
      { series: ready("later"), values: "0x120" },
    ],
    alert_rule_test: [
      {
        eval_time: "90m",
        alertname: "HearthCertificateExpiring",
        exp_alerts: [
          {
            exp_labels: {
              severity: "warning",
              scope: "home",
              namespace: "gitea",
              name: "soon",
              issuer_name: "le",
              issuer_kind: "ClusterIssuer",
              issuer_group: "cert-manager.io",
            },
            exp_annotations: {
              summary: "Certificate gitea/soon expires within 14 days",
              runbook: "docs/runbooks.md#home-certificate-expiring",
            },
          },
        ],
      },
      {
        eval_time: "90m",
        alertname: "HearthCertificateNotReady",
        exp_alerts: [
          {
            exp_labels: {
              severity: "warning",
              scope: "home",
              namespace: "gitea",
              name: "later",
              condition: "True",
              issuer_name: "le",
              issuer_kind: "ClusterIssuer",
              issuer_group: "cert-manager.io",
            },
            exp_annotations: {
              summary: "Certificate gitea/later has not been Ready for 30 minutes",
              runbook: "docs/runbooks.md#home-certificate-not-ready",
            },
          },
        ],
      },
    ],
  });
});

// Argo CD sets operation="" when no operation runs, and Prometheus drops an empty label.
test("an Argo CD application out of sync warns after 30 minutes, a degraded one pages after 15", () => {
  const app = (name: string, sync: string, health: string) =>
    `argocd_app_info{namespace="argocd",name="${name}",project="default",autosync_enabled="true",repo="http://gitea/hearth/gitops",dest_server="https://kubernetes.default.svc",dest_namespace="${name}",sync_status="${sync}",health_status="${health}"}`;
  const labels = (name: string, sync: string, health: string) => ({
    namespace: "argocd",
    name,
    project: "default",
    autosync_enabled: "true",
    repo: "http://gitea/hearth/gitops",
    dest_server: "https://kubernetes.default.svc",
    dest_namespace: name,
    sync_status: sync,
    health_status: health,
  });
  promtoolTest({
    interval: "1m",
    input_series: [
      { series: app("homepage", "Synced", "Healthy"), values: "1x60" },
      { series: app("zot", "OutOfSync", "Healthy"), values: "1x60" },
      { series: app("gitea", "Synced", "Degraded"), values: "1x60" },
    ],
    alert_rule_test: [
      { eval_time: "20m", alertname: "HearthArgoAppOutOfSync", exp_alerts: [] },
      {
        eval_time: "40m",
        alertname: "HearthArgoAppOutOfSync",
        exp_alerts: [
          {
            exp_labels: {
              severity: "warning",
              scope: "home",
              ...labels("zot", "OutOfSync", "Healthy"),
            },
            exp_annotations: {
              summary: "Argo CD application zot has been OutOfSync for 30 minutes",
              runbook: "docs/runbooks.md#home-argo-out-of-sync",
            },
          },
        ],
      },
      {
        eval_time: "20m",
        alertname: "HearthArgoAppUnhealthy",
        exp_alerts: [
          {
            exp_labels: {
              severity: "critical",
              scope: "home",
              ...labels("gitea", "Synced", "Degraded"),
            },
            exp_annotations: {
              summary: "Argo CD application gitea is Degraded",
              runbook: "docs/runbooks.md#home-argo-unhealthy",
            },
          },
        ],
      },
    ],
  });
});
