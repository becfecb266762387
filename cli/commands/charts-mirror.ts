/**
 * `npm run charts:mirror -- DIR`: pulls every recipe's pinned chart into DIR for an air-gapped home
 * (`hearth:charts.localDir`, after unpacking) or for `npm run check:charts -- --charts DIR`:
 * `helm pull <name> --repo <repository> --version <pin> -d DIR`, or `helm pull oci://...` for OCI
 * registries. Needs network access to the chart repositories; reports each chart that could not be
 * pulled and exits 1 when any could not. Also `npm run hearth -- charts-mirror DIR`.
 */
import { existsSync, mkdirSync } from "fs";
import { resolve } from "path";
import { catalogue } from "../../apps";
import { ChartRef } from "../../apps/recipe";
import { findHelm, runHelm } from "../charts/helm";
import { Command, parseArgs, Usage } from "../command";

/** The `helm pull` arguments for one pinned chart. */
export function pullArgs(chart: ChartRef, dir: string): string[] {
  const source = chart.repository.startsWith("oci://")
    ? [`${chart.repository.replace(/\/+$/, "")}/${chart.name}`]
    : [chart.name, "--repo", chart.repository];
  return ["pull", ...source, "--version", chart.version, "-d", dir];
}

/** What pulling every pinned chart into `dir` gave: the catalogue apps pulled, and those that failed. */
export function mirrorCharts(
  dir: string,
  pull: (args: string[]) => void,
  say: (line: string) => void,
): { pulled: string[]; failed: string[] } {
  const pulled: string[] = [];
  const failed: string[] = [];
  for (const [app, meta] of Object.entries(catalogue)) {
    const { name, version, repository } = meta.chart;
    const what = `${app}: ${name} ${version} from ${repository}`;
    try {
      pull(pullArgs(meta.chart, dir));
      pulled.push(app);
      say(`${what}: pulled`);
    } catch (e) {
      failed.push(app);
      say(`${what}: FAILED: ${(e as Error).message.replace(/\s+/g, " ").trim()}`);
    }
  }
  return { pulled, failed };
}

/** `charts-mirror` (`npm run charts:mirror`). */
export const command: Command = {
  name: "charts-mirror",
  usage: "charts-mirror DIR   (npm run charts:mirror -- DIR)",
  summary:
    "helm pull of every recipe's pinned chart into DIR, for an air-gapped home or check-charts",
  async run(argv) {
    const { words } = parseArgs(argv);
    if (words.length !== 1) throw new Usage("name one folder to pull the charts into");
    const dir = words[0];
    const helm = findHelm();
    if (!helm) {
      console.error("no helm: set HEARTH_HELM, build the sandbox's helm, or put helm on PATH");
      return 1;
    }
    const to = resolve(dir);
    if (!existsSync(to)) mkdirSync(to, { recursive: true });
    const { failed } = mirrorCharts(to, (args) => runHelm(helm, args, 120_000), console.log);
    const total = Object.keys(catalogue).length;
    if (failed.length) {
      console.log(
        `${failed.length} of ${total} charts could not be pulled (${failed.join(", ")}) into ${to}. ` +
          `Pulling needs network access to the chart repositories; run this where the network allows, ` +
          `then copy the folder here.`,
      );
      return 1;
    }
    console.log(
      `${total} charts pulled into ${to}; check them: npm run check:charts -- --charts ${dir}`,
    );
    return 0;
  },
};
