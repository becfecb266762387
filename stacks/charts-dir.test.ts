/** Where charts come from: HEARTH_CHARTS over hearth:charts.localDir, relative to the project root. */
import { join } from "node:path";
import { chartsDir } from "./config";

describe("chartsDir", () => {
  const saved = process.env.HEARTH_CHARTS;
  afterEach(() => {
    if (saved === undefined) delete process.env.HEARTH_CHARTS;
    else process.env.HEARTH_CHARTS = saved;
  });
  it("resolves the stack's folder against the project root, and has none without one", () => {
    delete process.env.HEARTH_CHARTS;
    expect(chartsDir("charts")).toBe(join(process.cwd(), "charts"));
    expect(chartsDir(undefined)).toBeUndefined();
  });
  it("takes HEARTH_CHARTS over the stack's folder", () => {
    process.env.HEARTH_CHARTS = "/srv/upstream-charts";
    expect(chartsDir("charts")).toBe("/srv/upstream-charts");
    expect(chartsDir(undefined)).toBe("/srv/upstream-charts");
  });
});
