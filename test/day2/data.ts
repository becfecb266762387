/**
 * The data every row of `npm run test:day2` must keep: what is seeded (markers, the UIDs of what holds data,
 * GitOps commits), what of it a row lost, and the keys authorized on a node.
 */
import { randomBytes } from "node:crypto";
import { catalogue } from "../../apps";
import { gitea, kube, kubeJson, onNode } from "../e2e/harness";

/** What holds data, as seeded: compared after every row. */
export interface Seed {
  namespaces: Record<string, string>;
  claims: Record<string, string>;
  markers: Record<string, string>;
  releases: Record<string, string>;
  commits: string[];
}

/** The apps that keep data in their namespace (Argo CD's data is the GitOps repository). */
function dataNamespaces(list: string[]): string[] {
  return list.filter((a) => catalogue[a]?.keepsData && a !== "argocd");
}

/** The UID of an object, or undefined when there is none. */
export function uid(kind: string, name: string, namespace?: string): string | undefined {
  const o = kubeJson<{ metadata: { uid: string } }>([
    ...(namespace ? ["-n", namespace] : []),
    "get",
    kind,
    name,
  ]);
  return o?.metadata.uid;
}

/** The GitOps repository's owner and name, as the rows rename them. */
export let gitopsPath = "hearth/gitops";

/** Follows a rename of the GitOps repository or its org. */
export function useGitopsPath(path: string): void {
  gitopsPath = path;
}

async function commitsOf(path: string): Promise<string[]> {
  const r = await gitea(`/repos/${path}/commits?sha=main&limit=50&stat=false`);
  return Array.isArray(r.body) ? (r.body as { sha: string }[]).map((c) => c.sha) : [];
}

/** Seeds the data every row must keep: markers, UIDs and commits. */
export async function seed(appList: string[]): Promise<Seed> {
  const s: Seed = { namespaces: {}, claims: {}, markers: {}, releases: {}, commits: [] };
  for (const ns of dataNamespaces(appList)) {
    s.namespaces[ns] = uid("namespace", ns)!;
    const value = randomBytes(6).toString("hex");
    kube(["-n", ns, "create", "configmap", "hearth-day2-marker", `--from-literal=seed=${value}`]);
    s.markers[ns] = value;
    const claims = kubeJson<{ items: { metadata: { name: string; uid: string } }[] }>([
      ...["-n", ns, "get", "pvc"],
    ]);
    for (const c of claims?.items ?? []) s.claims[`${ns}/${c.metadata.name}`] = c.metadata.uid;
    const first = kubeJson<{ items: { metadata: { name: string; uid: string } }[] }>([
      ...["-n", ns, "get", "secret", "-l", "owner=helm,version=1"],
    ]);
    for (const r of first?.items ?? []) s.releases[`${ns}/${r.metadata.name}`] = r.metadata.uid;
  }
  for (const file of ["apps/first.yaml", "apps/second.yaml"]) {
    const r = await gitea(`/repos/${gitopsPath}/contents/${file}`, {
      method: "POST",
      body: {
        content: Buffer.from(`# seeded by test:day2\n`).toString("base64"),
        message: `day2 seed ${file}`,
        branch: "main",
      },
    });
    if (r.status !== 201) throw new Error(`seeding ${file}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  s.commits = await commitsOf(gitopsPath);
  return s;
}

/**
 * What of the seed is gone or was made anew: a namespace, claim or first Helm revision with another UID, a
 * marker missing, a seeded commit not in the history. `gone` names data the row deleted on purpose.
 */
export async function lost(s: Seed, gone: string[] = []): Promise<string[]> {
  const out: string[] = [];
  const keep = (ns: string) => !gone.includes(ns);
  for (const [ns, id] of Object.entries(s.namespaces))
    if (keep(ns) && uid("namespace", ns) !== id) out.push(`namespace ${ns}`);
  for (const [key, id] of Object.entries(s.claims)) {
    const [ns, name] = key.split("/");
    if (keep(ns) && uid("pvc", name, ns) !== id) out.push(`claim ${key}`);
  }
  for (const [ns, value] of Object.entries(s.markers)) {
    if (!keep(ns)) continue;
    const m = kubeJson<{ data: { seed: string } }>([
      ...["-n", ns, "get", "configmap", "hearth-day2-marker"],
    ]);
    if (m?.data.seed !== value) out.push(`marker in ${ns}`);
  }
  for (const [key, id] of Object.entries(s.releases)) {
    const [ns, name] = key.split("/");
    // A retired app's release is uninstalled on purpose; its first revision must not come back as another.
    const now = uid("secret", name, ns);
    if (keep(ns) && now !== undefined && now !== id) out.push(`Helm release ${key} reinstalled`);
  }
  if (!gone.includes("gitops")) {
    const history = await commitsOf(gitopsPath);
    const missing = s.commits.filter((c) => !history.includes(c));
    if (missing.length > 0) out.push(`${missing.length} GitOps commits`);
  }
  return out;
}

/** The public keys authorized on a node. */
export const keysOn = (node: string) =>
  onNode(node, "cat ~/.ssh/authorized_keys")
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("ssh-"));
