/**
 * `npm run check:charts [-- --charts DIR] [--json] [stack files...]`: checks every enabled app of each
 * stack file (by default the examples and the dev stack) against the chart it would really install,
 * rendered by `helm template` with exactly the values the program gives its release (an evaluation
 * under Pulumi mocks, nothing contacted).
 *
 * The chart of an app's pin comes from `--charts DIR` (`<name>/` whose Chart.yaml has the pinned
 * version, or `<name>-<version>.tgz`), else from the stack's `hearth:charts.localDir`; with neither, the
 * app is "not checked", never passed. `npm run charts:mirror -- DIR` fills such a folder where the
 * network allows.
 *
 * Exit status: 0 when nothing failed (apps "not checked" included), 1 when a check failed, 2 on usage.
 * Also `npm run hearth -- check-charts`.
 */
import { execFileSync } from "child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "fs";
import { tmpdir } from "os";
import { join, relative, resolve } from "path";
import { ChartRef } from "../../apps/recipe";
import { chartYamlVersion, localChartDir } from "../../components/app/chart-source";
import { findHelm, renderChart } from "../charts/helm";
import { EXAMPLE_STACKS, ReleasePlan, stackReleasePlans } from "../charts/release-plans";
import { renderProblems } from "../charts/render-checks";
import { valuesProblems } from "../charts/values-keys";
import { Command, parseArgs, Usage } from "../command";
import { ROOT } from "../pulumi";

/** One stack × app line of the report. */
export interface ChartCheck {
  stack: string;
  app: string;
  chart: ChartRef;
  status: "ok" | "fail" | "not checked";
  /** Why it failed, or why it was not checked. */
  reasons: string[];
  /** The chart folder or archive that was rendered. */
  source?: string;
  /** What an "ok" did not cover, said beside it. */
  notes?: string[];
}

export interface CheckOptions {
  stackFiles?: string[];
  chartsDir?: string;
  /** The helm binary; `null` for none. Found as `findHelm` does when left out. */
  helm?: string | null;
}

const bare = (v: string) => v.replace(/^v/, "");

/** A chart folder of the pinned version in `dir`, or a `<name>-<version>.tgz`; what was seen if not. */
function lookIn(
  dir: string,
  pin: ChartRef,
  archives: boolean,
): { chart?: string; analyse?: string; seen?: string } {
  const folder = localChartDir(dir, pin);
  let seen: string | undefined;
  if (existsSync(join(folder, "Chart.yaml"))) {
    const found = chartYamlVersion(readFileSync(join(folder, "Chart.yaml"), "utf8"));
    if (found && bare(found) === bare(pin.version)) return { chart: folder, analyse: folder };
    seen = `${folder} has version ${found ?? "(none)"}`;
  }
  if (archives) {
    for (const version of new Set([pin.version, bare(pin.version), `v${bare(pin.version)}`])) {
      const tgz = join(dir, `${pin.name}-${version}.tgz`);
      if (!existsSync(tgz)) continue;
      const to = mkdtempSync(join(tmpdir(), "hearth-chart-"));
      execFileSync("tar", ["-xzf", tgz, "-C", to]);
      const unpacked = readdirSync(to).map((d) => join(to, d));
      return { chart: tgz, analyse: unpacked.find((d) => existsSync(join(d, "Chart.yaml"))) };
    }
  }
  return { seen };
}

/** Where the pinned chart is: `--charts DIR` first, then the stack's local chart folder. */
function locateChart(
  pin: ChartRef,
  chartsDir: string | undefined,
  localDir: string | undefined,
): { chart?: string; analyse?: string; looked: string[] } {
  const looked: string[] = [];
  for (const [dir, archives, label] of [
    [chartsDir, true, "--charts"],
    [localDir, false, "hearth:charts.localDir"],
  ] as const) {
    if (!dir) continue;
    const found = lookIn(dir, pin, archives);
    if (found.chart) return { ...found, looked };
    const what = archives
      ? `${join(dir, pin.name)}/ or ${pin.name}-${pin.version}.tgz`
      : `${join(dir, pin.name)}/`;
    looked.push(`${label} ${found.seen ? `${what} (${found.seen})` : what}`);
  }
  if (looked.length === 0) looked.push("none: no --charts folder and no hearth:charts.localDir");
  return { looked };
}

