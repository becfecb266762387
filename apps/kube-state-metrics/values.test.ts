/**
 * kube-state-metrics' names and values (ADR 11). That the chart takes them is checked by rendering: the
 * stand-in in test/local-charts.test.ts, and the real chart at its pin with `npm run check:charts -- --charts DIR`.
 */
import { KSM_ADDRESS, kubeStateMetricsValues } from "./values";

describe("kube-state-metrics' values", () => {
  it("pin the Service VictoriaMetrics scrapes", () => {
    expect(KSM_ADDRESS).toBe("kube-state-metrics.kube-state-metrics.svc.cluster.local:8080");
    expect(kubeStateMetricsValues().fullnameOverride).toBe("kube-state-metrics");
  });
});
