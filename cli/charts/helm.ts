/**
 * helm, as the chart tooling runs it: where the binary is, one call with helm's own words on failure, and a
 * chart rendered (`helm template`) into the documents a release would install.
 */
import { execFileSync } from "child_process";
import { existsSync, mkdtempSync, writeFileSync } from "fs";
import { homedir, tmpdir } from "os";
import { delimiter, join } from "path";
import { parseAllDocuments } from "yaml";

/** One rendered Kubernetes document, read as plain data. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = any;

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
