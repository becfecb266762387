/**
 * Every Kubernetes object a stack file would apply, as manifests a static analyser reads: each Helm release
 * rendered by `helm template` with the values the program gives it (from the project's stand-in charts, or the
 * real ones in `HEARTH_CHARTS`), and every object the program registers itself (namespaces, NetworkPolicies,
 * Secrets, Ingresses, CronJobs, the cloudflared Deployment, custom resources), read from a whole-program
 * evaluation under Pulumi mocks. Secrets carry the mocks' planted values, never a real one.
 */
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { stringify } from "yaml";
import { Doc, findHelm, renderChart } from "../../cli/charts/helm";
import { stackReleasePlans } from "../../cli/charts/release-plans";
import { Registration, reveal } from "../mocks";

/** One object and where it comes from: `program`, or the release's catalogue app. */
export interface Manifest {
  source: string;
  doc: Doc;
}

/** `kubernetes:<group>/<version>:<Kind>` as an object's apiVersion and kind, for the program's own objects. */
export function apiVersionKind(type: string): { apiVersion: string; kind: string } | undefined {
  const m = /^kubernetes:([^:]+):([A-Za-z]+)$/.exec(type);
  if (!m || m[2] === "Release" || type.startsWith("kubernetes:helm.sh/")) return undefined;
  const [group, version] = m[1].split("/");
  return { apiVersion: group === "core" ? version : `${group}/${version}`, kind: m[2] };
}

/** Drops what a mock left undefined or null, as the API server would never see it. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => [k, clean(v)]),
    );
  }
  return value;
}

/** The program's own Kubernetes objects in a stack's registrations. */
export function programManifests(regs: Registration[]): Manifest[] {
  return regs.flatMap((r) => {
    const t = apiVersionKind(r.type);
    if (!t || !r.custom) return [];
    const inputs = clean(reveal(r.inputs)) as Record<string, unknown>;
    const doc = { ...inputs, apiVersion: inputs.apiVersion ?? t.apiVersion, kind: t.kind };
    return [{ source: "program", doc }];
  });
}

/** Kinds without a namespace, which Helm installs as rendered. */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "IngressClass",
  "PriorityClass",
  "StorageClass",
  "PersistentVolume",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "APIService",
  "ClusterIssuer",
]);

/** Every object of a stack file: the program's own and each release's render. */
export async function stackManifests(file: string): Promise<Manifest[]> {
  const helm = findHelm();
  if (!helm) throw new Error("no helm binary: set HEARTH_HELM or build the sandbox's helm");
  const { plans, registrations } = await stackReleasePlans(file, { ignoreLocalDir: true });
  const releases = plans.flatMap((p) => {
    const chart = process.env.HEARTH_CHARTS
      ? join(process.env.HEARTH_CHARTS, p.pin.name)
      : p.chartDir;
    // Helm installs a namespaced object without a namespace into the release's; `helm template` leaves it out.
    return renderChart(helm, p, chart).map((doc) => ({
      source: p.app,
      doc:
        CLUSTER_SCOPED.has(doc.kind) || doc.metadata?.namespace
          ? doc
          : { ...doc, metadata: { ...doc.metadata, namespace: p.namespace } },
    }));
  });
  return [...programManifests(registrations), ...releases];
}

/** Writes each object to `<dir>/<source>/<kind>-<namespace>-<name>.yaml`; returns the files. */
export function writeManifests(dir: string, manifests: Manifest[]): string[] {
  const seen = new Map<string, number>();
  return manifests.map(({ source, doc }) => {
    const base = [doc.kind, doc.metadata?.namespace ?? "cluster", doc.metadata?.name ?? "unnamed"]
      .join("-")
      .replace(/[^A-Za-z0-9._-]/g, "_");
    const n = (seen.get(`${source}/${base}`) ?? 0) + 1;
    seen.set(`${source}/${base}`, n);
    mkdirSync(join(dir, source), { recursive: true });
    const file = join(dir, source, `${base}${n > 1 ? `-${n}` : ""}.yaml`);
    writeFileSync(file, stringify(doc));
    return file;
  });
}