function checkPlan(
  stack: string,
  plan: ReleasePlan,
  options: { chartsDir?: string; localDir?: string; helm?: string },
): ChartCheck {
  const base = { stack, app: plan.app, chart: plan.pin };
  if (!options.helm) {
    return {
      ...base,
      status: "not checked",
      reasons: ["no helm (set HEARTH_HELM, build the sandbox's helm, or put helm on PATH)"],
    };
  }
  const where = locateChart(plan.pin, options.chartsDir, options.localDir);
  if (!where.chart || !where.analyse) {
    return {
      ...base,
      status: "not checked",
      reasons: [
        `no chart for ${plan.app} (${plan.pin.name} ${plan.pin.version}) in ${where.looked.join(", ")}; ` +
          `run npm run charts:mirror -- DIR where the network allows`,
      ],
    };
  }
  const reasons = valuesProblems(where.analyse, plan.values);
  const notes: string[] = [];
  try {
    const docs = renderChart(options.helm, plan, where.chart, {
      onRemoteSchema: (url) =>
        notes.push(
          `the chart's values.schema.json loads ${url}, unreachable here: helm rendered without it, and the values were checked against the schema's own definitions only`,
        ),
    });
    reasons.push(...renderProblems(docs, plan));
  } catch (e) {
    reasons.push(`render failed: ${(e as Error).message.replace(/\s+/g, " ").trim()}`);
  }
  return {
    ...base,
    status: reasons.length ? "fail" : "ok",
    reasons,
    source: where.chart,
    ...(notes.length ? { notes } : {}),
  };
}

/** Checks every release of every stack file; a stack that does not evaluate is one failed line. */
export async function checkCharts(options: CheckOptions = {}): Promise<ChartCheck[]> {
  const helm = options.helm === null ? undefined : (options.helm ?? findHelm());
  const results: ChartCheck[] = [];
  for (const file of options.stackFiles ?? EXAMPLE_STACKS) {
    const stack = relative(ROOT, resolve(file)) || file;
    let evaluated: Awaited<ReturnType<typeof stackReleasePlans>>;
    // The program's info messages (Pulumi's log prints them on stdout under mocks) are not this
    // report's; its warnings and errors still reach stderr.
    const log = console.log;
    console.log = () => undefined;
    try {
      evaluated = await stackReleasePlans(resolve(file), { ignoreLocalDir: true });
    } catch (e) {
      results.push({
        stack,
        app: "(stack)",
        chart: { repository: "", name: "", version: "" },
        status: "fail",
        reasons: [`the stack does not evaluate: ${(e as Error).message}`],
      });
      continue;
    } finally {
      console.log = log;
    }
    for (const plan of evaluated.plans) {
      results.push(
        checkPlan(stack, plan, {
          chartsDir: options.chartsDir,
          localDir: evaluated.localDir,
          helm,
        }),
      );
    }
  }
  return results;
}

/** 1 when any check failed, else 0 ("not checked" alone is not a failure). */
export function exitCode(results: ChartCheck[]): number {
  return results.some((r) => r.status === "fail") ? 1 : 0;
}

export function summary(results: ChartCheck[]): string {
  const count = (s: ChartCheck["status"]) => results.filter((r) => r.status === s).length;
  return (
    `${results.length} app releases: ${count("ok")} ok, ${count("fail")} failed, ` +
    `${count("not checked")} not checked`
  );
}

/** One line per stack × app, then the summary. */
export function formatResults(results: ChartCheck[]): string {
  const lines = results.map((r) => {
    const pin = r.chart.name ? ` (${r.chart.name} ${r.chart.version})` : "";
    const head = `${r.stack} ${r.app}${pin}`;
    const shown = r.source && relative(process.cwd(), r.source);
    const from = r.source ? ` [${shown && !shown.startsWith("..") ? shown : r.source}]` : "";
    if (r.status === "ok") return `${head}: ok${from}${r.notes ? ` (${r.notes.join("; ")})` : ""}`;
    if (r.status === "fail") return `${head}: FAIL${from}: ${r.reasons.join("; ")}`;
    return `${head}: not checked: ${r.reasons.join("; ")}`;
  });
  return [...lines, summary(results)].join("\n");
}

/** `check-charts` (`npm run check:charts`). */
export const command: Command = {
  name: "check-charts",
  usage: "check-charts [--charts DIR] [--json] [stack files...]   (npm run check:charts)",
  summary:
    "each enabled app's pinned chart rendered by helm with the program's values, and checked",
  async run(argv) {
    const { words, flags } = parseArgs(argv, { booleans: ["json"], values: ["charts"] });
    let chartsDir: string | undefined;
    if (typeof flags.charts === "string") {
      if (!existsSync(flags.charts)) throw new Usage(`--charts ${flags.charts}: no such folder`);
      chartsDir = resolve(flags.charts);
    }
    for (const file of words) if (!existsSync(file)) throw new Usage(`${file}: no such stack file`);
    const results = await checkCharts({
      chartsDir,
      stackFiles: words.length ? words : undefined,
    });
    const code = exitCode(results);
    if (flags.json)
      console.log(JSON.stringify({ results, summary: summary(results), exitCode: code }, null, 2));
    else console.log(formatResults(results));
    return code;
  },
};
