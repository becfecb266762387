import * as pulumi from "@pulumi/pulumi";
import { GiteaEndpoint } from "../types";
import {
  GiteaConnection,
  encodeSegment,
  giteaDelete,
  giteaFind,
  giteaRequest,
  withContext,
} from "./gitea-client";
import type { GiteaRepo } from "./gitea-api";
import { isGiteaError } from "./gitea-errors";
import { diffProperties } from "./property-diff";

/** What the repository provider receives, every input resolved. */
export interface GiteaRepositoryInputs {
  endpoint: GiteaConnection;
  owner: string;
  name: string;
  description: string;
  private: boolean;
  defaultBranch: string;
  autoInit: boolean;
}

/** What the repository provider keeps in state. */
export interface GiteaRepositoryState extends GiteaRepositoryInputs {
  repoId: number;
  fullName: string;
  cloneUrl: string;
  sshUrl: string;
  htmlUrl: string;
}

/**
 * Nothing replaces a repository: a replacement would delete its history. A new name is a rename in place (Gitea's
 * PATCH /repos/{owner}/{repo} with `name`); a new owner is the organization renamed (the repository moved with
 * it) or a transfer (POST /repos/{owner}/{repo}/transfer). `autoInit` only matters at creation, so a change is
 * recorded without touching Gitea.
 */
const REPOSITORY_DIFF = {
  replaceOn: [] as string[],
  updateOn: ["owner", "name", "description", "private", "defaultBranch", "autoInit", "endpoint"],
};

function repoPath(owner: string, name: string): string {
  return `/repos/${encodeSegment(owner)}/${encodeSegment(name)}`;
}

function computedOf(repo: GiteaRepo) {
  return {
    repoId: repo.id,
    fullName: repo.full_name,
    cloneUrl: repo.clone_url,
    sshUrl: repo.ssh_url,
    htmlUrl: repo.html_url,
  };
}

/**
 * Puts the repository under its new owner: when that is its organization renamed, Gitea already moved it; else it
 * is transferred (a site admin's transfer is immediate; one left pending is accepted). The name is still the old.
 */
async function moveRepository(olds: GiteaRepositoryState, news: GiteaRepositoryInputs) {
  if (await giteaFind<GiteaRepo>(news.endpoint, repoPath(news.owner, olds.name))) return;
  const from = repoPath(olds.owner, olds.name);
  try {
    const moved = await giteaRequest<GiteaRepo>(news.endpoint, "POST", `${from}/transfer`, {
      body: { new_owner: news.owner },
    });
    if (moved.full_name !== `${news.owner}/${olds.name}`)
      await giteaRequest(news.endpoint, "POST", `${from}/transfer/accept`);
  } catch (e) {
    throw withContext(
      e,
      `Moving Gitea repository ${olds.owner}/${olds.name} to "${news.owner}" (the organization must exist)`,
    );
  }
}

/**
 * The dynamic provider behind `GiteaRepository`. Serialized by closure into the state, so it captures only the
 * import-free client and diff helpers.
 */
