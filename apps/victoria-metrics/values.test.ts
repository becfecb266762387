/**
 * VictoriaMetrics' names and values (ADR 11). That the chart takes them is checked by rendering: the stand-in
 * in test/local-charts.test.ts, and the real chart at its pin with `npm run check:charts -- --charts DIR`.
 */
import { VM_SCRAPE_CONFIGMAP, VM_URL, victoriaMetricsValues } from "./values";

/* eslint-disable @typescript-eslint/no-explicit-any */

describe("VictoriaMetrics' values", () => {
  it("pin the Service vmalert and Grafana query", () => {
    expect(VM_URL).toBe("http://victoria-metrics.victoria-metrics.svc.cluster.local:8428");
  });

  it("read Hearth's scrape file and keep a volume", () => {
    const v = victoriaMetricsValues("30d") as any;
    expect(v.server.fullnameOverride).toBe("victoria-metrics");
    expect(v.server.scrape).toEqual({ enabled: true, configMap: VM_SCRAPE_CONFIGMAP });
    expect(v.server.retentionPeriod).toBe("30d");
    expect(v.server.persistentVolume.enabled).toBe(true);
    expect(v.rbac.create).toBe(false);
  });
});
