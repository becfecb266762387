/**
 * What the program expects of each Helm chart it installs, and the checks of a chart's render against it.
 * Shared by `npm run check:charts` (scripts/check-charts.ts, any chart: the stand-ins or upstream's) and
 * the stand-in charts' test (test/local-charts.test.ts).
 *
 * - Release plans: a whole-program evaluation under Pulumi mocks (test/evaluate.ts, as `npm run plan`
 *   does) gives each release's name, namespace, chart pin and values, the Services the program routes to,
 *   the custom resources it creates and the Secrets it leaves for the chart.
 * - Checks: each returns the problems it found as sentences (none: the chart passes), so the tool can
 *   report them and the test can assert there are none.
 */
import { execFileSync } from "child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { homedir, tmpdir } from "os";
import { basename, delimiter, join, resolve } from "path";
import { isMap, isScalar, isSeq, parseAllDocuments, parseDocument, Node as YamlNode } from "yaml";
import { catalogue } from "../apps";
import { ChartRef } from "../apps/recipe";
import { TRAEFIK_INGRESS_SERVICE } from "../apps/traefik";
import { schemaProblems } from "../components/app/values-schema";
import { evaluateStackFile } from "../cli/evaluate/evaluate";
import { Registration, reveal } from "../cli/evaluate/mock-monitor";
import { withStandInSandbox } from "../cli/evaluate/sandbox-files";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = any;

export const ROOT = join(__dirname, "..");
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

// ---------------------------------------------------------------------------------------------------
// Release plans: what the program hands each release and expects of its chart.

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

// ---------------------------------------------------------------------------------------------------
// helm

/**
 * The helm binary: $HEARTH_HELM (when set, only it), else the sandbox's
 * `${HEARTH_CACHE:-~/.cache/hearth}/sandbox/bin/helm`, else `helm` on PATH.
 */
export function findHelm(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.HEARTH_HELM) return existsSync(env.HEARTH_HELM) ? env.HEARTH_HELM : undefined;
  const cache = env.HEARTH_CACHE ?? join(homedir(), ".cache", "hearth");
  const candidates = [
    join(cache, "sandbox", "bin", "helm"),
    ...(env.PATH ?? "").split(delimiter).map((d) => join(d, "helm")),
  ];
  return candidates.find((c) => existsSync(c));
}

/** Runs helm; a failure throws with helm's own output. */
export function runHelm(helm: string, args: string[], timeoutMs = 300_000): string {
  try {
    // argo-cd 10.1.1 with its CRDs renders 1.9 MB, past execFileSync's 1 MiB default buffer (ENOBUFS).
    return execFileSync(helm, args, {
      encoding: "utf8",
      stdio: "pipe",
      timeout: timeoutMs,
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message?: string; code?: unknown };
    // A spawn error (ENOBUFS, ETIMEDOUT) is ours, not helm's: say it first, not its partial output.
    if (typeof err.code === "string")
      throw new Error(`helm ${args.join(" ")} failed: ${err.code}: ${err.message ?? ""}`);
    const said = `${err.stderr ?? ""}${err.stdout ?? ""}`.trim() || err.message || String(e);
    throw new Error(`helm ${args.join(" ")} failed: ${said}`);
  }
}

/** The Kubernetes version charts are rendered for: the k3s Hearth installs by default (hearth:cluster.version). */
export const RENDER_KUBE_VERSION = "1.33.5";

/**
 * `helm template <release> <chart> -n <namespace> -f <values.json> --include-crds` (after `helm lint
 * --strict` when asked) and the documents it renders that a release installs.
 */
export function renderChart(
  helm: string,
  plan: { release: string; namespace: string; values: unknown },
  chart: string,
  options: {
    lint?: boolean;
    workDir?: string;
    /**
     * Called when helm could not load a remote `$ref` of the chart's values schema (offline): the render is
     * then repeated with `--skip-schema-validation`. Without it that failure stands.
     */
    onRemoteSchema?: (url: string) => void;
  } = {},
): Doc[] {
  const dir = options.workDir ?? mkdtempSync(join(tmpdir(), "hearth-render-"));
  const valuesFile = join(dir, `${plan.namespace}-${plan.release}.values.json`);
  writeFileSync(valuesFile, JSON.stringify(plan.values));
  const common = ["--namespace", plan.namespace, "--values", valuesFile];
  if (options.lint) runHelm(helm, ["lint", "--strict", chart, ...common]);
  // helm template assumes Kubernetes v1.20 unless told; charts such as authelia 0.11.5 require >= 1.30.
  const args = [
    "template",
    plan.release,
    chart,
    "--include-crds",
    "--kube-version",
    RENDER_KUBE_VERSION,
    ...common,
  ];
  let out: string;
  try {
    out = runHelm(helm, args);
  } catch (e) {
    const remote = /failing loading "(https?:\/\/[^"]+)"/.exec((e as Error).message);
    if (!remote || !options.onRemoteSchema) throw e;
    options.onRemoteSchema(remote[1]);
    out = runHelm(helm, [...args, "--skip-schema-validation"]);
  }
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Doc)
    .filter((d) => d && typeof d === "object" && !isTestHook(d));
}

