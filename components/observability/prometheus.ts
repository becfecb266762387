/**
 * The scrape side of the SLOs: a Prometheus configuration whose "hearth-probe" job asks the blackbox exporter
 * to fetch every app's health path at its public URL from inside the cluster (the series the SLO rules read:
 * `probe_success{job="hearth-probe", app}`), scrapes kube-state-metrics (the backup alerts' series), loads every
 * rule file mounted under /etc/prometheus/rules and sends alerts to Alertmanager; and the blackbox exporter's
 * own module file. Checked by `promtool check config` and `prometheus-blackbox-exporter --config.check`
 * (Debian's packages) in the tests.
 */
import { stringify } from "yaml";
import { PROBE_JOB } from "./slo";

/** Where the rule ConfigMaps (label hearth.dev/prometheus-rules) are mounted. */
export const RULES_DIR = "/etc/prometheus/rules";

export interface ScrapeTargets {
  /** app -> URL of its health path. */
  probes: { app: string; url: string }[];
  /** host:port of the blackbox exporter. */
  blackbox: string;
  /** host:port of kube-state-metrics. */
  kubeStateMetrics: string;
  /** host:port of Alertmanager. */
  alertmanager: string;
}

/** The whole Prometheus configuration: what `promtool check config` checks. */
export function prometheusConfig(t: ScrapeTargets): string {
  return stringify({
    global: { scrape_interval: "30s", evaluation_interval: "1m" },
    rule_files: [`${RULES_DIR}/*.yaml`],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [t.alertmanager] }] }] },
    scrape_configs: scrapeConfigs(t),
  });
}

/**
 * The copy VictoriaMetrics reads with `-promscrape.config` (ADR 11): the same `global` and `scrape_configs`,
 * without `rule_files` and `alerting`, which vmalert does instead and VictoriaMetrics would refuse.
 */
export function scrapeConfig(t: Omit<ScrapeTargets, "alertmanager">): string {
  return stringify({
    global: { scrape_interval: "30s" },
    scrape_configs: scrapeConfigs(t),
  });
}

function scrapeConfigs(t: Omit<ScrapeTargets, "alertmanager">): Record<string, unknown>[] {
  return [
    {
      job_name: PROBE_JOB,
      metrics_path: "/probe",
      params: { module: ["http_2xx"] },
      static_configs: t.probes.map((p) => ({ targets: [p.url], labels: { app: p.app } })),
      relabel_configs: [
        { source_labels: ["__address__"], target_label: "__param_target" },
        { source_labels: ["__param_target"], target_label: "instance" },
        { target_label: "__address__", replacement: t.blackbox },
      ],
    },
    { job_name: "kube-state-metrics", static_configs: [{ targets: [t.kubeStateMetrics] }] },
  ];
}

/** The blackbox exporter's modules: http_2xx answers success only for a 2xx within 10 s, over IPv4 first. */
export function blackboxConfig(): string {
  return stringify({
    modules: {
      http_2xx: {
        prober: "http",
        timeout: "10s",
        http: {
          valid_status_codes: [],
          follow_redirects: true,
          preferred_ip_protocol: "ip4",
          fail_if_not_ssl: false,
        },
      },
    },
  });
}
