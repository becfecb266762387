import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { catalogue } from "../apps";
import { checkLocalChart, resolveChart } from "../components/app/chart-source";
import { LoadedConfig, loadConfig } from "./config";
import { installCheapStackTraces } from "./stack-traces";
import { Homelab } from "./homelab";
import { ConfigError, Problem } from "./validate";

/** With `hearth:charts.localDir`, every enabled app's pinned chart must be there before anything changes. */
export function localChartProblems(c: LoadedConfig): Problem[] {
  const dir = c.charts.localDir;
  if (dir === undefined) return [];
  const problems: Problem[] = [];
  for (const app of c.apps.enabled) {
    const chart = resolveChart(catalogue[app].chart, c.apps.settings[app]);
    try {
      checkLocalChart(app, chart, path.join(path.resolve(dir), chart.name));
    } catch (e) {
      const key = process.env.HEARTH_CHARTS
        ? "HEARTH_CHARTS (environment)"
        : "hearth:charts.localDir";
      problems.push({ path: key, message: (e as Error).message });
    }
  }
  return problems;
}

/** The program: validated config and preflight checks, then one `Homelab`; returns the stack outputs. */
export function program() {
  if (!process.env.HEARTH_FULL_STACK_TRACES) installCheapStackTraces();
  const config = loadConfig(catalogue);
  const problems = localChartProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const home = new Homelab("hearth", { config });
  return {
    urls: home.urls,
    kubeconfig: home.kubeconfig,
    adminCredentials: home.adminCredentials,
    ...(home.backups && {
      backups: pulumi.output(home.backups),
      backupAccess: home.backupAccess,
      backupEscrow: pulumi.output(
        "Every backup is encrypted with the restic password in the secret output backupAccess.password; " +
          "without it no snapshot can be read. Print it once with `pulumi stack output backupAccess " +
          "--show-secrets` and keep a copy away from the home and from this stack (docs/backups.md).",
      ),
    }),
  };
}
