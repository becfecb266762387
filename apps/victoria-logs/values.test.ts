/**
 * VictoriaLogs' names and values (ADR 11). That the chart takes them is checked by rendering: the stand-in in
 * test/local-charts.test.ts, and the real chart at its pin with `npm run check:charts -- --charts DIR`.
 */
import { VL_URL, victoriaLogsValues } from "./values";

/* eslint-disable @typescript-eslint/no-explicit-any */

describe("VictoriaLogs' values", () => {
  it("pin the Service the collector sends to, by its base URL", () => {
    expect(VL_URL).toBe("http://victoria-logs.victoria-logs.svc.cluster.local:9428");
  });

  it("keep logs for the retention asked, in a restricted pod, without the bundled Vector", () => {
    const v = victoriaLogsValues("14d") as any;
    expect(v.server.fullnameOverride).toBe("victoria-logs");
    expect(v.server.retentionPeriod).toBe("14d");
    expect(v.server.podSecurityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    expect(v.vector.enabled).toBe(false);
  });
});
