import * as fs from "fs";
import * as path from "path";
import { AppOverrides, ChartRef } from "../types";

/** What `k8s.helm.v3.Release` needs to fetch one pinned chart. */
export interface ReleaseChart {
  /** Chart name with a repository, an `oci://` reference, or a local folder path. */
  chart: string;
  version: string;
  /** Set only for classic HTTP(S) chart repositories. */
  repositoryOpts?: { repo: string };
}

// Semantic version with an optional leading "v" (cert-manager tags its charts that way),
// pre-release and build.
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * Throws an operator error unless `version` names exactly one chart release (no ranges, no
 * wildcards).
 */
export function assertExactVersion(app: string, version: string): void {
  if (!EXACT_VERSION.test(version)) {
    throw new Error(
      `app "${app}": chart version "${version}" is not an exact version. Hearth pins every chart so a ` +
        `deploy is repeatable; set an exact version such as 1.2.3 (in apps/${app}.ts or ` +
        `hearth:apps.settings.${app}.chartVersion).`,
    );
  }
}

/** The recipe's chart pin with the operator's `chartVersion` override applied. */
export function resolveChart(chart: ChartRef, overrides?: AppOverrides): ChartRef {
  return overrides?.chartVersion ? { ...chart, version: overrides.chartVersion } : chart;
}

/** The `version:` field of a Chart.yaml, or undefined when it has none. */
export function chartYamlVersion(chartYaml: string): string | undefined {
  const match = /^version:\s*["']?([^"'\s#]+)/m.exec(chartYaml);
  return match?.[1];
}

/** Strips a leading "v" so `v1.2.3` and `1.2.3` compare equal, as Helm treats them. */
function bare(version: string): string {
  return version.replace(/^v/, "");
}

/**
 * A chart's folder in a local chart directory: `<name>-<version>/` when the directory holds several versions of
 * it side by side (a mirror kept across upgrades), else `<name>/`.
 */
export function localChartDir(localDir: string, ref: ChartRef): string {
  const versioned = path.join(localDir, `${ref.name}-${bare(ref.version)}`);
  return fs.existsSync(path.join(versioned, "Chart.yaml"))
    ? versioned
    : path.join(localDir, ref.name);
}

/**
 * Where the release reads its chart: its folder in the local chart directory when one is configured
 * (`localChartDir`; Helm ignores `version` for a folder, so the caller checks it with `checkLocalChart`),
 * an `oci://` reference for OCI registries, otherwise the chart name in its HTTP repository.
 */
export function releaseChart(app: string, ref: ChartRef, localDir?: string): ReleaseChart {
  assertExactVersion(app, ref.version);
  if (localDir) return { chart: localChartDir(localDir, ref), version: ref.version };
  if (ref.repository.startsWith("oci://")) {
    return { chart: `${ref.repository.replace(/\/+$/, "")}/${ref.name}`, version: ref.version };
  }
  return { chart: ref.name, version: ref.version, repositoryOpts: { repo: ref.repository } };
}

/**
 * Refuses a local chart folder that is missing or holds a different version than the pin, because
 * Helm would silently install whatever the folder contains.
 */
export function checkLocalChart(app: string, ref: ChartRef, chartDir: string): void {
  const chartYaml = path.join(chartDir, "Chart.yaml");
  if (!fs.existsSync(chartYaml)) {
    const source = ref.repository.startsWith("oci://")
      ? `${ref.repository}/${ref.name}`
      : `${ref.name} --repo ${ref.repository}`;
    throw new Error(
      `app "${app}": no chart at ${chartDir} (hearth:charts.localDir is set, so charts are read from ` +
        `there). Copy chart "${ref.name}" version ${ref.version} into that folder, e.g. with ` +
        `\`helm pull ${source} --version ${ref.version} --untar\`, or unset hearth:charts.localDir.`,
    );
  }
  const found = chartYamlVersion(fs.readFileSync(chartYaml, "utf8"));
  if (!found || bare(found) !== bare(ref.version)) {
    throw new Error(
      `app "${app}": ${chartYaml} has version ${found ?? "(none)"} but Hearth pins ${ref.version}. ` +
        `Replace the folder with chart version ${ref.version} (or add it beside as ` +
        `${ref.name}-${bare(ref.version)}/), or set ` +
        `hearth:apps.settings.${app}.chartVersion to the version you vendored.`,
    );
  }
}

/**
 * A local chart folder as the release's `chart` input: relative to the working directory, which the program and
 * the Kubernetes provider share (the engine starts both in the project's `main` folder, `stacks/`), so the
 * state holds no absolute path of the operator's machine (their home folder, their user name) and a checkout
 * moved elsewhere is no change. A `./` keeps it a path, never a chart name to look up in a repository.
 */
export function chartPathInState(chartDir: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, chartDir);
  if (relative === "") return ".";
  return relative.startsWith("..") ? relative : `./${relative}`;
}
