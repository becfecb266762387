import { AppMetadata } from "../recipe";

/**
 * VictoriaLogs single-node: the home's log store (ADR 11), fed by the collector on every node, with its own
 * web UI (`/select/vmui`) behind forward-auth.
 */
export const meta: AppMetadata = {
  name: "victoria-logs",
  title: "VictoriaLogs",
  description: "The log store: every pod's logs from every node, searchable in its web UI.",
  category: "observability",
  chart: {
    repository: "https://victoriametrics.github.io/helm-charts",
    name: "victoria-logs-single",
    version: "0.13.9",
  },
  appVersion: "v1.52.0",
  subdomain: "logs",
  healthPath: "/health",
  // Its web UI has no sign-in of its own.
  sso: "forward-auth",
  // Logs age out (retention); nothing in them is the home's state.
  backup: false,
  keepsData: "the collected logs (a volume)",
  needs: [],
  provides: [],
  testedBy: "apps/victoria-logs/values.test.ts",
};
