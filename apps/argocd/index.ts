import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { tokenUrlProblem } from "../../components/git/clone-url";
import { GeneratedPassword } from "../../components/secrets/generated-password";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import { GITEA_ADMIN_USER } from "../gitea";
import { stringify } from "yaml";
import {
  AppMetadata,
  DeployedApp,
  OIDC_SECRET,
  OidcLogin,
  RecipeArgs,
  requireHostname,
} from "../recipe";
import { GiteaRepoReader } from "../../components/git/gitea-repo-reader";
import { GitOpsRepo } from "../../components/git/gitops-repo";
import { gitopsSeedFiles } from "../../components/git/seed";
import { requireGit, settingsOf, TUNNEL_NAMESPACE, Wire } from "../wire";

/** Argo CD: keeps the cluster in step with the GitOps repository in Gitea. */
export const meta: AppMetadata = {
  name: "argocd",
  title: "Argo CD",
  description:
    "GitOps controller: applies what the GitOps repository in Gitea declares, and shows drift.",
  category: "platform",
  // The newest tag whose source could be read and rendered here (ADR 13): argoproj/argo-helm
  // argo-cd-10.1.1, whose `charts/argo-cd/Chart.yaml` gives appVersion v3.4.4.
  chart: { repository: "https://argoproj.github.io/argo-helm", name: "argo-cd", version: "10.1.1" },
  appVersion: "v3.4.4",
  subdomain: "argocd",
  healthPath: "/healthz",
  sso: "oidc",
  backup: false,
  keepsData: "the GitOps repository in Gitea: its organization, repository and history",
  needs: ["gitea"],
  provides: [],
  testedBy: "apps/argocd/index.test.ts",
};

// `fullnameOverride` fixes every object name, so the server's Service is `argocd-server` for any release.
const FULLNAME = "argocd";
const SERVER_SERVICE = `${FULLNAME}-server`;
const SERVER_HTTP_PORT = 80;

/** Label that makes Argo CD read a Secret as a repository definition. */
export const REPOSITORY_SECRET_LABEL = "argocd.argoproj.io/secret-type";

/** What only Argo CD needs: the GitOps repository the composition created and seeded in Gitea. */
export interface ArgoCdExtra {
  /** HTTPS clone URL of the GitOps repository. */
  repoUrl: pulumi.Input<string>;
  /** Secret: a Gitea token that can read the repository. */
  repoToken: pulumi.Input<string>;
  /** Gitea user owning the token. @default "hearth-admin" */
  repoUsername?: pulumi.Input<string>;
  /** Folder of the repository holding the Applications the root app syncs. @default "apps" */
  path?: string;
  /** Branch, tag or commit the root app follows. @default "HEAD" */
  targetRevision?: string;
  /** Sign-in through the identity provider. @default the local admin only */
  oidc?: OidcLogin;
  /**
   * Namespaces the GitOps repository's Applications may not deploy to: those of Hearth's own apps (beside
   * Kubernetes' and Argo CD's, always denied). @default none besides those
   */
  protectedNamespaces?: string[];
}

/** Settings the Argo CD values are built from. */
export interface ArgoCdValuesInputs {
  hostname: string;
  /** bcrypt hash of the admin password (`$2a$...`), never the password itself. */
  adminPasswordBcrypt: string;
  /** The OIDC client, without its secret: the values name the Secret key that holds it. */
  oidc?: Omit<OidcLogin, "clientSecret">;
}

/**
 * argocd-cm `oidc.config` with the client secret as a reference: Argo CD v3.5.1 `util/settings/settings.go`
 * replaces a value `$<secret>:<key>` with that key of a Secret in its namespace labelled
 * `app.kubernetes.io/part-of: argocd` (`ReplaceMapSecrets`, `getSecrets`), so no secret is in the values.
 * The redirect is `<url>/auth/callback`, `url` being the chart's `https://<global.domain>`.
 */
export function argoCdOidcConfig(oidc: Omit<OidcLogin, "clientSecret">): string {
  return stringify({
    name: "Authelia",
    issuer: oidc.issuer,
    clientID: oidc.clientId,
    clientSecret: `$${OIDC_SECRET}:clientSecret`,
    requestedScopes: ["openid", "profile", "email", "groups"],
  });
}

/**
 * Helm values for Argo CD: the server speaks plain HTTP (TLS ends at the ingress or the tunnel), the
 * chart's ingress is off (HelmApp routes the hostname), Dex is off (no SSO connector is configured), and
 * the admin password is given as a bcrypt hash, which is what `argocd-secret` stores.
 */
