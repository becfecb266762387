/**
 * `npm run check:charts` (cli/commands/check-charts.ts) against the stand-in charts and against copies of them
 * broken on purpose (a missing Service, a duplicate mount, a values key no chart reads, a missing chart).
 * Renders need a helm binary, found as the tool finds it; without one those tests are skipped and say so.
 */
import { execFileSync } from "child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse as parseYaml } from "yaml";
import { catalogue } from "../../apps";
import { findHelm } from "../charts/helm";
import { CHARTS_DIR, DEV_STACK } from "../charts/release-plans";
import { ROOT } from "../pulumi";
import { ChartCheck, checkCharts, exitCode, formatResults } from "./check-charts";

const helm = findHelm();
const renderIt = helm ? it : it.skip;
const needsHelm = helm ? "" : " (skipped: no helm binary; set HEARTH_HELM)";
const HOME = join(ROOT, "stacks/examples/Pulumi.home.yaml");

function only(results: ChartCheck[], app: string): ChartCheck {
  const found = results.filter((r) => r.app === app);
  expect(found).toHaveLength(1);
  return found[0];
}

/** A copy of the stand-in charts to break. */
function chartsCopy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "hearth-check-charts-")), "charts");
  cpSync(CHARTS_DIR, dir, { recursive: true });
  return dir;
}

describe("check:charts against the stand-in charts", () => {
  renderIt(
    `passes every app of the dev and home stacks${needsHelm}`,
    async () => {
      const results = await checkCharts({ stackFiles: [DEV_STACK, HOME], chartsDir: CHARTS_DIR });
      expect(results.map((r) => [r.stack, r.app, r.status, r.reasons])).toEqual(
        results.map((r) => [r.stack, r.app, "ok", []]),
      );
      // One line per app the dev stack file enables.
      const devApps = (
        parseYaml(readFileSync(DEV_STACK, "utf8")) as {
          config: { "hearth:apps": { enabled: string[] } };
        }
      ).config["hearth:apps"].enabled;
      expect(
        results
          .filter((r) => r.stack === "Pulumi.dev.yaml")
          .map((r) => r.app)
          .sort(),
      ).toEqual([...devApps].sort());
      expect(results.filter((r) => r.stack.endsWith("Pulumi.home.yaml"))).toHaveLength(
        Object.keys(catalogue).length,
      );
      expect(exitCode(results)).toBe(0);
      expect(formatResults(results)).toMatch(
        /^Pulumi\.dev\.yaml traefik \(traefik 41\.3\.0\): ok/m,
      );
    },
    120_000,
  );

  it("reports an app without helm as not checked, never ok", async () => {
    const results = await checkCharts({
      stackFiles: [DEV_STACK],
      chartsDir: CHARTS_DIR,
      helm: null,
    });
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(["not checked"]));
    expect(results[0].reasons[0]).toMatch(/^no helm/);
    expect(exitCode(results)).toBe(0);
  }, 120_000);
});

describe("check:charts against broken charts", () => {
  let results: ChartCheck[] = [];
  let devResults: ChartCheck[] = [];
  let broken = "";

  beforeAll(async () => {
    if (!helm) return;
    broken = chartsCopy();
    // homepage: the Service the Ingress routes to is gone.
    rmSync(join(broken, "homepage/templates/service.yaml"));
    // zot: the data volume mounted a second time at its own path.
    const zot = join(broken, "zot/templates/deployment.yaml");
    const dataMount = '(dict "name" $claim "mountPath" "/var/lib/registry")';
    const deployment = readFileSync(zot, "utf8");
    if (!deployment.includes(dataMount)) throw new Error("the zot stand-in's data mount moved");
    writeFileSync(zot, deployment.replace(dataMount, `${dataMount} ${dataMount}`));
    // woodpecker: the schema no longer knows a key the recipe sets.
    const schemaFile = join(broken, "woodpecker/values.schema.json");
    const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
    delete schema.properties.agent;
    writeFileSync(schemaFile, JSON.stringify(schema));
    // argo-cd: no chart at all.
    rmSync(join(broken, "argo-cd"), { recursive: true });
    // The home stack sets no hearth:charts.localDir, the dev stack does (charts/).
    results = await checkCharts({ stackFiles: [HOME], chartsDir: broken, helm });
    devResults = await checkCharts({ stackFiles: [DEV_STACK], chartsDir: broken, helm });
  }, 120_000);

  renderIt(`fails a chart that lacks the Service the program routes to${needsHelm}`, () => {
    const r = only(results, "homepage");
    expect(r.status).toBe("fail");
    expect(r.reasons.join("\n")).toMatch(
      /routes to Service homepage, which the chart does not render/,
    );
  });

  renderIt(`fails two mounts at one path${needsHelm}`, () => {
    const r = only(results, "zot");
    expect(r.status).toBe("fail");
    expect(r.reasons.join("\n")).toMatch(/mounts two volumes at \/var\/lib\/registry/);
  });

  renderIt(`fails a values key the chart's schema refuses${needsHelm}`, () => {
    const r = only(results, "woodpecker");
    expect(r.status).toBe("fail");
    expect(r.reasons).toContain(
      "agent is not allowed by values.schema.json (additionalProperties: false)",
    );
  });

  renderIt(`reports a missing chart as not checked, naming where it looked${needsHelm}`, () => {
    const r = only(results, "argocd");
    expect(r.status).toBe("not checked");
    expect(r.reasons[0]).toBe(
      `no chart for argocd (argo-cd 10.1.1) in --charts ${broken}/argo-cd/ or argo-cd-10.1.1.tgz; ` +
        `run npm run charts:mirror -- DIR where the network allows`,
    );
    expect(formatResults(results)).toMatch(
      /^stacks\/examples\/Pulumi\.home\.yaml argocd \(argo-cd 10\.1\.1\): not checked: /m,
    );
  });

  renderIt(`falls back to the stack's hearth:charts.localDir${needsHelm}`, () => {
    const r = only(devResults, "argocd");
    expect({ status: r.status, source: r.source }).toEqual({
      status: "ok",
      source: join(CHARTS_DIR, "argo-cd"),
    });
  });

  renderIt(`passes the charts left intact, and exits 1${needsHelm}`, () => {
    expect(only(results, "traefik").status).toBe("ok");
    expect(only(results, "cert-manager").status).toBe("ok");
    expect(exitCode(results)).toBe(1);
  });
});

describe("the command line", () => {
  it("reports every app of a stack whose charts are missing as not checked and exits 0", () => {
    const empty = mkdtempSync(join(tmpdir(), "hearth-no-charts-"));
    const out = execFileSync(
      join(ROOT, "node_modules/.bin/ts-node"),
      [
        "--transpile-only",
        "cli/hearth.ts",
        "check-charts",
        "--charts",
        empty,
        "--json",
        "stacks/examples/Pulumi.hetzner.yaml",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    const report = JSON.parse(out) as { results: ChartCheck[]; exitCode: number };
    expect(report.exitCode).toBe(0);
    expect(report.results.map((r) => r.app).sort()).toEqual(
      ["cert-manager", "gitea", "traefik", "woodpecker"].sort(),
    );
    for (const r of report.results) {
      expect(r.status).toBe("not checked");
      expect(r.reasons[0]).toMatch(helm ? /^no chart for / : /^no helm/);
    }
  }, 120_000);
});
