/**
 * The generated dashboards. Their shape is Grafana's: the generator is typed with `@grafana/schema` 13.2.0,
 * so `npm run typecheck` refuses a field Grafana's schema does not have (the broken dashboard below must stay
 * an error, or the typecheck fails on the unused directive). Their queries are handed to vmalert, which
 * parses MetricsQL exactly as VictoriaMetrics answers Grafana, and to promtool for PromQL. No Grafana server
 * can be had here (AGPL), so no dashboard is loaded by Grafana itself.
 */
import type { Dashboard } from "@grafana/schema";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import {
  appDashboard,
  homeDashboard,
  METRICS_DATASOURCE,
  SCHEMA_VERSION,
} from "../../components/observability/dashboards";

const slos = [
  { app: "homepage", title: "Homepage", target: 99.9 },
  { app: "gitea", title: "Gitea", target: 70 },
];
const dashboards = [...slos.map(appDashboard), homeDashboard(slos)];

/** Every query of every panel, as Grafana sends it to the data source. */
function queries(d: Dashboard): string[] {
  return (d.panels ?? []).flatMap((p) =>
    "targets" in p ? (p.targets ?? []).map((t) => String((t as { expr?: string }).expr)) : [],
  );
}

/** A rule file with each query as a recording rule: both checkers parse every `expr`. */
function asRules(exprs: string[]): string {
  return stringify({
    groups: [
      { name: "dashboards", rules: exprs.map((expr, i) => ({ record: `hearth:dash_${i}`, expr })) },
    ],
  });
}

const dir = mkdtempSync(join(tmpdir(), "hearth-dash-"));
const vmalert = join(
  process.env.HEARTH_CACHE ?? join(homedir(), ".cache", "hearth"),
  "sandbox",
  "bin",
  "vmalert",
);

test("every panel's query parses in vmalert (MetricsQL) and promtool (PromQL); a broken one is refused", () => {
  const all = dashboards.flatMap(queries);
  expect(all.length).toBeGreaterThanOrEqual(15);
  const good = join(dir, "good.yaml");
  writeFileSync(good, asRules(all));
  const vm = spawnSync(vmalert, ["-dryRun", `-rule=${good}`], { encoding: "utf8" });
  expect(vm.status).toBe(0);
  const prom = spawnSync("promtool", ["check", "rules", good], { encoding: "utf8" });
  expect(prom.stdout + prom.stderr).toContain(`SUCCESS: ${all.length} rules found`);

  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, asRules([`${all[0]} /`]));
  expect(spawnSync(vmalert, ["-dryRun", `-rule=${bad}`], { encoding: "utf8" }).status).not.toBe(0);
  expect(spawnSync("promtool", ["check", "rules", bad], { encoding: "utf8" }).status).toBe(1);
});

test("each dashboard has a stable uid, Grafana's schema version, and reads the provisioned data source", () => {
  expect(dashboards.map((d) => d.uid)).toEqual(["hearth-homepage", "hearth-gitea", "hearth-home"]);
  for (const d of dashboards) {
    expect(d.schemaVersion).toBe(SCHEMA_VERSION);
    for (const p of d.panels ?? [])
      expect((p as { datasource?: unknown }).datasource).toEqual(METRICS_DATASOURCE);
  }
  // The budget panel divides by the app's own budget: 0.001 for 99.9%, 0.3 for 70%.
  expect(queries(dashboards[0])[1]).toMatch(/\/ 0\.001$/);
  expect(queries(dashboards[1])[1]).toMatch(/\/ 0\.3$/);
});

test("Grafana's schema refuses a dashboard field of the wrong type or a panel of the wrong shape", () => {
  const badRefresh: Dashboard = {
    title: "x",
    // @ts-expect-error refresh is an interval such as "1m", not a number.
    refresh: 60,
  };
  const badPanel: Dashboard = {
    title: "x",
    schemaVersion: 42,
    panels: [
      {
        type: "stat",
        // @ts-expect-error gridPos is an object of x, y, w and h.
        gridPos: "top",
      },
    ],
  };
  expect([badRefresh, badPanel]).toHaveLength(2);
});