/** A `helm test` hook: rendered by `helm template`, but installed only by `helm test`, never by a release. */
function isTestHook(doc: Doc): boolean {
  const hook = doc.metadata?.annotations?.["helm.sh/hook"];
  return typeof hook === "string" && hook.split(",").some((h) => h.trim().startsWith("test"));
}

// ---------------------------------------------------------------------------------------------------
// Checks of a render

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

/** Every pod template a render holds, with where it is and its labels. */
export function podTemplates(
  docs: Doc[],
): { where: string; labels: Record<string, string>; spec: Doc }[] {
  return docs.flatMap((d) => {
    const where = `${d.kind}/${d.metadata?.name}`;
    if (WORKLOADS.has(d.kind))
      return [
        { where, labels: d.spec.template.metadata?.labels ?? {}, spec: d.spec.template.spec },
      ];
    if (d.kind === "CronJob") {
      const t = d.spec.jobTemplate.spec.template;
      return [{ where, labels: t.metadata?.labels ?? {}, spec: t.spec }];
    }
    if (d.kind === "Pod") return [{ where, labels: d.metadata?.labels ?? {}, spec: d.spec }];
    return [];
  });
}

function containersOf(spec: Doc): Doc[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

const RESTRICTED_VOLUMES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

/** What the restricted Pod Security level (latest) would refuse in a pod spec. */
export function restrictedViolations(spec: Doc): string[] {
  const out: string[] = [];
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) out.push("host namespaces");
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== "name");
    if (!type || !RESTRICTED_VOLUMES.includes(type)) out.push(`volume ${v.name} of type ${type}`);
  }
  for (const c of [...containersOf(spec), ...(spec.ephemeralContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged) out.push(`${at}: privileged`);
    if (sc.allowPrivilegeEscalation !== false)
      out.push(`${at}: allowPrivilegeEscalation not false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL"))
      out.push(`${at}: capabilities not drop ALL`);
    for (const cap of sc.capabilities?.add ?? [])
      if (cap !== "NET_BIND_SERVICE") out.push(`${at}: adds capability ${cap}`);
    const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    if (nonRoot !== true) out.push(`${at}: runAsNonRoot not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) out.push(`${at}: runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      out.push(`${at}: seccompProfile ${seccomp ?? "unset"}`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${at}: hostPort ${p.hostPort}`);
  }
  return out;
}

/** The restricted Pod Security violations of every pod in a render, each naming its pod. */
export function podSecurityProblems(docs: Doc[]): string[] {
  return podTemplates(docs).flatMap((pod) =>
    restrictedViolations(pod.spec).map((v) => `${pod.where} breaks Pod Security restricted: ${v}`),
  );
}

/** The Secrets a pod spec reads, each with whether the pod starts without it (`optional: true`). */
export function secretsRead(spec: Doc): { name: string; optional: boolean }[] {
  const out: { name: string; optional: boolean }[] = [];
  const add = (name: string, optional: unknown) => out.push({ name, optional: optional === true });
  for (const v of spec.volumes ?? []) {
    if (v.secret) add(v.secret.secretName, v.secret.optional);
    for (const s of v.projected?.sources ?? []) if (s.secret) add(s.secret.name, s.secret.optional);
  }
  for (const c of containersOf(spec)) {
    for (const e of c.env ?? [])
      if (e.valueFrom?.secretKeyRef)
        add(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.optional);
    for (const f of c.envFrom ?? []) if (f.secretRef) add(f.secretRef.name, f.secretRef.optional);
  }
  return out;
}

