/**
 * The first content of the GitOps repository: a README and an ArgoCD app-of-apps layout. ArgoCD's root
 * Application watches `apps/`; each `apps/<app>.yaml` there is an Application that applies whatever manifests
 * the operator puts under `workloads/<app>/`.
 */
import { DNS_LABEL_PATTERN, isDnsLabel } from "../net";

/** One app that gets a folder of its own in the GitOps repository. */
export interface GitOpsSeedApp {
  /** App name: the ArgoCD Application's name and its folder, a DNS label such as `nextcloud`. */
  name: string;
  /** Namespace its manifests go to; Hearth creates it (Pod Security labels, NetworkPolicies). @default name */
  namespace?: string;
}

/** What the seed is rendered from. */
export interface GitOpsSeedArgs {
  /** The home's domain, e.g. `home.example.org`. */
  domain: string;
  /** Apps that get an ArgoCD Application and a `workloads/<name>/` folder; a bare string is a name. */
  apps: (string | GitOpsSeedApp)[];
  /** Clone URL ArgoCD reads the repository from. @default `https://git.<domain>/hearth/gitops.git` */
  repoUrl?: string;
  /** Branch ArgoCD follows. @default "main" */
  branch?: string;
  /** Namespace ArgoCD runs in, where its Application objects live. @default "argocd" */
  argocdNamespace?: string;
}

const DOMAIN = new RegExp(
  `^(?=.{1,253}$)(${DNS_LABEL_PATTERN}\\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`,
);
const REPO_URL = /^(https?:\/\/|ssh:\/\/|git@)\S+$/;
const BRANCH = /^(?!\/)(?!.*\/\/)(?!.*\.\.)(?!.*\/$)[A-Za-z0-9._/-]+$/;

const MANAGED_NOTE =
  "Hearth writes this file: an edit made here is put back by the next `pulumi up --refresh`.";

/** Every problem with seed arguments, one line each; empty when they can be rendered. */
export function gitopsSeedProblems(args: GitOpsSeedArgs): string[] {
  const problems: string[] = [];
  if (!DOMAIN.test(args.domain)) {
    problems.push(
      `domain ${JSON.stringify(args.domain)} is not a domain name like home.example.org`,
    );
  }
  const seen = new Set<string>();
  for (const entry of args.apps) {
    const app = typeof entry === "string" ? { name: entry } : entry;
    if (!isDnsLabel(app.name)) {
      problems.push(
        `app name ${JSON.stringify(app.name)} is not a DNS label (lowercase letters, digits, -; at most 63)`,
      );
    }
    if (seen.has(app.name)) problems.push(`app ${JSON.stringify(app.name)} is listed twice`);
    seen.add(app.name);
    if (app.namespace !== undefined && !isDnsLabel(app.namespace)) {
      problems.push(
        `namespace ${JSON.stringify(app.namespace)} of app ${app.name} is not a DNS label`,
      );
    }
  }
  if (args.repoUrl !== undefined && !REPO_URL.test(args.repoUrl)) {
    problems.push(
      `repoUrl ${JSON.stringify(args.repoUrl)} is not a git URL (https://, ssh:// or git@)`,
    );
  }
  if (args.branch !== undefined && !BRANCH.test(args.branch)) {
    problems.push(`branch ${JSON.stringify(args.branch)} is not a valid branch name`);
  }
  if (args.argocdNamespace !== undefined && !isDnsLabel(args.argocdNamespace)) {
    problems.push(`argocdNamespace ${JSON.stringify(args.argocdNamespace)} is not a DNS label`);
  }
  return problems;
}

/** A YAML double-quoted scalar: JSON string syntax is valid YAML and escapes everything that needs it. */
function q(value: string): string {
  return JSON.stringify(value);
}

