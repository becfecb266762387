/**
 * What Argo CD is told about the GitOps repository: the repository Secret it clones with, the AppProjects that
 * bound what a push can do, and the root Application (app of apps).
 */
import { tokenUrlProblem } from "../../components/git/clone-url";

/** Label that makes Argo CD read a Secret as a repository definition. */
export const REPOSITORY_SECRET_LABEL = "argocd.argoproj.io/secret-type";

/** The repository Secret's data: Argo CD clones over HTTPS with the token as the password. */
export function repositorySecretData(
  url: string,
  username: string,
  token: string,
): Record<string, string> {
  const problem = tokenUrlProblem(url);
  if (problem) throw new Error(`argocd: GitOps repository URL ${problem}.`);
  return { type: "git", url, username, password: token };
}

/** The AppProject of the root Application: it may only create Applications in Argo CD's namespace. */
export const ROOT_PROJECT = "hearth-root";
/** The AppProject of the Applications in the GitOps repository: workloads in namespaces Hearth does not run. */
export const APPS_PROJECT = "hearth-apps";

/** The in-cluster API server, as Argo CD names it. */
const IN_CLUSTER = "https://kubernetes.default.svc";

/**
 * The AppProjects that bound what a push to the GitOps repository can do (Argo CD v3.4 AppProject spec;
 * `!namespace` denies, and a deny wins over `*`, since Argo CD 2.5):
 * - `hearth-root`: the repository itself, Applications in Argo CD's namespace and nothing else;
 * - `hearth-apps`: any source, namespaced objects in any namespace but Kubernetes', Argo CD's and Hearth's own
 *   apps', and no cluster-scoped object (no ClusterRole, CRD, webhook or Namespace);
 * - `default`, which Argo CD makes and which allows everything: emptied, so an Application that names it
 *   (or names no project) deploys nothing. Without this, the GitOps repository was cluster-admin.
 */
export function appProjectSpecs(
  repoUrl: string,
  argocdNamespace: string,
  protectedNamespaces: string[],
): Record<string, Record<string, unknown>> {
  const denied = [
    ...new Set(["kube-system", "kube-public", "kube-node-lease", argocdNamespace]),
    ...[...new Set(protectedNamespaces)].filter((n) => n !== argocdNamespace).sort(),
  ];
  return {
    [ROOT_PROJECT]: {
      description:
        "The root Application: Applications in Argo CD's namespace, from the GitOps repository.",
      sourceRepos: [repoUrl],
      destinations: [{ server: IN_CLUSTER, namespace: argocdNamespace }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [{ group: "argoproj.io", kind: "Application" }],
    },
    [APPS_PROJECT]: {
      description:
        "Workloads from the GitOps repository: namespaced objects outside the namespaces Hearth and Kubernetes run.",
      sourceRepos: ["*"],
      destinations: [
        { server: IN_CLUSTER, namespace: "*" },
        ...denied.map((namespace) => ({ server: IN_CLUSTER, namespace: `!${namespace}` })),
      ],
      clusterResourceWhitelist: [],
    },
    default: {
      description: "Emptied by Hearth: an Application must name hearth-apps.",
      sourceRepos: [],
      destinations: [],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [],
    },
  };
}

/** Spec of the root Application: sync `path` of the GitOps repository, pruning and self-healing. */
export function rootApplicationSpec(
  repoUrl: string,
  path: string,
  targetRevision: string,
  namespace: string,
): Record<string, unknown> {
  return {
    project: ROOT_PROJECT,
    source: { repoURL: repoUrl, path, targetRevision },
    destination: { server: "https://kubernetes.default.svc", namespace },
    syncPolicy: { automated: { prune: true, selfHeal: true } },
  };
}