/**
 * Secrets the chart makes at install time rather than renders: those a pre-install hook's Role names while
 * it may also create Secrets. argo-cd 10.1.1's `templates/redis-secret-init/role.yaml` is one (get on
 * `argocd-redis`, create on secrets, for the hook Job that runs `argocd admin redis-initial-password`).
 */
export function hookCreatedSecrets(docs: Doc[]): string[] {
  const out: string[] = [];
  for (const d of docs) {
    if (d.kind !== "Role" && d.kind !== "ClusterRole") continue;
    const hook = String(d.metadata?.annotations?.["helm.sh/hook"] ?? "");
    if (!hook.split(",").some((h) => h.trim() === "pre-install")) continue;
    const rules = ((d.rules ?? []) as Doc[]).filter((r) =>
      ((r.resources ?? []) as string[]).includes("secrets"),
    );
    if (!rules.some((r) => ((r.verbs ?? []) as string[]).includes("create"))) continue;
    for (const r of rules) out.push(...((r.resourceNames ?? []) as string[]));
  }
  return out;
}

/**
 * A Service of that name serving the port, selecting pods that declare its target port; the problems
 * when not.
 */
export function serviceProblems(
  docs: Doc[],
  route: { name: string; port: number; via: string },
): string[] {
  const services = docs.filter((d) => d.kind === "Service");
  const svc = services.find((s) => s.metadata?.name === route.name);
  if (!svc) {
    return [
      `${route.via} routes to Service ${route.name}, which the chart does not render ` +
        `(it renders: ${services.map((s) => s.metadata?.name).join(", ") || "none"})`,
    ];
  }
  const port = (svc.spec?.ports ?? []).find((p: Doc) => p.port === route.port);
  if (!port) {
    const ports = (svc.spec?.ports ?? []).map((p: Doc) => p.port).join(", ") || "none";
    return [
      `${route.via} routes to port ${route.port} of Service ${route.name}, which serves ${ports}`,
    ];
  }
  if (svc.spec?.type === "ExternalName") return [];
  const selector: Record<string, string> = svc.spec?.selector ?? {};
  const pods = podTemplates(docs).filter((t) =>
    Object.entries(selector).every(([k, v]) => t.labels[k] === v),
  );
  if (pods.length === 0) return [`Service ${route.name} selects no pod the chart renders`];
  const target = port.targetPort ?? port.port;
  const declared = pods.flatMap((t) =>
    (t.spec.containers ?? []).flatMap((c: Doc) =>
      (c.ports ?? []).flatMap((p: Doc) => [p.name, p.containerPort]),
    ),
  );
  // A numeric target port need not be declared by the container; a named one must.
  if (typeof target === "string" && !declared.includes(target))
    return [
      `Service ${route.name} port ${route.port} targets port "${target}", which no pod names`,
    ];
  if (typeof target === "number" && declared.length > 0 && !declared.includes(target))
    return [
      `Service ${route.name} port ${route.port} targets ${target}, which no selected pod declares`,
    ];
  return [];
}

/** Containers with two volume mounts at one path (Kubernetes refuses the pod). */
export function mountProblems(docs: Doc[]): string[] {
  return podTemplates(docs).flatMap((pod) =>
    containersOf(pod.spec).flatMap((c: Doc) => {
      const paths: string[] = (c.volumeMounts ?? []).map((m: Doc) => m.mountPath);
      const twice = [...new Set(paths.filter((p, i) => paths.indexOf(p) !== i))];
      return twice.map((p) => `${pod.where} container ${c.name} mounts two volumes at ${p}`);
    }),
  );
}

/** Pods declaring one container port (number and protocol) or port name twice. */
export function portProblems(docs: Doc[]): string[] {
  return podTemplates(docs).flatMap((pod) => {
    const seen = new Map<string, string>();
    const out: string[] = [];
    for (const c of pod.spec.containers ?? []) {
      for (const p of c.ports ?? []) {
        const keys = [`port ${p.containerPort}/${p.protocol ?? "TCP"}`];
        if (p.name) keys.push(`port name "${p.name}"`);
        for (const key of keys) {
          const first = seen.get(key);
          if (first !== undefined)
            out.push(`${pod.where} declares ${key} twice (containers ${first} and ${c.name})`);
          else seen.set(key, c.name);
        }
      }
    }
    return out;
  });
}