/** The ArgoCD Application that applies `workloads/<app>/` to the app's namespace. */
export function applicationManifest(
  app: Required<GitOpsSeedApp>,
  repoUrl: string,
  branch: string,
  argocdNamespace: string,
): string {
  return [
    `# ${MANAGED_NOTE}`,
    "apiVersion: argoproj.io/v1alpha1",
    "kind: Application",
    "metadata:",
    `  name: ${q(app.name)}`,
    `  namespace: ${q(argocdNamespace)}`,
    "  labels:",
    "    app.kubernetes.io/managed-by: hearth",
    "spec:",
    // Argo CD's "default" project is emptied by Hearth (apps/argocd/gitops.ts appProjectSpecs).
    "  project: hearth-apps",
    "  source:",
    `    repoURL: ${q(repoUrl)}`,
    `    targetRevision: ${q(branch)}`,
    `    path: ${q(`workloads/${app.name}`)}`,
    "    directory:",
    "      recurse: true",
    "  destination:",
    "    server: https://kubernetes.default.svc",
    // No CreateNamespace: manifests land only in namespaces Hearth made, with its Pod Security labels.
    `    namespace: ${q(app.namespace)}`,
    "  syncPolicy:",
    "    automated:",
    "      prune: true",
    "      selfHeal: true",
    "",
  ].join("\n");
}

/**
 * The seed of the GitOps repository, path -> content: `README.md`, `apps/README.md`, one
 * `apps/<app>.yaml` ArgoCD Application per app and a `workloads/<app>/README.md` for each. Throws with every
 * problem at once when an argument is invalid.
 */
export function gitopsSeedFiles(args: GitOpsSeedArgs): Record<string, string> {
  const problems = gitopsSeedProblems(args);
  if (problems.length > 0) {
    throw new Error(`Cannot seed the GitOps repository:\n  - ${problems.join("\n  - ")}`);
  }
  const repoUrl = args.repoUrl ?? `https://git.${args.domain}/hearth/gitops.git`;
  const branch = args.branch ?? "main";
  const argocdNamespace = args.argocdNamespace ?? "argocd";
  const apps = args.apps
    .map((entry) => (typeof entry === "string" ? { name: entry } : entry))
    .map((app) => ({ name: app.name, namespace: app.namespace ?? app.name }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const table =
    apps.length === 0
      ? ["No apps yet: add an Application to `apps/` and a folder to `workloads/`."]
      : [
          "| App | Namespace | Manifests |",
          "| --- | --- | --- |",
          ...apps.map((a) => `| ${a.name} | ${a.namespace} | \`workloads/${a.name}/\` |`),
        ];
  const files: Record<string, string> = {
    "README.md": [
      `# GitOps state of ${args.domain}`,
      "",
      "ArgoCD keeps the cluster in step with this repository. Hearth created it on `pulumi up` and",
      "keeps the files it wrote (this README, `apps/README.md`, the Application of each app below and",
      "the README of each `workloads/<app>/`): an edit made to one of them here is put back by the next",
      "`pulumi up --refresh`.",
      "",
      "## Layout",
      "",
      `- \`apps/\`: ArgoCD's root Application (in namespace \`${argocdNamespace}\`) applies every`,
      "  Application manifest in this folder: one per app.",
      "- `workloads/<app>/`: Kubernetes manifests of one app, applied (recursively) to its namespace.",
      "  Add your own files here; Hearth only writes the README of each folder.",
      "",
      "## Apps",
      "",
      ...table,
      "",
      "## Adding an app",
      "",
      "1. Put its manifests under `workloads/<app>/`.",
      "2. Add `apps/<app>.yaml`, an ArgoCD Application like the ones here, pointing at that folder.",
      "3. Commit to `" + branch + "`: ArgoCD syncs it (automated, with prune and self-heal).",
      "",
    ].join("\n"),
    "apps/README.md": [
      "# apps",
      "",
      "One ArgoCD Application per file. The root Application applies this folder; README files are",
      "ignored because ArgoCD only reads YAML and JSON.",
      "",
    ].join("\n"),
  };
  for (const app of apps) {
    files[`apps/${app.name}.yaml`] = applicationManifest(app, repoUrl, branch, argocdNamespace);
    files[`workloads/${app.name}/README.md`] = [
      `# ${app.name}`,
      "",
      `Manifests in this folder (and below) are applied to namespace \`${app.namespace}\` by the ArgoCD`,
      `Application \`${app.name}\` (\`apps/${app.name}.yaml\`).`,
      "",
    ].join("\n");
  }
  return files;
}
