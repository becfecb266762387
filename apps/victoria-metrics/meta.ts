import { AppMetadata } from "../recipe";

/**
 * VictoriaMetrics single-node: the home's metrics store (ADR 11). It scrapes the blackbox exporter's probes
 * and kube-state-metrics with Hearth's scrape file and answers vmalert's queries.
 */
export const meta: AppMetadata = {
  name: "victoria-metrics",
  title: "VictoriaMetrics",
  description:
    "The metrics store: scrapes the health probes and the cluster's state, answers the alert rules.",
  category: "observability",
  chart: {
    repository: "https://victoriametrics.github.io/helm-charts",
    name: "victoria-metrics-single",
    version: "0.45.0",
  },
  appVersion: "v1.150.0",
  sso: "none",
  // Metrics are rebuilt by scraping; the alerts' state lives in vmalert's remote write, here too.
  backup: false,
  keepsData: "the metrics history (a volume)",
  needs: ["blackbox-exporter", "kube-state-metrics"],
  provides: [],
  testedBy: "apps/victoria-metrics/values.test.ts",
};
