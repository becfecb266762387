/**
 * What the program hands each Helm release and expects of its chart, read from a whole-program evaluation
 * under Pulumi mocks (cli/evaluate/, as `npm run plan` does): each release's name, namespace, chart pin and
 * values, the Services the program routes to, the custom resources it creates, the Secrets it leaves for the
 * chart, and the claims its backups mount. `check:charts` and the stand-in charts' test check renders against
 * these (render-checks.ts, values-keys.ts).
 */
import { basename, join, resolve } from "path";
import { catalogue } from "../../apps";
import { ChartRef } from "../../apps/recipe";
import { TRAEFIK_INGRESS_SERVICE } from "../../apps/traefik/values";
import { evaluateStackFile } from "../evaluate/evaluate";
import { Registration, reveal } from "../evaluate/mock-monitor";
import { withStandInSandbox } from "../evaluate/sandbox-files";
import { ROOT } from "../pulumi";

/** The project's own stand-in charts. */
export const CHARTS_DIR = join(ROOT, "charts");
export const DEV_STACK = join(ROOT, "Pulumi.dev.yaml");
/** The stack files `npm run check:charts` checks when given none. */
export const EXAMPLE_STACKS = [
  join(ROOT, "stacks/examples/Pulumi.home.yaml"),
  join(ROOT, "stacks/examples/Pulumi.hetzner.yaml"),
  DEV_STACK,
];

const RELEASE = "kubernetes:helm.sh/v3:Release";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const SECRET = "kubernetes:core/v1:Secret";
const NAMESPACE = "kubernetes:core/v1:Namespace";
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
  /** Its spec, where it names the Secrets it reads (an issuer's token). */
  spec?: unknown;
}

/** One Helm release as the program registers it. */
export interface ReleasePlan {
  /** Catalogue key of the recipe. */
  app: string;
  /** The chart the release pins: the recipe's, with the operator's `chartVersion` applied. */
  pin: ChartRef;
  /** Folder of the project's stand-in chart for this pin. */
  chartDir: string;
  /** The `chart` input of the release (a local folder when `hearth:charts.localDir` is set). */
  releaseChart: string;
  release: string;
  namespace: string;
  /** Pod Security level the namespace enforces. */
  podSecurity?: string;
  values: Record<string, unknown>;
  routes: ServiceRoute[];
  customResources: CustomResourceUse[];
  /** Secrets HelmApp creates for the chart to read (its `secrets`). */
  chartSecrets: string[];
  /** Every Secret the program creates in the namespace. */
  programSecrets: string[];
  /** PersistentVolumeClaims the program's own pods mount in the namespace (the backups'), with the labels
   * they select the app's pods by. */
  claims: { name: string; via: string; podLabels?: Record<string, string> }[];
}