/** Custom resources the program creates whose CRD the render does not define (or not so). */
export function crdProblems(docs: Doc[], customResources: CustomResourceUse[]): string[] {
  const crds = docs.filter((d) => d.kind === "CustomResourceDefinition");
  return customResources.flatMap((cr) => {
    const [group, version] = cr.apiVersion.split("/");
    const what = `${cr.kind} ${cr.name} (${cr.apiVersion})`;
    const crd = crds.find((d) => d.spec?.group === group && d.spec?.names?.kind === cr.kind);
    if (!crd)
      return [`the program creates ${what}, but the chart renders no CRD for ${cr.kind}.${group}`];
    const out: string[] = [];
    const served = (crd.spec.versions ?? []).find((v: Doc) => v.name === version);
    if (!served?.served)
      out.push(`the CRD ${crd.metadata?.name} does not serve ${version} (${what})`);
    const scope = cr.namespace ? "Namespaced" : "Cluster";
    if (crd.spec.scope !== scope)
      out.push(`the CRD ${crd.metadata?.name} is ${crd.spec.scope}, ${what} is ${scope}`);
    if ((crd.spec.versions ?? []).filter((v: Doc) => v.storage).length !== 1)
      out.push(`the CRD ${crd.metadata?.name} has not exactly one storage version`);
    return out;
  });
}

/**
 * Secrets: each one a pod needs (not `optional`) exists (rendered by the chart, made by its pre-install hook,
 * or created by the program), and each one the program creates for the chart is read by name (by a pod, or
 * named in a custom resource the program creates).
 */
export function secretProblems(
  docs: Doc[],
  plan: Pick<ReleasePlan, "chartSecrets" | "programSecrets" | "customResources">,
): string[] {
  const refs = podTemplates(docs).flatMap((t) => secretsRead(t.spec));
  const read = new Set(refs.map((r) => r.name));
  // A pod that starts without the Secret does not need it to exist.
  const required = new Set(refs.filter((r) => !r.optional).map((r) => r.name));
  const exists = new Set([
    ...docs.filter((d) => d.kind === "Secret").map((d) => d.metadata?.name),
    ...hookCreatedSecrets(docs),
    ...plan.programSecrets,
  ]);
  const crSpecs = JSON.stringify(plan.customResources);
  return [
    ...[...required]
      .filter((name) => !exists.has(name))
      .map((name) => `a pod reads Secret ${name}, which neither the chart nor the program creates`),
    ...plan.chartSecrets
      .filter((name) => !read.has(name) && !crSpecs.includes(name))
      .map(
        (name) =>
          `the program creates Secret ${name} for the chart, which nothing in the render reads`,
      ),
  ];
}

