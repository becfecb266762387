/** The Argo CD recipe: GitOps at `argocd.<domain>`, following the repository it seeds in Gitea (`git`). */
import * as pulumi from "@pulumi/pulumi";
import { GiteaRepoReader } from "../../components/git/gitea-repo-reader";
import { GitOpsRepo } from "../../components/git/gitops-repo";
import { gitopsSeedFiles } from "../../components/git/seed";
import { DeployedApp } from "../recipe";
import { requireGit, settingsOf, TUNNEL_NAMESPACE, Wire } from "../wire";
import { ArgoCd, ArgoCdArgs } from "./argo-cd";
import { meta } from "./meta";

export { meta };

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
