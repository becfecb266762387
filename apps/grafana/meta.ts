import { AppMetadata } from "../recipe";

/** Grafana: the dashboards (ADR 11), signing in through Authelia. */
export const meta: AppMetadata = {
  name: "grafana",
  title: "Grafana",
  description: "Dashboards: each app's availability and error budget, and the home's own health.",
  category: "observability",
  chart: {
    repository: "https://grafana-community.github.io/helm-charts",
    name: "grafana",
    version: "12.11.1",
  },
  appVersion: "13.2.0",
  subdomain: "grafana",
  healthPath: "/api/health",
  sso: "oidc",
  // Its dashboards and data source are provisioned from the stack; sign-ins come from Authelia.
  backup: false,
  keepsData: "dashboards and settings made in its UI (SQLite on a volume)",
  needs: ["victoria-metrics"],
  provides: [],
  testedBy: "apps/grafana/values.test.ts",
};