/** Everything a render must give the program: Services, Secrets, CRDs, valid pods. */
export function renderProblems(docs: Doc[], plan: ReleasePlan): string[] {
  return [
    ...plan.routes.flatMap((route) =>
      route.namespace === plan.namespace
        ? serviceProblems(docs, route)
        : [
            `${route.via} routes to namespace ${route.namespace}, not the release's ${plan.namespace}`,
          ],
    ),
    ...secretProblems(docs, plan),
    ...claimProblems(docs, plan.claims),
    ...crdProblems(docs, plan.customResources),
    ...mountProblems(docs),
    ...portProblems(docs),
    ...(plan.podSecurity === "restricted" ? podSecurityProblems(docs) : []),
  ];
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

/**
 * Claims the render holds: PersistentVolumeClaims, and a StatefulSet's claim templates as the StatefulSet
 * controller names them (<template>-<statefulset>-<ordinal>) for each replica.
 */
export function renderedClaims(docs: Doc[]): string[] {
  const out: string[] = [];
  for (const d of docs) {
    if (d.kind === "PersistentVolumeClaim") out.push(String(d.metadata?.name));
    if (d.kind === "StatefulSet") {
      const spec = d.spec as {
        replicas?: number;
        volumeClaimTemplates?: { metadata?: { name?: string } }[];
      };
      for (let i = 0; i < (spec.replicas ?? 1); i++)
        for (const t of spec.volumeClaimTemplates ?? [])
          out.push(`${t.metadata?.name}-${d.metadata?.name}-${i}`);
    }
  }
  return out;
}

/** A claim the program mounts must be one the chart renders, and its pod labels must select a pod there. */
function claimProblems(docs: Doc[], claims: ReleasePlan["claims"]): string[] {
  const rendered = renderedClaims(docs);
  const podLabels = docs
    .filter((d) => ["Deployment", "StatefulSet", "DaemonSet"].includes(String(d.kind)))
    .map(
      (d) =>
        (d.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template
          ?.metadata?.labels ?? {},
    );
  const problems: string[] = [];
  for (const c of claims) {
    if (!rendered.includes(c.name))
      problems.push(
        `${c.via} mounts PersistentVolumeClaim ${c.name}, which the chart does not render ` +
          `(it renders ${rendered.length ? rendered.join(", ") : "none"})`,
      );
    if (
      c.podLabels &&
      !podLabels.some((l) => Object.entries(c.podLabels!).every(([k, v]) => l[k] === v))
    )
      problems.push(
        `${c.via} looks for the app's pods by ${JSON.stringify(c.podLabels)}, which no pod carries`,
      );
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Values keys the chart neither declares nor reads (the schema check itself is in
// components/app/values-schema.ts, which config validation uses too)

export { schemaProblems };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every leaf key path of a values tree (an array or an empty map is a leaf). */
export function leafPaths(values: unknown, prefix: string[] = []): string[][] {
  if (!isObject(values) || Object.keys(values).length === 0) return prefix.length ? [prefix] : [];
  return Object.entries(values).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

/** What a chart (with its subcharts) declares in values.yaml and reads in its templates. */
interface ChartKeys {
  /** Every key path values.yaml holds, joined with ".". */
  declared: Set<string>;
  /** Paths whose contents are free-form: `{}`, `[]` or empty in values.yaml, or documented as an object. */
  open: Set<string>;
  /** Paths read in templates as `.Values.a.b` or `index .Values "a" "b"`. */
  read: Set<string>;
  /** Paths templates take whole: ranged over, or handed to `toYaml`. */
  walked: Set<string>;
  /** Non-library subcharts by the key their values sit under. */
  subcharts: Map<string, ChartKeys>;
}

export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** The `.Values` paths a template reads. */
export function valuesReferences(template: string): string[][] {
  const out: string[][] = [];
  for (const m of template.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g))
    out.push(m[1].slice(1).split("."));
  for (const m of template.matchAll(/\bindex\s+\$?\.Values((?:\s+"[^"]*")+)/g))
    out.push([...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]));
  for (const m of template.matchAll(/\b(?:dig|get)\s+((?:"[^"]*"\s+)+)\$?\.Values\b/g))
    out.push([...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]));
  return out;
}

/** `define "name"` -> its body, for every helper of the chart and its library subcharts. */
export function helperBodies(templates: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of templates) {
    for (const m of t.matchAll(
      /\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}([\s\S]*?)\{\{-?\s*end\s*-?\}\}(?=\s*(?:\{\{-?\s*\/\*|\{\{-?\s*define|$))/g,
    ))
      out.set(m[1], m[2]);
  }
  return out;
}

/**
 * Values handed to a helper inside `include "name" (dict "key" .Values.a.b ...)`: what the helper does with
 * `.key` decides what is read, e.g. victoria-metrics-common 0.3.15's `vm.securityContext` takes
 * `.securityContext` whole (`omit .securityContext "enabled"`, then `toYaml`), so every key of
 * `server.podSecurityContext` is read. A helper that names `.key.sub` reads `a.b.sub`.
 */
export function helperArgumentReferences(
  template: string,
  helpers: Map<string, string>,
): { path: string[]; whole: boolean }[] {
  const out: { path: string[]; whole: boolean }[] = [];
  const call =
    /include\s+"([^"]+)"\s+\(\s*dict\s+((?:"[A-Za-z_]\w*"\s+(?:\$?\.Values(?:\.[A-Za-z_]\w*)*|[^\s)"]+|"[^"]*")\s*)+)\)/g;
  for (const m of template.matchAll(call)) {
    let body = helpers.get(m[1]);
    if (body === undefined) continue;
    // `((.app).extraArgs).tls` is `.app.extraArgs.tls`.
    for (let prev = ""; prev !== body; )
      [prev, body] = [body, body.replace(/\((\.[\w.]+)\)/g, "$1")];
    for (const pair of m[2].matchAll(/"([A-Za-z_]\w*)"\s+\$?\.Values((?:\.[A-Za-z_]\w*)+)/g)) {
      const [, key, rest] = pair;
      const path = rest.slice(1).split(".");
      const whole = new RegExp(
        String.raw`\b(?:toYaml|toJson|toPrettyJson|tpl|omit|merge|mergeOverwrite|range)\b[^}]*?\.${key}\b(?!\.)`,
      ).test(body);
      if (whole) out.push({ path, whole: true });
      for (const sub of body.matchAll(new RegExp(String.raw`\.${key}((?:\.[A-Za-z_]\w*)+)`, "g")))
        out.push({ path: [...path, ...sub[1].slice(1).split(".")], whole: false });
    }
  }
  return out;
}

/**
 * The template with its aliases of values written out: after `$app := .Values.server` (the VictoriaMetrics
 * charts' style, read at victoria-metrics-single-0.45.0 `templates/server.yaml`) or `$Values := .Values`,
 * `$app.extraArgs` is `.Values.server.extraArgs`, so the reads below see it.
 */
export function withoutValuesAliases(template: string): string {
  // A variable lives in its `define` (or the file's top level): each is resolved on its own.
  return template
    .split(/(?=\{\{-?\s*define\s)/)
    .map(resolveAliasesIn)
    .join("");
}

function resolveAliasesIn(segment: string): string {
  // `$Values := (.helm).Values | default .Values` (a helper called with the root context or a dict) is .Values.
  let out = segment.replace(/\(\.\w+\)\.Values\b/g, ".Values");
  for (let round = 0; round < 4; round++) {
    const aliases = new Map<string, string>();
    // `$app := .Values.server`, and `$copy := deepCopy .Values.alertmanager`, whose keys are the same.
    for (const m of out.matchAll(
      /\$(\w+)\s*:=\s*\(?\s*(?:deepCopy\s+)?\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\b(?![(\w])/g,
    ))
      aliases.set(m[1], `.Values${m[2]}`);
    let next = out;
    for (const [alias, path] of aliases)
      next = next.replace(new RegExp(String.raw`\$${alias}\b(?!\s*:=)`, "g"), path);
    if (next === out) break;
    out = next;
  }
  return out;
}

/**
 * The `.Values` paths a template takes whole: ranged over (a map keyed by names of the user's choosing)
 * or handed to `toYaml`/`toJson`/`tpl`.
 */
export function wholeValuesReferences(template: string): string[][] {
  const path = String.raw`\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)`;
  const patterns = [
    new RegExp(String.raw`\brange\s+(?:\$\w+\s*(?:,\s*\$\w+\s*)?:=\s*)?` + path, "g"),
    new RegExp(String.raw`\b(?:toYaml|toJson|toPrettyJson|tpl)\s+\(?\s*` + path, "g"),
  ];
  const whole = patterns.flatMap((re) =>
    [...template.matchAll(re)].map((m) => m[1].slice(1).split(".")),
  );
  // Merged into another map (`mergeOverwrite $args .Values.server.extraArgs`), copied, or copied without
  // some keys (argo-cd 10.1.1's "argo-cd.config.cm": `omit .Values.configs.cm "create" "annotations"`, then a
  // range over the rest): every key of it is used.
  for (const m of template.matchAll(
    new RegExp(
      String.raw`\b(?:merge|mergeOverwrite|omit|deepCopy)\s+\(?\s*(?:\$\w+\s+)*` + path,
      "g",
    ),
  ))
    whole.push(m[1].slice(1).split("."));
  return whole;
}

function declaredKeys(node: YamlNode | null | undefined, prefix: string[], keys: ChartKeys): void {
  if (!isMap(node)) return;
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const path = [...prefix, key].join(".");
    keys.declared.add(path);
    const value = pair.value as YamlNode | null;
    const comment = `${(pair.key as YamlNode | null)?.commentBefore ?? ""} ${value?.commentBefore ?? ""}`;
    const empty =
      value === null ||
      (isScalar(value) && value.value === null) ||
      (isMap(value) && value.items.length === 0) ||
      isSeq(value);
    if (empty || /\((object|dict|map)\)|free[- ]?form/i.test(comment)) keys.open.add(path);
    declaredKeys(value, [...prefix, key], keys);
  }
}

/**
 * Reads a chart folder: values.yaml's keys, the templates' `.Values` references (a library subchart's
 * count as the chart's own, since it reads the same values) and the subcharts. A subchart packed as a
 * .tgz is unpacked into a temporary folder.
 */
export function chartKeys(dir: string, resolveAliases = true): ChartKeys {
  const keys: ChartKeys = {
    declared: new Set(),
    open: new Set(),
    read: new Set(),
    walked: new Set(),
    subcharts: new Map(),
  };
  const valuesFile = join(dir, "values.yaml");
  if (existsSync(valuesFile))
    declaredKeys(parseDocument(readFileSync(valuesFile, "utf8")).contents, [], keys);
  // A library's generic helpers alias `.Values` of whichever chart calls them (`index $Values $appKey`):
  // resolving those would credit it with reading keys it never names, so only the chart's own are resolved.
  const templates = filesUnder(join(dir, "templates")).map((f) => {
    const text = readFileSync(f, "utf8");
    return resolveAliases ? withoutValuesAliases(text) : text;
  });
  /** The templates of library subcharts, whose helpers the chart's templates call. */
  const libraryTemplates: string[] = [];

  const chartYaml = (parseDocument(readFileSync(join(dir, "Chart.yaml"), "utf8")).toJS() ?? {}) as {
    dependencies?: { name: string; alias?: string; condition?: string }[];
  };
  const subDirs = new Map<string, string>();
  for (const entry of existsSync(join(dir, "charts")) ? readdirSync(join(dir, "charts")) : []) {
    let sub = join(dir, "charts", entry);
    if (entry.endsWith(".tgz")) {
      const to = mkdtempSync(join(tmpdir(), "hearth-subchart-"));
      execFileSync("tar", ["-xzf", sub, "-C", to]);
      sub = join(to, readdirSync(to)[0]);
    }
    if (!existsSync(join(sub, "Chart.yaml"))) continue;
    const meta = parseDocument(readFileSync(join(sub, "Chart.yaml"), "utf8")).toJS() as {
      name: string;
      type?: string;
    };
    subDirs.set(meta.name, sub);
    const subKeys = chartKeys(sub, meta.type !== "library");
    if (meta.type === "library") {
      for (const r of subKeys.read) keys.read.add(r);
      for (const r of subKeys.walked) keys.walked.add(r);
      for (const f of filesUnder(join(sub, "templates")))
        libraryTemplates.push(readFileSync(f, "utf8"));
      continue;
    }
    const aliases = (chartYaml.dependencies ?? []).filter((d) => d.name === meta.name && d.alias);
    for (const name of aliases.length ? aliases.map((d) => d.alias as string) : [meta.name])
      keys.subcharts.set(name, subKeys);
  }
  const helpers = helperBodies([...templates, ...libraryTemplates]);
  for (const template of templates) {
    for (const ref of valuesReferences(template)) keys.read.add(ref.join("."));
    for (const ref of wholeValuesReferences(template)) keys.walked.add(ref.join("."));
    for (const ref of helperArgumentReferences(template, helpers))
      (ref.whole ? keys.walked : keys.read).add(ref.path.join("."));
  }
  for (const d of chartYaml.dependencies ?? []) {
    for (const c of (d.condition ?? "").split(",").filter(Boolean)) keys.read.add(c.trim());
  }
  return keys;
}

function knownIn(keys: ChartKeys, path: string[]): boolean {
  if (path[0] === "global") return true;
  const joined = path.join(".");
  if (keys.declared.has(joined) || keys.read.has(joined)) return true;
  for (let i = path.length - 1; i > 0; i--) {
    const prefix = path.slice(0, i).join(".");
    if (keys.open.has(prefix) || keys.walked.has(prefix)) return true;
    // Read as a whole (`toYaml .Values.a.b`, `range .Values.a.b`): nothing deeper is read by name.
    if (keys.read.has(prefix) && ![...keys.read].some((r) => r.startsWith(`${prefix}.`)))
      return true;
  }
  const sub = keys.subcharts.get(path[0]);
  return sub !== undefined && path.length > 1 && knownIn(sub, path.slice(1));
}

/**
 * The values keys a chart would ignore: with a values.schema.json, what the schema refuses; without one,
 * each leaf key path that neither values.yaml declares nor a template reads (under a path the chart
 * declares as `{}` or reads as a whole, anything goes).
 */
export function valuesProblems(chartDir: string, values: Record<string, unknown>): string[] {
  const schemaFile = join(chartDir, "values.schema.json");
  if (existsSync(schemaFile)) {
    return schemaProblems(JSON.parse(readFileSync(schemaFile, "utf8")), values);
  }
  const keys = chartKeys(chartDir);
  return leafPaths(values)
    .filter((p) => !knownIn(keys, p))
    .map(
      (p) =>
        `values key ${p.join(".")} is neither in the chart's values.yaml nor read by its templates`,
    );
}
