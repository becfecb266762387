import { AppMetadata } from "../recipe";

/**
 * The blackbox exporter (ADR 11): fetches every app's health path from inside the cluster when VictoriaMetrics
 * asks (the SLOs' series).
 */
export const meta: AppMetadata = {
  name: "blackbox-exporter",
  title: "Blackbox exporter",
  description: "Probes every app's health path from inside the cluster, for the SLOs.",
  category: "observability",
  chart: {
    repository: "https://prometheus-community.github.io/helm-charts",
    name: "prometheus-blackbox-exporter",
    version: "11.17.2",
  },
  appVersion: "v0.28.0",
  sso: "none",
  backup: false,
  needs: [],
  provides: [],
  testedBy: "apps/blackbox-exporter/values.test.ts",
};
