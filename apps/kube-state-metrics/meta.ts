import { AppMetadata } from "../recipe";

/** kube-state-metrics (ADR 11): the cluster's objects as metrics, scraped by VictoriaMetrics. */
export const meta: AppMetadata = {
  name: "kube-state-metrics",
  title: "kube-state-metrics",
  description:
    "The cluster's objects as metrics: nodes, CronJobs, Jobs, certificates, Argo CD apps.",
  category: "observability",
  chart: {
    repository: "https://prometheus-community.github.io/helm-charts",
    name: "kube-state-metrics",
    version: "8.4.0",
  },
  // Chart.yaml appVersion; the image tag is "v" + it.
  appVersion: "2.20.0",
  sso: "none",
  backup: false,
  needs: [],
  provides: [],
  testedBy: "apps/kube-state-metrics/values.test.ts",
};