export function argoCdValues(inputs: ArgoCdValuesInputs): Record<string, unknown> {
  if (!/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(inputs.adminPasswordBcrypt)) {
    throw new Error(
      "argocd: the admin password must reach the chart as a bcrypt hash ($2a$...); got something else. " +
        "Pass GeneratedPassword's bcryptHash, not its result.",
    );
  }
  return {
    fullnameOverride: FULLNAME,
    global: { domain: inputs.hostname },
    crds: { install: true, keep: true },
    configs: {
      params: { "server.insecure": true },
      cm: {
        "admin.enabled": true,
        ...(inputs.oidc ? { "oidc.config": argoCdOidcConfig(inputs.oidc) } : {}),
      },
      // argo-helm argo-cd-10.1.1 templates/argocd-configs/argocd-rbac-cm.yaml writes these keys as given;
      // `scopes` names the claim groups come from. The admin group gets role:admin, everyone else nothing.
      ...(inputs.oidc
        ? {
            rbac: {
              "policy.default": "",
              "policy.csv": `g, ${inputs.oidc.adminGroup}, role:admin\n`,
              scopes: "[groups]",
            },
          }
        : {}),
      secret: { createSecret: true, argocdServerAdminPassword: inputs.adminPasswordBcrypt },
    },
    server: { ingress: { enabled: false } },
    dex: { enabled: false },
  };
}

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

/** Arguments of `ArgoCd`: the recipe's arguments. */
export type ArgoCdArgs = RecipeArgs<ArgoCdExtra>;

/**
 * Argo CD with a generated admin password, the GitOps repository registered as a repository Secret, and
 * a root Application (app of apps) created once the release has installed the CRDs.
 */
export class ArgoCd extends pulumi.ComponentResource {
  /** The Helm app (namespace, release, ingress). */
  readonly app: HelmApp;
  /** `https://<hostname>`. */
  readonly url: pulumi.Output<string>;
  /** Secret: the `admin` user's password. */
  readonly adminPassword: pulumi.Output<string>;
  /** The root Application every other Application hangs from. */
  readonly rootApplication: k8s.apiextensions.CustomResource;

  constructor(name: string, args: ArgoCdArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:apps:ArgoCd", name, {}, opts);
    const { platform, extra } = args;
    const hostname = requireHostname(meta, platform.domain, args.overrides);
    const child = { parent: this, provider: platform.provider };

    // GeneratedPassword's bcryptHash (secret, like result) gives Argo CD its hash without a bcrypt library here.
    const password = new GeneratedPassword(
      `${name}-admin-password`,
      { length: 32 },
      { parent: this },
    );
    this.adminPassword = pulumi.secret(password.result);

    this.app = new HelmApp(
      name,
      {
        platform,
        namespace: meta.name,
        // The chart's default security contexts for every component meet the restricted level.
        podSecurity: "restricted",
        chart: resolveChart(meta.chart, args.overrides),
        values: pulumi.secret(
          password.bcryptHash.apply((hash) =>
            argoCdValues({
              hostname,
              adminPasswordBcrypt: hash,
              oidc: extra.oidc && {
                issuer: extra.oidc.issuer,
                clientId: extra.oidc.clientId,
                adminGroup: extra.oidc.adminGroup,
                groups: extra.oidc.groups,
              },
            }),
          ),
        ),
        valuesOverride: args.overrides?.values,
        hostname,
        service: { name: SERVER_SERVICE, port: SERVER_HTTP_PORT },
        // Git repositories, Helm repositories and the Kubernetes API of the clusters it manages.
        egress: "internet",
      },
      { parent: this },
    );
    this.url = pulumi.output(`https://${hostname}`);

    if (extra.oidc) {
      new k8s.core.v1.Secret(
        `${name}-oidc`,
        {
          metadata: {
            name: OIDC_SECRET,
            namespace: this.app.namespace,
            // Only Secrets with this label are searched for `$<secret>:<key>` references.
            labels: { "app.kubernetes.io/part-of": "argocd" },
          },
          type: "Opaque",
          stringData: { clientSecret: extra.oidc.clientSecret },
        },
        child,
      );
    }

    const repoSecret = new k8s.core.v1.Secret(
      `${name}-gitops-repo`,
      {
        metadata: {
          name: "gitops-repo",
          namespace: this.app.namespace,
          labels: { [REPOSITORY_SECRET_LABEL]: "repository" },
        },
        type: "Opaque",
        stringData: pulumi.secret(
          pulumi
            .all([extra.repoUrl, extra.repoUsername ?? GITEA_ADMIN_USER, extra.repoToken])
            .apply(([url, username, token]) => repositorySecretData(url, username, token)),
        ),
      },
      child,
    );

    // What a push to the GitOps repository may do; the CRD arrives with the release. `default` exists already
    // (Argo CD makes it), so its fields are taken over from Argo CD's field manager.
    const projects = [ROOT_PROJECT, APPS_PROJECT, "default"].map(
      (projectName) =>
        new k8s.apiextensions.CustomResource(
          `${name}-project-${projectName}`,
          {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "AppProject",
            metadata: {
              name: projectName,
              namespace: this.app.namespace,
              annotations: { "pulumi.com/patchForce": "true" },
            },
            spec: pulumi
              .output(extra.repoUrl)
              .apply(
                (repoUrl) =>
                  appProjectSpecs(repoUrl, meta.name, extra.protectedNamespaces ?? [])[projectName],
              ),
          },
          { ...child, dependsOn: [this.app.release] },
        ),
    );

    // CRDs arrive with the release, so the Application waits for it; and for the credentials it clones with.
    this.rootApplication = new k8s.apiextensions.CustomResource(
      `${name}-root`,
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        // No resources finalizer: deleting the root app must not wait on a controller that may be gone.
        metadata: { name: "root", namespace: this.app.namespace },
        spec: pulumi
          .all([extra.repoUrl, this.app.namespace])
          .apply(([repoUrl, namespace]) =>
            rootApplicationSpec(
              repoUrl,
              extra.path ?? "apps",
              extra.targetRevision ?? "HEAD",
              namespace,
            ),
          ),
      },
      { ...child, dependsOn: [this.app.release, repoSecret, ...projects] },
    );

