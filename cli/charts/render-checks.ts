/**
 * The checks of a chart's render against what the program expects of it (release-plans.ts): the Services it
 * routes to, the Secrets pods need and the program leaves, the CRDs of its custom resources, the claims its
 * backups mount, and pods Kubernetes would accept (mounts, ports, Pod Security restricted: pod-checks.ts).
 * Each returns the problems it found as sentences; none means the chart passes.
 */
import type { Doc } from "./helm";
import {
  mountProblems,
  podSecurityProblems,
  podTemplates,
  portProblems,
  secretsRead,
} from "./pod-checks";
import type { CustomResourceUse, ReleasePlan } from "./release-plans";

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
