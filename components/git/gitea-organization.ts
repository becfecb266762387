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
import type { GiteaOrg } from "./gitea-api";
import { isGiteaError } from "./gitea-errors";
import { diffProperties } from "./property-diff";

/** Who may see an organization: anyone, signed-in users, or its members only. */
export type OrgVisibility = "public" | "limited" | "private";

/** What the organization provider receives, every input resolved. */
export interface GiteaOrganizationInputs {
  endpoint: GiteaConnection;
  name: string;
  fullName: string;
  description: string;
  website: string;
  visibility: OrgVisibility;
}

/** What the organization provider keeps in state. */
export interface GiteaOrganizationState extends GiteaOrganizationInputs {
  orgId: number;
}

/**
 * A new name renames the organization in place (Gitea's POST /orgs/{org}/rename, in 1.26's swagger as
 * `renameOrg`), so its repositories, their history and members move with it; a replacement would delete them.
 * Gitea keeps a redirect from the old name.
 */
const ORGANIZATION_DIFF = {
  replaceOn: [] as string[],
  updateOn: ["name", "fullName", "description", "website", "visibility", "endpoint"],
};

/**
 * The dynamic provider behind `GiteaOrganization`. Serialized by closure into the state, so it captures only
 * the import-free client and diff helpers.
 */
export const giteaOrganizationProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: GiteaOrganizationState, news: GiteaOrganizationInputs) {
    return diffProperties({ ...olds }, { ...news }, ORGANIZATION_DIFF);
  },

  async create(inputs: GiteaOrganizationInputs) {
    let org: GiteaOrg;
    try {
      org = await giteaRequest<GiteaOrg>(inputs.endpoint, "POST", "/orgs", {
        body: {
          username: inputs.name,
          full_name: inputs.fullName,
          description: inputs.description,
          website: inputs.website,
          visibility: inputs.visibility,
        },
      });
    } catch (e) {
      if (isGiteaError(e, 422) && /already exist/i.test(e.giteaMessage)) {
        // An organization exactly as asked for is the one an interrupted run created (or a twin made by
        // hand): adopt it, so a re-run converges. Anything else is someone else's, and is left alone.
        const found = await giteaFind<GiteaOrg>(
          inputs.endpoint,
          `/orgs/${encodeSegment(inputs.name)}`,
        );
        const differs = found
          ? (
              [
                ["fullName", found.full_name, inputs.fullName],
                ["description", found.description, inputs.description],
                ["website", found.website, inputs.website],
                ["visibility", found.visibility, inputs.visibility],
              ] as const
            ).filter(([, a, b]) => (a ?? "") !== (b ?? ""))
          : undefined;
        if (found && differs && differs.length === 0) {
          return { id: found.name ?? found.username, outs: { ...inputs, orgId: found.id } };
        }
        const why = differs?.length
          ? ` and differs from this one in ${differs.map(([k]) => k).join(", ")}`
          : " (a user has that name)";
        throw withContext(
          e,
          `Gitea organization "${inputs.name}" already exists${why}: choose another organization ` +
            "name, or delete or rename the existing one in Gitea",
        );
      }
      throw withContext(e, `Creating Gitea organization "${inputs.name}"`);
    }
    const outs: GiteaOrganizationState = { ...inputs, orgId: org.id };
    return { id: org.name ?? org.username ?? inputs.name, outs };
  },

  async read(id: string, props: GiteaOrganizationState) {
    // The id is the name at creation; a rename since is in the state's name.
    const org = await giteaFind<GiteaOrg>(
      props.endpoint,
      `/orgs/${encodeSegment(props.name ?? id)}`,
    );
    // Deleted out of band: an empty id tells the engine the resource is gone.
    if (!org) return { id: "", props: {} };
    const live: GiteaOrganizationState = {
      ...props,
      orgId: org.id,
      fullName: org.full_name,
      description: org.description,
      website: org.website,
      visibility: org.visibility,
    };
    return { id, props: live };
  },

  async update(id: string, olds: GiteaOrganizationState, news: GiteaOrganizationInputs) {
    const was = olds.name ?? id;
    if (was !== news.name) {
      try {
        await giteaRequest(news.endpoint, "POST", `/orgs/${encodeSegment(was)}/rename`, {
          body: { new_name: news.name },
        });
      } catch (e) {
        throw withContext(
          e,
          `Renaming Gitea organization "${was}" to "${news.name}" (Gitea refuses a name already taken)`,
        );
      }
    }
    const remote = ["fullName", "description", "website", "visibility"] as const;
    if (remote.some((key) => olds[key] !== news[key])) {
      const path = `/orgs/${encodeSegment(news.name)}`;
      try {
        // Older Gitea overwrites every editable field from the body, so unmanaged ones are sent back as they are.
        const current = await giteaRequest<GiteaOrg>(news.endpoint, "GET", path);
        await giteaRequest<GiteaOrg>(news.endpoint, "PATCH", path, {
          body: {
            full_name: news.fullName,
            description: news.description,
            website: news.website,
            visibility: news.visibility,
            location: current.location,
            email: current.email,
          },
        });
      } catch (e) {
        throw withContext(e, `Updating Gitea organization "${news.name}"`);
      }
    }
    const outs: GiteaOrganizationState = { ...news, orgId: olds.orgId };
    return { outs };
  },

  async delete(id: string, props: GiteaOrganizationState) {
    try {
      await giteaDelete(props.endpoint, `/orgs/${encodeSegment(props.name ?? id)}`);
    } catch (e) {
      throw withContext(
        e,
        `Deleting Gitea organization "${id}" (Gitea refuses while it still owns repositories: ` +
          "delete or move them first)",
      );
    }
  },
};

/** Arguments of `GiteaOrganization`. */
export interface GiteaOrganizationArgs {
  /** Gitea's URL and admin credentials; kept secret in state. */
  endpoint: GiteaEndpoint;
  /** Organization name (login), e.g. `hearth`; changing it renames the organization in place. */
  name: pulumi.Input<string>;
  /** Display name. @default the name */
  fullName?: pulumi.Input<string>;
  /** @default "" */
  description?: pulumi.Input<string>;
  /** @default "" */
  website?: pulumi.Input<string>;
  /** Who may see the organization. @default "private": members only, as a homelab's GitOps state should be */
  visibility?: pulumi.Input<OrgVisibility>;
}

/** A Gitea organization, managed through Gitea's REST API. Its id is the organization name. */
export class GiteaOrganization extends pulumi.dynamic.Resource {
  // `declare`: the base constructor sets the outputs, and an initialized field would overwrite them.
  /** Organization name (login). */
  declare public readonly name: pulumi.Output<string>;
  /** Display name. */
  declare public readonly fullName: pulumi.Output<string>;
  declare public readonly description: pulumi.Output<string>;
  declare public readonly website: pulumi.Output<string>;
  declare public readonly visibility: pulumi.Output<OrgVisibility>;
  /** Gitea's numeric id of the organization. */
  declare public readonly orgId: pulumi.Output<number>;

  constructor(name: string, args: GiteaOrganizationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      giteaOrganizationProvider,
      name,
      {
        endpoint: pulumi.secret(args.endpoint),
        name: args.name,
        fullName: args.fullName ?? args.name,
        description: args.description ?? "",
        website: args.website ?? "",
        visibility: args.visibility ?? "private",
        orgId: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["endpoint"] }),
      "hearth",
      "GiteaOrganization",
    );
  }
}
