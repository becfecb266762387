import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { catalogue } from "../apps";
import { existsSync, readFileSync } from "fs";
import { checkLocalChart, localChartDir, resolveChart } from "../components/app/chart-source";
import { schemaProblems } from "../components/app/values-schema";
import { LoadedConfig, loadConfig } from "./config";
import { installCheapStackTraces } from "./stack-traces";
import { Homelab } from "./homelab";
import { ConfigError, Problem } from "./validate";
import { changeProblems, Footprint, footprintFromOutputs, footprintOf } from "./day2";

/** With `hearth:charts.localDir`, every enabled app's pinned chart must be there before anything changes. */
export function localChartProblems(c: LoadedConfig): Problem[] {
  const dir = c.charts.localDir;
  if (dir === undefined) return [];
  const problems: Problem[] = [];
  for (const app of c.apps.enabled) {
    const chart = resolveChart(catalogue[app].chart, c.apps.settings[app]);
    const chartDir = localChartDir(path.resolve(dir), chart);
    try {
      checkLocalChart(app, chart, chartDir);
    } catch (e) {
      const key = process.env.HEARTH_CHARTS
        ? "HEARTH_CHARTS (environment)"
        : "hearth:charts.localDir";
      problems.push({ path: key, message: (e as Error).message });
      continue;
    }
    // The operator's values override against the chart's own schema, as Helm would judge it mid-deploy.
    const override = c.apps.settings[app]?.values;
    const schemaFile = path.join(chartDir, "values.schema.json");
    if (override && existsSync(schemaFile)) {
      const schema = JSON.parse(readFileSync(schemaFile, "utf8")) as unknown;
      for (const p of schemaProblems(schema, override)) {
        problems.push({
          path: `hearth:apps.settings.${app}.values`,
          message: `${p} (chart ${chart.name} ${chart.version}); fix or remove the override`,
        });
      }
    }
  }
  return problems;
}

/**
 * The previous run's outputs, read through a reference to this very stack before anything else registers: what
 * the home held then is what a change is checked against (stacks/day2.ts). A new stack has none.
 */
async function previousOutputs(): Promise<Record<string, unknown>> {
  const self = new pulumi.StackReference(
    `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  );
  const read = async (name: string) => (await self.getOutputDetails(name)).value;
  const [footprint, urls, backups] = await Promise.all([
    read("footprint"),
    read("urls"),
    read("backups"),
  ]);
  return { footprint, urls, backups };
}

/**
 * The program: the previous run's outputs read, validated config and preflight checks, then the change checked
 * against what the previous run left (day 2), then one `Homelab`; returns the stack outputs. Every refusal comes
 * before any resource is registered (the stack's own outputs are only read).
 */
export async function program() {
  if (!process.env.HEARTH_FULL_STACK_TRACES) installCheapStackTraces();
  // What the previous run left comes first: validation weighs some changes against it (a shrinking cluster).
  const { footprint: previous, legacy } = footprintFromOutputs(await previousOutputs(), catalogue);
  const config = loadConfig(catalogue, { serversBefore: previous?.servers.length || undefined });
  const problems = localChartProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const footprint: Footprint = footprintOf(config, catalogue, previous);
  const changes = changeProblems(previous, footprint, config, catalogue, legacy);
  if (changes.length > 0) throw new ConfigError(changes);
  const home = new Homelab("hearth", { config, previous });
  return {
    footprint: pulumi.output(footprint),
    urls: home.urls,
    kubeconfig: home.kubeconfig,
    adminCredentials: home.adminCredentials,
    ...(home.identityLogins && {
      identityLogins: home.identityLogins,
      identityHelp: pulumi.output(
        "Each user signs in at the identity provider with the initial password in the secret output " +
          "identityLogins.<user> (pulumi stack output identityLogins --show-secrets) and registers a second " +
          "factor there; the one-time code for that is written to the provider's notification file " +
          "(docs/identity.md).",
      ),
    }),
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
