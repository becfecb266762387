import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import { GeneratedPassword } from "../../components/secrets/generated-password";
import { GITEA_ADMIN_USER } from "../gitea";
import { OIDC_SECRET, OidcLogin, RecipeArgs, requireHostname } from "../recipe";
import {
  APPS_PROJECT,
  appProjectSpecs,
  REPOSITORY_SECRET_LABEL,
  repositorySecretData,
  ROOT_PROJECT,
  rootApplicationSpec,
} from "./gitops";
import { meta } from "./meta";
import { argoCdValues, SERVER_HTTP_PORT, SERVER_SERVICE } from "./values";

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