    this.registerOutputs({
      url: this.url,
      adminPassword: this.adminPassword,
      rootApplication: this.rootApplication,
    });
  }
}

/** What deploying Argo CD hands back: the usual handle plus the generated admin password. */
export interface DeployedArgoCd extends DeployedApp {
  /** Secret: the `admin` user's password. */
  adminPassword: pulumi.Output<string>;
}

/** Deploys Argo CD at `argocd.<domain>` following the GitOps repository's `apps/` folder. */
export function deploy(
  name: string,
  args: ArgoCdArgs,
  opts?: pulumi.ComponentResourceOptions,
): DeployedArgoCd {
  const argocd = new ArgoCd(name, args, opts);
  return {
    resource: argocd,
    url: argocd.url,
    adminPassword: argocd.adminPassword,
    login: { username: "admin", password: argocd.adminPassword },
  };
}

/** The Gitea user Argo CD clones the GitOps repository as: read permission on that repository only. */
export const ARGOCD_GITEA_READER = "hearth-argocd";

/** Argo CD with the GitOps repository it syncs, seeded in Gitea (`git`). */
export const wire: Wire = (caps, opts) => {
  const { name, c, parent } = caps.home;
  const git = requireGit(caps, "argocd");
  const repo = new GitOpsRepo(
    `${name}-gitops`,
    {
      endpoint: git.endpoint,
      org: c.gitea.org,
      repo: c.gitea.repo,
      files: gitopsSeedFiles({ domain: c.domain, apps: [] }),
    },
    { parent, dependsOn: git.ready },
  );
  // Argo CD clones with a user that may only read this repository, never with the admin's credentials.
  const reader = new GiteaRepoReader(
    `${name}-gitops-reader`,
    {
      endpoint: git.endpoint,
      owner: repo.repository.owner,
      repo: repo.repository.name,
      username: ARGOCD_GITEA_READER,
      password: caps.home.secrets.passwords["argocd-repo-reader"],
    },
    { parent, dependsOn: [repo] },
  );
  // Argo CD clones in the cluster when Gitea runs there: the token never crosses the tunnel or the internet.
  const repoUrl = git.inCluster
    ? pulumi.interpolate`${git.inCluster}/${repo.repository.owner}/${repo.repository.name}.git`
    : repo.cloneUrl;
  const deployed = deploy(
    `${name}-argocd`,
    {
      platform: caps.platform,
      overrides: settingsOf(caps, "argocd"),
      extra: {
        repoUrl,
        repoUsername: reader.username,
        repoToken: reader.token,
        oidc: caps.identity?.oidc.argocd,
        // The GitOps repository's Applications may not deploy into the namespaces Hearth runs, nor into one
        // an app retired with "keep-data" left with its volumes.
        protectedNamespaces: [
          ...c.apps.enabled,
          ...Object.entries(c.apps.retired)
            .filter(([, how]) => how === "keep-data")
            .map(([app]) => app),
          ...(c.cloudflare ? [TUNNEL_NAMESPACE] : []),
        ],
      },
    },
    opts,
  );
  return { deployed, provides: {} };
};
