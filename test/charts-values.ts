/**
 * What the program hands each Helm release, read from a whole-program evaluation under Pulumi mocks: the
 * release's name, namespace, chart and values, the Services it routes to, the custom resources it creates
 * and the Secrets it leaves for the chart. `test/local-charts.test.ts` renders `charts/` with these values.
 *
 * Run it to print them, or to write one values file per release for `helm template -f`:
 *   npx ts-node --transpile-only test/charts-values.ts [stack file] [--write <dir>]
 */
import { mkdirSync, writeFileSync } from "fs";
import { basename, join } from "path";
import { catalogue } from "../apps";
import { ChartRef } from "../apps/recipe";
import { TRAEFIK_INGRESS_SERVICE } from "../apps/traefik";
import { fakeSandbox, pointAtSandbox } from "./fake-sandbox";
import { evaluateStackFile } from "./evaluate";
import { Registration, reveal } from "./mocks";

export const ROOT = join(__dirname, "..");
/** The project's own stand-in charts. */
export const CHARTS_DIR = join(ROOT, "charts");
export const DEV_STACK = join(ROOT, "Pulumi.dev.yaml");

const RELEASE = "kubernetes:helm.sh/v3:Release";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const SECRET = "kubernetes:core/v1:Secret";
const HELM_APP = "hearth:app:HelmApp";

/** A Service (name and port) the program sends traffic to, and what does. */
export interface ServiceRoute {
  name: string;
  namespace: string;
  port: number;
  via: string;
}

