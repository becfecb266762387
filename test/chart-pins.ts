/**
 * For stack files that read charts from a local directory: a folder made here holding each enabled app's chart
 * folder at the version it pins (only Chart.yaml: under mocks nothing renders the chart), put into the values.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import type { AppMetadata } from "../apps/recipe";

/** Points `hearth:charts.localDir` at a new folder of pinned Chart.yaml files; the folder, or none. */
export function withChartPins(
  values: Record<string, string>,
  catalogue: Record<string, AppMetadata>,
): string | undefined {
  const charts = values["hearth:charts"] ? JSON.parse(values["hearth:charts"]) : {};
  if (!charts.localDir) return undefined;
  const apps = JSON.parse(values["hearth:apps"] ?? "{}");
  const dir = mkdtempSync(join(tmpdir(), "hearth-charts-"));
  for (const app of apps.enabled ?? []) {
    const chart = catalogue[app].chart;
    const version = apps.settings?.[app]?.chartVersion ?? chart.version;
    mkdirSync(join(dir, chart.name), { recursive: true });
    writeFileSync(
      join(dir, chart.name, "Chart.yaml"),
      `apiVersion: v2\nname: ${chart.name}\nversion: ${version}\n`,
    );
  }
  values["hearth:charts"] = JSON.stringify({ ...charts, localDir: dir });
  return dir;
}
