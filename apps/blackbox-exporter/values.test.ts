/**
 * The blackbox exporter's names and values (ADR 11). That the chart takes them is checked by rendering: the
 * stand-in in test/local-charts.test.ts, and the real chart at its pin with `npm run check:charts -- --charts DIR`.
 */
import { BLACKBOX_ADDRESS, blackboxValues } from "./values";

describe("the blackbox exporter's values", () => {
  it("pin the Service VictoriaMetrics sends probes to", () => {
    expect(BLACKBOX_ADDRESS).toBe("blackbox-exporter.blackbox-exporter.svc.cluster.local:9115");
    expect(blackboxValues().fullnameOverride).toBe("blackbox-exporter");
  });
});
