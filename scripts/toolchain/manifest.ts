/**
 * The manifest of a toolchain archive (`npm run toolchain -- export|import`, scripts/toolchain/archive*.ts):
 * the files of the cache it holds with their sha256, the pinned versions and the Go version they were built
 * with, and the stamps (build.sh's cache keys). Pure functions: which paths an archive may hold, and whether
 * an archive may be installed into this checkout's cache.
 */

/** The manifest's format; an importer refuses any other. */
export const MANIFEST_FORMAT = "hearth-toolchain/1";

/** The manifest's name in the archive (its first member). */
export const MANIFEST_NAME = "manifest.json";

/** One file of the archive, by its path relative to HEARTH_CACHE. */
export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
  executable: boolean;
}

/** What `export` writes first into an archive and `import` checks before it installs anything. */
export interface Manifest {
  format: string;
  /** When the archive was made (ISO 8601, UTC). */
  created: string;
  /** scripts/toolchain/versions.env of the exporting checkout. */
  versions: Record<string, string>;
  /** `go env GOVERSION` where the archive was made: part of every stamp's key. */
  go: string;
  /** The stamps in the archive (paths): a binary is "cached" when its stamp matches the checkout's key. */
  stamps: string[];
  files: ManifestFile[];
}

/** What an importer found at one path of the extracted archive. */
export type FoundFile = { kind: "file"; sha256: string } | { kind: "other"; what: string };