export const giteaRepositoryProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: GiteaRepositoryState, news: GiteaRepositoryInputs) {
    return diffProperties({ ...olds }, { ...news }, REPOSITORY_DIFF);
  },

  async create(inputs: GiteaRepositoryInputs) {
    const full = `${inputs.owner}/${inputs.name}`;
    let repo: GiteaRepo;
    try {
      repo = await giteaRequest<GiteaRepo>(
        inputs.endpoint,
        "POST",
        `/orgs/${encodeSegment(inputs.owner)}/repos`,
        {
          body: {
            name: inputs.name,
            description: inputs.description,
            private: inputs.private,
            auto_init: inputs.autoInit,
            default_branch: inputs.defaultBranch,
          },
        },
      );
    } catch (e) {
      if (isGiteaError(e, 409)) {
        // A repository exactly as asked for is the one an interrupted run created: adopt it, so a re-run
        // converges. One that differs is someone else's, and is left alone.
        const found = await giteaFind<GiteaRepo>(
          inputs.endpoint,
          repoPath(inputs.owner, inputs.name),
        );
        const differs = found
          ? (
              [
                ["description", found.description, inputs.description],
                ["private", found.private, inputs.private],
                ["defaultBranch", found.default_branch, inputs.defaultBranch],
              ] as const
            ).filter(([, a, b]) => a !== b)
          : undefined;
        if (found && differs && differs.length === 0) {
          return { id: found.full_name, outs: { ...inputs, ...computedOf(found) } };
        }
        const why = differs?.length
          ? ` and differs from this one in ${differs.map(([k]) => k).join(", ")}`
          : "";
        throw withContext(
          e,
          `Gitea repository ${full} already exists${why}: choose another repository name, or delete or ` +
            "rename the existing one in Gitea",
        );
      }
      if ((isGiteaError(e, 422) || isGiteaError(e, 404)) && /org|not exist/i.test(e.giteaMessage)) {
        throw withContext(
          e,
          `Creating Gitea repository ${full}: the organization "${inputs.owner}" does not exist; ` +
            "create it first (GiteaOrganization)",
        );
      }
      throw withContext(e, `Creating Gitea repository ${full}`);
    }
    const outs: GiteaRepositoryState = { ...inputs, ...computedOf(repo) };
    return { id: repo.full_name, outs };
  },

  async read(id: string, props: GiteaRepositoryState) {
    const repo = await giteaFind<GiteaRepo>(props.endpoint, repoPath(props.owner, props.name));
    // Deleted out of band: an empty id tells the engine the resource is gone.
    if (!repo) return { id: "", props: {} };
    const live: GiteaRepositoryState = {
      ...props,
      description: repo.description,
      private: repo.private,
      defaultBranch: repo.default_branch,
      ...computedOf(repo),
    };
    return { id, props: live };
  },

  async update(_id: string, olds: GiteaRepositoryState, news: GiteaRepositoryInputs) {
    const full = `${news.owner}/${news.name}`;
    let computed = computedOf({
      id: olds.repoId,
      full_name: olds.fullName,
      clone_url: olds.cloneUrl,
      ssh_url: olds.sshUrl,
      html_url: olds.htmlUrl,
    } as GiteaRepo);
    if (olds.owner !== news.owner) await moveRepository(olds, news);
    const remote = ["owner", "name", "description", "private", "defaultBranch"] as const;
    if (remote.some((key) => olds[key] !== news[key])) {
      let repo: GiteaRepo;
      const renamed = olds.name !== news.name;
      try {
        repo = await giteaRequest<GiteaRepo>(
          news.endpoint,
          "PATCH",
          // A rename is addressed to the old name; Gitea moves the repository with its history.
          repoPath(news.owner, olds.name),
          {
            body: {
              ...(renamed ? { name: news.name } : {}),
              description: news.description,
              private: news.private,
              default_branch: news.defaultBranch,
            },
          },
        );
      } catch (e) {
        throw withContext(
          e,
          renamed
            ? `Renaming Gitea repository ${news.owner}/${olds.name} to ${news.name}`
            : `Updating Gitea repository ${full}`,
        );
      }
      // Gitea silently keeps the old default branch when the new one does not exist yet.
      if (repo.default_branch !== news.defaultBranch) {
        throw new Error(
          `Gitea kept "${repo.default_branch}" as the default branch of ${full}: branch ` +
            `"${news.defaultBranch}" does not exist there. Push it first, or set defaultBranch back.`,
        );
      }
      computed = computedOf(repo);
    }
    const outs: GiteaRepositoryState = { ...news, ...computed };
    return { outs };
  },

  async delete(_id: string, props: GiteaRepositoryState) {
    try {
      await giteaDelete(props.endpoint, repoPath(props.owner, props.name));
    } catch (e) {
      throw withContext(e, `Deleting Gitea repository ${props.owner}/${props.name}`);
    }
  },
};

/** Arguments of `GiteaRepository`. */
export interface GiteaRepositoryArgs {
  /** Gitea's URL and admin credentials; kept secret in state. */
  endpoint: GiteaEndpoint;
  /** Organization that owns the repository; changing it moves the repository there, with its history. */
  owner: pulumi.Input<string>;
  /** Repository name; changing it renames the repository in place, keeping its history. */
  name: pulumi.Input<string>;
  /** @default "" */
  description?: pulumi.Input<string>;
  /** @default true: only the organization's members see it */
  private?: pulumi.Input<boolean>;
  /** Branch Gitea treats as the default one. @default "main" */
  defaultBranch?: pulumi.Input<string>;
  /** Create the default branch with a README commit, so files can be committed at once. @default true */
  autoInit?: pulumi.Input<boolean>;
}

/** A repository in a Gitea organization, managed through Gitea's REST API. Its id is `owner/name`. */
export class GiteaRepository extends pulumi.dynamic.Resource {
  // `declare`: the base constructor sets the outputs, and an initialized field would overwrite them.
  /** Owning organization. */
  declare public readonly owner: pulumi.Output<string>;
  /** Repository name. */
  declare public readonly name: pulumi.Output<string>;
  declare public readonly description: pulumi.Output<string>;
  declare public readonly private: pulumi.Output<boolean>;
  declare public readonly defaultBranch: pulumi.Output<string>;
  /** Gitea's numeric id of the repository. */
  declare public readonly repoId: pulumi.Output<number>;
  /** `owner/name` as Gitea spells it. */
  declare public readonly fullName: pulumi.Output<string>;
  /** HTTP(S) clone URL, built by Gitea from its ROOT_URL. */
  declare public readonly cloneUrl: pulumi.Output<string>;
  /** SSH clone URL. */
  declare public readonly sshUrl: pulumi.Output<string>;
  /** The repository's web page. */
  declare public readonly htmlUrl: pulumi.Output<string>;

  constructor(name: string, args: GiteaRepositoryArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      giteaRepositoryProvider,
      name,
      {
        endpoint: pulumi.secret(args.endpoint),
        owner: args.owner,
        name: args.name,
        description: args.description ?? "",
        private: args.private ?? true,
        defaultBranch: args.defaultBranch ?? "main",
        autoInit: args.autoInit ?? true,
        repoId: undefined,
        fullName: undefined,
        cloneUrl: undefined,
        sshUrl: undefined,
        htmlUrl: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["endpoint"] }),
      "hearth",
      "GiteaRepository",
    );
  }
}