/** A custom resource the program creates once the chart has installed its CRD. */
export interface CustomResourceUse {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** One Helm release as the program registers it. */
export interface ReleasePlan {
  /** Catalogue key of the recipe. */
  app: string;
  /** The recipe's chart pin. */
  pin: ChartRef;
  /** Folder of the project's stand-in chart for this pin. */
  chartDir: string;
  /** The `chart` input of the release (a local folder in the dev stack). */
  releaseChart: string;
  release: string;
  namespace: string;
  values: Record<string, unknown>;
  routes: ServiceRoute[];
  customResources: CustomResourceUse[];
  /** Secrets HelmApp creates for the chart to read (its `secrets`). */
  chartSecrets: string[];
  /** Every Secret the program creates in the namespace. */
  programSecrets: string[];
}

/** The dev stack's config, with a throwaway kubeconfig so it evaluates without a running sandbox. */
function devPatch(values: Record<string, string>, everyApp = false): void {
  if (everyApp) {
    // Every catalogue app from the local charts, Gitea in the cluster instead of the sandbox's.
    values["hearth:apps"] = JSON.stringify({ enabled: Object.keys(catalogue) });
    delete values["hearth:gitea"];
  }
  // The files `npm run sandbox -- up` writes, made here so the evaluation needs no running sandbox.
  pointAtSandbox(values, fakeSandbox(["node-1", "node-2", "node-3"]));
  const charts = JSON.parse(values["hearth:charts"] ?? "{}");
  // The stack file names `charts` relative to the project root; the evaluation may run elsewhere.
  if (charts.localDir) values["hearth:charts"] = JSON.stringify({ localDir: CHARTS_DIR });
}

function metadata(r: Registration): { name?: string; namespace?: string } {
  return (reveal(r.inputs.metadata) ?? {}) as { name?: string; namespace?: string };
}

/** Parses `http://<service>.<namespace>.svc.cluster.local[:<port>]` (the port defaults to the scheme's). */
export function parseServiceUrl(url: string, via: string): ServiceRoute {
  const m = /^(https?):\/\/([^.:/]+)\.([^.:/]+)\.svc(?:\.cluster\.local)?(?::(\d+))?(?:\/|$)/.exec(
    url,
  );
  if (!m) throw new Error(`${via}: "${url}" is not an in-cluster Service URL`);
  const port = m[4] ? Number(m[4]) : m[1] === "https" ? 443 : 80;
  return { name: m[2], namespace: m[3], port, via };
}

/** Whether a registration is a custom resource (an API group outside Kubernetes' own). */
function isCustomResource(r: Registration): boolean {
  const apiVersion = r.inputs.apiVersion;
  if (typeof apiVersion !== "string" || typeof r.inputs.kind !== "string") return false;
  if (r.type !== `kubernetes:${apiVersion}:${String(r.inputs.kind)}`) return false;
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  return group.includes(".") && !group.endsWith(".k8s.io");
}

/** The releases of a whole-program evaluation, each with what the program expects of its chart. */
export function releasePlans(regs: Registration[]): ReleasePlan[] {
  const byChartName = new Map(Object.entries(catalogue).map(([app, m]) => [m.chart.name, app]));
  return regs
    .filter((r) => r.type === RELEASE)
    .map((rel) => {
      const releaseChart = String(rel.inputs.chart);
      const chartName = basename(releaseChart);
      const app = byChartName.get(chartName);
      if (!app) throw new Error(`release ${rel.name}: chart ${releaseChart} is in no recipe`);
      const release = String(rel.inputs.name);
      const namespace = String(rel.inputs.namespace);
      const helmApp = regs.find((r) => r.urn === rel.parent && r.type === HELM_APP);
      const inNamespace = (r: Registration) => metadata(r).namespace === namespace;

      const routes: ServiceRoute[] = regs
        .filter((r) => r.type === INGRESS && inNamespace(r))
        .flatMap((ing) => {
          const spec = reveal(ing.inputs.spec) as {
            rules?: {
              http?: {
                paths?: { backend?: { service?: { name: string; port: { number: number } } } }[];
              };
            }[];
          };
          return (spec.rules ?? []).flatMap((rule) =>
            (rule.http?.paths ?? []).flatMap((p) =>
              p.backend?.service
                ? [
                    {
                      name: p.backend.service.name,
                      namespace,
                      port: p.backend.service.port.number,
                      via: `Ingress ${ing.name}`,
                    },
                  ]
                : [],
            ),
          );
        });
      if (app === "traefik") {
        // What `traefik.deploy` hands back as the ingress controller's URL: the recipe's pinned
        // constant, never recomputed from the release name here.
        routes.push(parseServiceUrl(TRAEFIK_INGRESS_SERVICE, "TRAEFIK_INGRESS_SERVICE"));
      }

      // Custom resources created by the component that owns this release's HelmApp.
      const owner = helmApp?.parent;
      const customResources = regs
        .filter((r) => isCustomResource(r) && owner !== undefined && r.parent === owner)
        .map((r) => ({
          apiVersion: String(r.inputs.apiVersion),
          kind: String(r.inputs.kind),
          name: String(metadata(r).name),
          namespace: metadata(r).namespace,
        }));

      const secrets = regs.filter((r) => r.type === SECRET && inNamespace(r));
      return {
        app,
        pin: catalogue[app].chart,
        chartDir: join(CHARTS_DIR, chartName),
        releaseChart,
        release,
        namespace,
        values: reveal(rel.inputs.values) as Record<string, unknown>,
        routes,
        customResources,
        chartSecrets: secrets
          .filter((s) => helmApp && s.parent === helmApp.urn)
          .map((s) => String(metadata(s).name)),
        programSecrets: secrets.map((s) => String(metadata(s).name)),
      };
    });
}

/**
 * Evaluates a stack file (the dev stack by default) and returns its releases; `everyApp` enables the whole
 * catalogue on the dev stack, so each local chart is rendered with the values the program gives it.
 */
export async function stackReleasePlans(
  file = DEV_STACK,
  everyApp = false,
): Promise<{
  plans: ReleasePlan[];
  registrations: Registration[];
}> {
  const { registrations } = await evaluateStackFile(
    file,
    file === DEV_STACK ? (values) => devPatch(values, everyApp) : undefined,
  );
  return { plans: releasePlans(registrations), registrations };
}

async function main(args: string[]): Promise<void> {
  const writeAt = args.indexOf("--write");
  const dir = writeAt >= 0 ? args[writeAt + 1] : undefined;
  const file = args.find((a, i) => !a.startsWith("--") && i !== writeAt + 1) ?? DEV_STACK;
  const { plans } = await stackReleasePlans(file);
  if (dir) mkdirSync(dir, { recursive: true });
  for (const p of plans) {
    if (dir) {
      const out = join(dir, `${p.app}.values.json`);
      writeFileSync(out, JSON.stringify(p.values, null, 2) + "\n");
      console.log(
        `helm template ${p.release} ${p.chartDir} --namespace ${p.namespace} --include-crds -f ${out}`,
      );
    } else {
      console.log(JSON.stringify(p, null, 2));
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
