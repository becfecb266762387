/**
 * `npm run charts:mirror -- DIR`: pulls every recipe's pinned chart into DIR for an air-gapped home
 * (`hearth:charts.localDir`, after unpacking) or for `npm run check:charts -- --charts DIR`:
 * `helm pull <name> --repo <repository> --version <pin> -d DIR`, or `helm pull oci://...` for OCI
 * registries. Needs network access to the chart repositories; reports each chart that could not be
 * pulled and exits 1 when any could not.
 */
import { existsSync, mkdirSync } from "fs";
import { resolve } from "path";
import { catalogue } from "../apps";
import { ChartRef } from "../apps/recipe";
import { findHelm, runHelm } from "./chart-checks";

/** The `helm pull` arguments for one pinned chart. */
export function pullArgs(chart: ChartRef, dir: string): string[] {
  const source = chart.repository.startsWith("oci://")
    ? [`${chart.repository.replace(/\/+$/, "")}/${chart.name}`]
    : [chart.name, "--repo", chart.repository];
  return ["pull", ...source, "--version", chart.version, "-d", dir];
}

function main(args: string[]): number {
  const dir = args[0];
  if (!dir || dir.startsWith("-") || args.length > 1) {
    console.error("usage: npm run charts:mirror -- DIR");
    return 2;
  }
  const helm = findHelm();
  if (!helm) {
    console.error("no helm: set HEARTH_HELM, build the sandbox's helm, or put helm on PATH");
    return 1;
  }
  const to = resolve(dir);
  if (!existsSync(to)) mkdirSync(to, { recursive: true });
  const failed: string[] = [];
  for (const [app, meta] of Object.entries(catalogue)) {
    const { name, version, repository } = meta.chart;
    const what = `${app}: ${name} ${version} from ${repository}`;
    try {
      runHelm(helm, pullArgs(meta.chart, to), 120_000);
      console.log(`${what}: pulled`);
    } catch (e) {
      failed.push(app);
      console.log(`${what}: FAILED: ${(e as Error).message.replace(/\s+/g, " ").trim()}`);
    }
  }
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
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