function metadata(r: Registration): {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
} {
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

/** The Service backends of the Ingresses in a namespace. */
function ingressRoutes(regs: Registration[], namespace: string): ServiceRoute[] {
  return regs
    .filter((r) => r.type === INGRESS && metadata(r).namespace === namespace)
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

      const routes = ingressRoutes(regs, namespace);
      if (app === "traefik") {
        // What `traefik.deploy` hands back as the ingress controller's URL: the recipe's pinned
        // constant, never recomputed from the release name here.
        routes.push(parseServiceUrl(TRAEFIK_INGRESS_SERVICE, "TRAEFIK_INGRESS_SERVICE"));
      }
      const values = reveal(rel.inputs.values) as Record<string, unknown>;
      const agentServer = (values.agent as { env?: Record<string, unknown> } | undefined)?.env
        ?.WOODPECKER_SERVER;
      if (app === "woodpecker" && typeof agentServer === "string") {
        // The agents dial the server's gRPC Service by the name and port the recipe gives them.
        const [name, port] = agentServer.split(":");
        routes.push({ name, namespace, port: Number(port), via: "agent.env.WOODPECKER_SERVER" });
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
          spec: reveal(r.inputs.spec),
        }));

      // The backup CronJobs mount the app's claim and prefer the node of the app's pods.
      const claims = regs
        .filter((r) => r.type === "kubernetes:batch/v1:CronJob" && inNamespace(r))
        .flatMap((r) => {
          const pod = (reveal(r.inputs.spec) as CronSpec).jobTemplate.spec.template.spec;
          const term =
            pod.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]
              ?.podAffinityTerm;
          return (pod.volumes ?? [])
            .filter((v) => v.persistentVolumeClaim)
            .map((v) => ({
              name: v.persistentVolumeClaim!.claimName,
              via: `CronJob ${metadata(r).name}`,
              podLabels: term?.labelSelector?.matchLabels,
            }));
        });

      const ns = regs.find((r) => r.type === NAMESPACE && metadata(r).name === namespace);
      const secrets = regs.filter((r) => r.type === SECRET && inNamespace(r));
      const version = rel.inputs.version;
      return {
        app,
        pin: {
          ...catalogue[app].chart,
          version: typeof version === "string" ? version : catalogue[app].chart.version,
        },
        chartDir: join(CHARTS_DIR, chartName),
        releaseChart,
        release,
        namespace,
        podSecurity: ns ? metadata(ns).labels?.["pod-security.kubernetes.io/enforce"] : undefined,
        values,
        routes,
        customResources,
        chartSecrets: secrets
          .filter((s) => helmApp && s.parent === helmApp.urn)
          .map((s) => String(metadata(s).name)),
        programSecrets: secrets.map((s) => String(metadata(s).name)),
        claims,
      };
    });
}

/** How a stack file is evaluated for its release plans. */
export interface PlanOptions {
  /** Enable every catalogue app (Gitea in the cluster instead of the sandbox's). */
  everyApp?: boolean;
  /**
   * Evaluate without `hearth:charts.localDir`, so a folder that lacks a chart does not stop the
   * evaluation (the values do not depend on where the chart is read from). The folder is still returned.
   */
  ignoreLocalDir?: boolean;
}

/**
 * Config patches that let any stack file evaluate on this machine: the files a stack names under
 * `.sandbox/` (the dev stack's, written by `npm run sandbox -- up`) are made in a throwaway fake sandbox,
 * and `hearth:charts.localDir` is made absolute from the project root, as the program resolves it.
 * Returns that folder.
 */
function patchStack(values: Record<string, string>, options: PlanOptions): string | undefined {
  if (options.everyApp) {
    values["hearth:apps"] = JSON.stringify({ enabled: Object.keys(catalogue) });
    delete values["hearth:gitea"];
  }
  withStandInSandbox(values);
  const charts = JSON.parse(values["hearth:charts"] ?? "{}") as { localDir?: string };
  if (charts.localDir === undefined) return undefined;
  const localDir = resolve(ROOT, charts.localDir);
  if (options.ignoreLocalDir) delete charts.localDir;
  else charts.localDir = localDir;
  values["hearth:charts"] = JSON.stringify(charts);
  return localDir;
}

/** Evaluates a stack file (the dev stack by default) under mocks and returns its releases. */
export async function stackReleasePlans(
  file = DEV_STACK,
  options: PlanOptions = {},
): Promise<{ plans: ReleasePlan[]; registrations: Registration[]; localDir?: string }> {
  let localDir: string | undefined;
  const { registrations } = await evaluateStackFile(file, (values) => {
    localDir = patchStack(values, options);
  });
  return { plans: releasePlans(registrations), registrations, localDir };
}

/** The parts of a CronJob spec the claim check reads. */
interface CronSpec {
  jobTemplate: {
    spec: {
      template: {
        spec: {
          volumes?: { persistentVolumeClaim?: { claimName: string } }[];
          affinity?: {
            podAffinity?: {
              preferredDuringSchedulingIgnoredDuringExecution?: {
                podAffinityTerm?: { labelSelector?: { matchLabels?: Record<string, string> } };
              }[];
            };
          };
        };
      };
    };
  };
}
