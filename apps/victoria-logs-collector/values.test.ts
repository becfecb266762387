/**
 * The log collector's values (ADR 11). That the chart takes them is checked by rendering: the stand-in in
 * test/local-charts.test.ts, and the real chart at its pin with `npm run check:charts -- --charts DIR`.
 */
import { VL_URL } from "../victoria-logs/values";
import { collectorValues } from "./values";

describe("the collector's values", () => {
  it("send to VictoriaLogs' Service by its base URL, which the chart completes", () => {
    expect(collectorValues().remoteWrite).toEqual([{ url: VL_URL }]);
  });
});
