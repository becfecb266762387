import { AppMetadata } from "../recipe";

/**
 * vmalert and Alertmanager (ADR 11): vmalert evaluates Hearth's rule files against VictoriaMetrics and sends
 * what fires to Alertmanager, which routes it to `hearth:observability.notify`.
 */
export const meta: AppMetadata = {
  name: "vmalert",
  title: "vmalert and Alertmanager",
  description:
    "Evaluates the SLO, home and backup alert rules and sends what fires to the declared route.",
  category: "observability",
  chart: {
    repository: "https://victoriametrics.github.io/helm-charts",
    name: "victoria-metrics-alert",
    version: "0.47.0",
  },
  appVersion: "v1.150.0",
  sso: "none",
  backup: false,
  needs: ["victoria-metrics"],
  provides: [],
  testedBy: "apps/vmalert/values.test.ts",
};