/** The KEY=VALUE pairs of a versions.env file (comments, blank lines and trailing `# …` skipped). */
export function parseVersionsEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z][A-Z0-9_]*)=([^\s#]*)/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

const PULUMI = "HEARTH_PULUMI_VERSION";
const KUBERNETES = "HEARTH_PROVIDER_KUBERNETES_VERSION";

/** The plugin binary of the pinned Kubernetes provider under PULUMI_HOME, relative to HEARTH_CACHE. */
export function kubernetesPluginPath(versions: Record<string, string>): string {
  const v = versions[KUBERNETES];
  return `pulumi-home/plugins/resource-kubernetes-v${v}/pulumi-resource-kubernetes`;
}

/**
 * Where build.sh, build-sandbox.sh and images/build-images.sh put what they build, relative to HEARTH_CACHE: the files and folders
 * an export walks. Not their logs, work folders and timings, the state backend, PULUMI_HOME's credentials and
 * workspaces, the venvs, or anything of a sandbox's state (.sandbox/ is in the checkout, never in the cache).
 */
export function exportRoots(versions: Record<string, string>): string[] {
  const tc = `toolchain/${versions[PULUMI]}`;
  return [
    `${tc}/bin`,
    `${tc}/stamps`,
    kubernetesPluginPath(versions),
    "sandbox/bin",
    "sandbox/share",
    "sandbox/versions.env",
    "sandbox/stamps",
    "images",
  ];
}

/** Whether a path (relative to HEARTH_CACHE) is one an archive may hold: under exportRoots, plain, no `..`. */
export function exportablePath(path: string, versions: Record<string, string>): boolean {
  const parts = path.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..") || path.includes("\\")) return false;
  if (path.endsWith(".tmp")) return false; // a build killed before its `mv`
  const tc = `toolchain/${versions[PULUMI]}`;
  if (path === kubernetesPluginPath(versions) || path === "sandbox/versions.env") return true;
  const dir = parts.slice(0, -1).join("/");
  if ([`${tc}/bin`, `${tc}/stamps`, "sandbox/bin", "sandbox/stamps", "images/stamps"].includes(dir))
    return true;
  // The real nodes' OCI archives (build-images.sh), not its logs, work folders or timings.
  if (dir === "images") return path.endsWith(".tar");
  return path.startsWith("sandbox/share/");
}

/** Whether a path is a stamp (a cache key of build.sh or build-sandbox.sh). */
export function isStamp(path: string): boolean {
  return /^(toolchain\/[^/]+|sandbox|images)\/stamps\/[^/]+$/.test(path);
}

/**
 * The part a stamp stands for, without its version and key (`kube-apiserver-v1.36.1-3b06f246c13a35f5` →
 * `kube-apiserver`, `share-kwok-stages-2643eb59ac97825e` → `share-kwok-stages`): an import drops the
 * target's other stamps of the parts it installs, so no old stamp vouches for a replaced binary.
 */
export function stampPart(name: string): string {
  return name.replace(/-[0-9a-f]{16}$/, "").replace(/-v\d[0-9A-Za-z.+]*$/, "");
}

/**
 * Differences between two sets of pinned versions, one line each naming both values. `theirs` describes the
 * archive (or the cache), `ours` this checkout's scripts/toolchain/versions.env.
 */
export function versionProblems(
  theirs: Record<string, string>,
  ours: Record<string, string>,
  what = "the archive",
): string[] {
  const keys = [...new Set([...Object.keys(theirs), ...Object.keys(ours)])].sort();
  return keys
    .filter((k) => theirs[k] !== ours[k])
    .map(
      (k) =>
        `${k}: ${what} has ${theirs[k] ?? "no value"}, this checkout's scripts/toolchain/versions.env ` +
        `pins ${ours[k] ?? "nothing"}`,
    );
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Why a manifest cannot be installed here, before anything is extracted: an unknown format or shape, a
 * pinned version that differs from this checkout's, a path outside the toolchain's folders, a path twice.
 * Empty when it may be.
 */
export function manifestProblems(manifest: unknown, ours: Record<string, string>): string[] {
  const m = manifest as Partial<Manifest> | null;
  if (!m || typeof m !== "object") return ["the manifest is not a JSON object"];
  if (m.format !== MANIFEST_FORMAT)
    return [`the manifest's format is ${String(m.format)}, this checkout reads ${MANIFEST_FORMAT}`];
  if (!m.versions || typeof m.versions !== "object" || !Array.isArray(m.files))
    return ["the manifest has no versions or no file list"];
  const problems = versionProblems(m.versions, ours);
  const seen = new Set<string>();
  for (const f of m.files as unknown[]) {
    const file = f as Partial<ManifestFile>;
    if (
      typeof file?.path !== "string" ||
      typeof file.sha256 !== "string" ||
      !SHA256.test(file.sha256)
    ) {
      problems.push(`a manifest entry is not {path, sha256}: ${JSON.stringify(f)}`);
      continue;
    }
    if (!exportablePath(file.path, ours))
      problems.push(`${file.path}: not a file of the toolchain (refused)`);
    if (seen.has(file.path)) problems.push(`${file.path}: listed twice`);
    seen.add(file.path);
  }
  return problems;
}

/**
 * How the files extracted from an archive differ from its manifest, one line per file and naming it: altered
 * or corrupted (sha256 differs), missing, not listed, or not a regular file. Empty when every file is exactly
 * what the manifest says. `found` holds every path extracted except the manifest itself.
 */
export function fileProblems(manifest: Manifest, found: Map<string, FoundFile>): string[] {
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const got = found.get(f.path);
    if (!got) problems.push(`${f.path}: in the manifest but not in the archive`);
    else if (got.kind !== "file") problems.push(`${f.path}: a ${got.what}, not a regular file`);
    else if (got.sha256 !== f.sha256)
      problems.push(`${f.path}: sha256 ${got.sha256}, the manifest says ${f.sha256}`);
  }
  for (const [path, got] of found) {
    if (listed.has(path)) continue;
    problems.push(
      got.kind === "file"
        ? `${path}: in the archive but not in the manifest`
        : `${path}: a ${got.what} the manifest does not list`,
    );
  }
  return problems;
}

/**
 * Every reason to refuse an archive: the manifest's problems (versions, paths), then, when it has none, the
 * extracted files' (sha256). Empty when the archive may be installed.
 */
export function archiveProblems(
  manifest: unknown,
  ours: Record<string, string>,
  found: Map<string, FoundFile>,
): string[] {
  const problems = manifestProblems(manifest, ours);
  return problems.length > 0 ? problems : fileProblems(manifest as Manifest, found);
}
