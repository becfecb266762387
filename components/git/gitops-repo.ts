import * as pulumi from "@pulumi/pulumi";
import { GiteaEndpoint } from "../types";
import { GiteaFiles } from "./gitea-files";
import { GiteaOrganization } from "./gitea-organization";
import { GiteaRepository } from "./gitea-repository";

/** Arguments of `GitOpsRepo`. */
export interface GitOpsRepoArgs {
  /** Gitea's URL and admin credentials; every child keeps them secret in state. */
  endpoint: GiteaEndpoint;
  /** Organization created to own the repository. @default "hearth" */
  org?: pulumi.Input<string>;
  /** Repository name. @default "gitops" */
  repo?: pulumi.Input<string>;
  /** The seed, repository path -> content: usually `gitopsSeedFiles(...)` from `./seed`. */
  files: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Branch ArgoCD follows and the seed is committed to. @default "main" */
  branch?: pulumi.Input<string>;
  /** Repository description. @default "GitOps state of this Hearth home, synced by ArgoCD" */
  description?: pulumi.Input<string>;
}

/**
 * The GitOps repository ArgoCD follows: a Gitea organization, a private repository in it (initialized, so its
 * branch exists) and the seed files committed there. Later edits of seeded files in Gitea show as drift.
 */
export class GitOpsRepo extends pulumi.ComponentResource {
  /** The owning organization. */
  public readonly organization: GiteaOrganization;
  /** The repository. */
  public readonly repository: GiteaRepository;
  /** The seeded files. */
  public readonly seed: GiteaFiles;
  /** HTTPS clone URL as Gitea reports it (from its ROOT_URL): what ArgoCD's `repoURL` takes. */
  public readonly cloneUrl: pulumi.Output<string>;
  /** The repository's web page in Gitea. */
  public readonly repoUrl: pulumi.Output<string>;
  /** `org/repo`. */
  public readonly fullName: pulumi.Output<string>;

  constructor(name: string, args: GitOpsRepoArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:git:GitOpsRepo", name, {}, opts);
    const branch = args.branch ?? "main";

    // The repository's history is the home's GitOps state: Pulumi never deletes it. Retiring Argo CD with
    // "keep-data" leaves it in Gitea; "delete-data" deletes it explicitly (RetiredData).
    const kept = { parent: this, retainOnDelete: true };
    this.organization = new GiteaOrganization(
      `${name}-org`,
      {
        endpoint: args.endpoint,
        name: args.org ?? "hearth",
        description: "Owned by Hearth: the GitOps state ArgoCD syncs",
        visibility: "private",
      },
      kept,
    );
    this.repository = new GiteaRepository(
      `${name}-repo`,
      {
        endpoint: args.endpoint,
        // The organization's output, not the plain name, so the repository waits for the organization.
        owner: this.organization.name,
        name: args.repo ?? "gitops",
        description: args.description ?? "GitOps state of this Hearth home, synced by ArgoCD",
        private: true,
        defaultBranch: branch,
        autoInit: true,
      },
      kept,
    );
    this.seed = new GiteaFiles(
      `${name}-files`,
      {
        endpoint: args.endpoint,
        owner: this.repository.owner,
        repo: this.repository.name,
        // The requested branch, not the live default: an edit in Gitea must not move the files.
        branch,
        files: args.files,
        message: "Seed the GitOps repository (Hearth)",
      },
      kept,
    );

    this.cloneUrl = this.repository.cloneUrl;
    this.repoUrl = this.repository.htmlUrl;
    this.fullName = this.repository.fullName;
    this.registerOutputs({
      cloneUrl: this.cloneUrl,
      repoUrl: this.repoUrl,
      fullName: this.fullName,
    });
  }
}
