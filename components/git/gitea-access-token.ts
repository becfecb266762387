/**
 * A Gitea access token with the scopes Hearth needs, made once with a login's password over basic auth (Gitea
 * makes tokens only so: routers/api/v1/api.go, reqBasicOrRevProxyAuth) and used for every later call. The
 * password then travels once per token instead of with every call, and what reaches the API is a credential
 * that cannot sign in to the web UI, change the password or mint other tokens, limited to its scopes and
 * revocable on its own.
 *
 * Gitea API calls, as in Gitea 1.26's swagger: POST /users/{username}/tokens (CreateAccessTokenOption: name,
 * scopes; the answer's `sha1` is the token, shown once), GET /users/{username}/tokens, DELETE
 * /users/{username}/tokens/{token} (by name or id).
 */
import * as pulumi from "@pulumi/pulumi";
import { GiteaEndpoint } from "../types";
import {
  GiteaConnection,
  encodeSegment,
  giteaDelete,
  giteaRequest,
  withContext,
} from "./gitea-client";
import { isGiteaError } from "./gitea-errors";
import { diffProperties } from "./property-diff";

/** What the token provider receives, every input resolved. */
export interface GiteaAccessTokenInputs {
  /** Gitea's URL and the login the token is made for, with its password (basic auth). */
  endpoint: GiteaConnection;
  /** The token's name, unique for its user. */
  name: string;
  /** Gitea scopes, e.g. `write:repository`. */
  scopes: string[];
}

/** What it keeps in state: the inputs and the token (secret). */
export interface GiteaAccessTokenState extends GiteaAccessTokenInputs {
  token: string;
}

/** Another user, name or scope is another token; new credentials or a CA are stored as they are. */
const TOKEN_DIFF = { replaceOn: ["user", "name", "scopes"], updateOn: ["endpoint"] };

const tokensPath = (user: string) => `/users/${encodeSegment(user)}/tokens`;

function owner(i: GiteaAccessTokenInputs): string {
  if (!i.endpoint.username || !i.endpoint.password)
    throw new Error(
      `Gitea access token "${i.name}": the endpoint needs the login's username and password (Gitea makes tokens over basic auth only)`,
    );
  return i.endpoint.username;
}

/** The endpoint with basic auth only: a token in it would be refused for this route. */
function basic(i: GiteaAccessTokenInputs): GiteaConnection {
  return { ...i.endpoint, token: undefined };
}

/**
 * The dynamic provider behind `GiteaAccessToken`. Serialized by closure into the state, so it captures only the
 * import-free client and diff helpers.
 */
export const giteaAccessTokenProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: GiteaAccessTokenState, news: GiteaAccessTokenInputs) {
    const d = diffProperties(
      { ...olds, user: olds.endpoint?.username },
      { ...news, user: news.endpoint?.username },
      TOKEN_DIFF,
    );
    // A token revoked in Gitea since (seen by a refresh) is made again. The old one goes first: both have the
    // same name, so deleting it after the new one was made would revoke the new one.
    if (!olds.token) return { ...d, changes: true, replaces: ["token"], deleteBeforeReplace: true };
    return d.replaces.length > 0 ? { ...d, deleteBeforeReplace: true } : d;
  },

  async create(inputs: GiteaAccessTokenInputs) {
    const user = owner(inputs);
    const doing = `Creating Gitea access token "${inputs.name}" for ${user}`;
    try {
      // A run interrupted after the create left a token of this name, whose secret nobody has: replace it.
      await giteaDelete(basic(inputs), `${tokensPath(user)}/${encodeSegment(inputs.name)}`);
      const made = await giteaRequest<{ sha1: string }>(basic(inputs), "POST", tokensPath(user), {
        body: { name: inputs.name, scopes: inputs.scopes },
      });
      return { id: `${user}/${inputs.name}`, outs: { ...inputs, token: made.sha1 } };
    } catch (e) {
      throw withContext(e, doing);
    }
  },

  async read(id: string, props: GiteaAccessTokenState) {
    const list = await giteaRequest<{ name: string }[]>(
      basic(props),
      "GET",
      tokensPath(owner(props)),
    );
    // Revoked in Gitea: keep the resource, without a token, so the next up makes one.
    if (!list.some((t) => t.name === props.name)) return { id, props: { ...props, token: "" } };
    return { id, props };
  },

  async update(_id: string, _olds: GiteaAccessTokenState, news: GiteaAccessTokenInputs) {
    // Only the endpoint changed (diff replaces on anything else): the token stays valid.
    return { outs: { ...news, token: _olds.token } };
  },

  async delete(_id: string, props: GiteaAccessTokenState) {
    try {
      await giteaDelete(basic(props), `${tokensPath(owner(props))}/${encodeSegment(props.name)}`);
    } catch (e) {
      // The login's password changed or the user went: nothing is left to revoke with these credentials.
      if (isGiteaError(e, 401)) return;
      throw withContext(e, `Deleting Gitea access token "${props.name}"`);
    }
  },
};

/** Arguments of `GiteaAccessToken`. */
export interface GiteaAccessTokenArgs {
  /** Gitea's URL and the login (username and password) the token is made for; kept secret in state. */
  endpoint: GiteaEndpoint;
  /** @default "hearth" */
  name?: string;
  /** Gitea scopes the token carries, e.g. `["read:repository"]`. */
  scopes: string[];
}

/** A Gitea access token; `token` is secret. Its id is `<user>/<name>`. */
export class GiteaAccessToken extends pulumi.dynamic.Resource {
  declare public readonly token: pulumi.Output<string>;

  constructor(name: string, args: GiteaAccessTokenArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      giteaAccessTokenProvider,
      name,
      {
        endpoint: pulumi.secret(args.endpoint),
        name: args.name ?? "hearth",
        scopes: [...args.scopes].sort(),
        token: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["endpoint", "token"] }),
      "hearth",
      "GiteaAccessToken",
    );
  }
}
