import { AppMetadata } from "../recipe";

/**
 * The log collector: vlagent on every node, reading the kubelet's pod logs and sending them to VictoriaLogs
 * (ADR 11).
 */
export const meta: AppMetadata = {
  name: "victoria-logs-collector",
  title: "VictoriaLogs collector",
  description: "Reads every pod's logs on each node and sends them to VictoriaLogs.",
  category: "observability",
  chart: {
    repository: "https://victoriametrics.github.io/helm-charts",
    name: "victoria-logs-collector",
    version: "0.3.7",
  },
  appVersion: "v1.52.0",
  sso: "none",
  backup: false,
  needs: ["victoria-logs"],
  provides: [],
  testedBy: "apps/victoria-logs-collector/values.test.ts",
};
