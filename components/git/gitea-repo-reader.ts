/**
 * A Gitea user that may only read one repository: Argo CD clones the GitOps repository with its access token
 * (scope read:repository), so the credential in the cluster can neither push, sign in, nor administer Gitea
 * (it used to be the site admin's, then this user's password).
 * Created through the admin API (the endpoint's credentials must be a site admin's), made a collaborator
 * with "read" permission, and given a generated password that Pulumi owns.
 *
 * Gitea API calls, as in Gitea 1.26's swagger (templates/swagger/v1_json.tmpl): POST /admin/users
 * (CreateUserOption), PATCH /admin/users/{username} (EditUserOption: login_name, source_id, password,
 * must_change_password), DELETE /admin/users/{username}?purge=true, PUT and DELETE
 * /repos/{owner}/{repo}/collaborators/{collaborator} (AddCollaboratorOption: permission) and GET
 * .../collaborators/{collaborator}/permission. The sandbox e2e runs them against a real Gitea 1.26.0.
 */
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
import { isGiteaError } from "./gitea-errors";
import { diffProperties } from "./property-diff";

/** What the reader provider receives, every input resolved. */
export interface GiteaRepoReaderInputs {
  endpoint: GiteaConnection;
  owner: string;
  repo: string;
  username: string;
  email: string;
  password: string;
}

/**
 * What it keeps in state: the inputs, the permission Gitea reported at the last read, and the reader's access
 * token (read:repository only), which is what Argo CD clones with: the password, which could sign in and mint
 * tokens of any scope, never leaves the state.
 */
export interface GiteaRepoReaderState extends GiteaRepoReaderInputs {
  permission: string;
  token: string;
}

/** The reader token's name and its one scope. */
export const READER_TOKEN = { name: "argocd-clone", scopes: ["read:repository"] };

const readerTokens = (u: string) => `/users/${encodeSegment(u)}/tokens`;

/** A new read:repository token for the reader, made with its own password (basic auth, as Gitea requires). */
async function mintToken(i: GiteaRepoReaderInputs): Promise<string> {
  const self: GiteaConnection = {
    url: i.endpoint.url,
    ca: i.endpoint.ca,
    username: i.username,
    password: i.password,
  };
  // A token of this name left by an interrupted run has a secret nobody kept: replace it.
  await giteaDelete(self, `${readerTokens(i.username)}/${encodeSegment(READER_TOKEN.name)}`);
  const made = await giteaRequest<{ sha1: string }>(self, "POST", readerTokens(i.username), {
    body: READER_TOKEN,
  });
  return made.sha1;
}

/** A new user name is a new user; the rest changes in place. */
const READER_DIFF = {
  replaceOn: ["username"],
  updateOn: ["owner", "repo", "email", "password", "endpoint"],
};

const userPath = (u: string) => `/admin/users/${encodeSegment(u)}`;
const collaboratorPath = (o: string, r: string, u: string) =>
  `/repos/${encodeSegment(o)}/${encodeSegment(r)}/collaborators/${encodeSegment(u)}`;

async function setPassword(i: GiteaRepoReaderInputs): Promise<void> {
  await giteaRequest(i.endpoint, "PATCH", userPath(i.username), {
    body: {
      login_name: i.username,
      source_id: 0,
      email: i.email,
      password: i.password,
      must_change_password: false,
    },
  });
}

async function grantRead(i: GiteaRepoReaderInputs): Promise<void> {
  await giteaRequest(i.endpoint, "PUT", collaboratorPath(i.owner, i.repo, i.username), {
    body: { permission: "read" },
  });
}

/**
 * The dynamic provider behind `GiteaRepoReader`. Serialized by closure into the state, so it captures only
 * the import-free client and diff helpers.
 */
export const giteaRepoReaderProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: GiteaRepoReaderState, news: GiteaRepoReaderInputs) {
    const d = diffProperties({ ...olds }, { ...news }, READER_DIFF);
    // A grant lost or widened in Gitea since (seen by a refresh) is put back to "read" by an update.
    if (olds.permission !== "read" && !d.changes) return { ...d, changes: true };
    // A reader made before it had a token gets one.
    if (!olds.token && !d.changes) return { ...d, changes: true };
    return d;
  },

  async create(inputs: GiteaRepoReaderInputs) {
    const doing = `Creating Gitea user "${inputs.username}" with read access to ${inputs.owner}/${inputs.repo}`;
    try {
      await giteaRequest(inputs.endpoint, "POST", "/admin/users", {
        body: {
          username: inputs.username,
          email: inputs.email,
          password: inputs.password,
          must_change_password: false,
          visibility: "private",
        },
      });
    } catch (e) {
      // A run interrupted after the create left the user: take it over, setting the password Pulumi owns.
      if (!(isGiteaError(e, 422) && /already exist/i.test(e.giteaMessage)))
        throw withContext(e, doing);
      try {
        await setPassword(inputs);
      } catch (e2) {
        throw withContext(e2, doing);
      }
    }
    let token: string;
    try {
      await grantRead(inputs);
      token = await mintToken(inputs);
    } catch (e) {
      throw withContext(e, doing);
    }
    return { id: inputs.username, outs: { ...inputs, permission: "read", token } };
  },

  async read(id: string, props: GiteaRepoReaderState) {
    const user = await giteaFind(props.endpoint, `/users/${encodeSegment(id)}`);
    if (!user) return { id: "", props: {} };
    const perm = await giteaFind<{ permission: string }>(
      props.endpoint,
      `${collaboratorPath(props.owner, props.repo, id)}/permission`,
    );
    return { id, props: { ...props, permission: perm?.permission ?? "none" } };
  },

  async update(id: string, olds: GiteaRepoReaderState, news: GiteaRepoReaderInputs) {
    const doing = `Updating Gitea user "${id}"`;
    let token = olds.token;
    try {
      const newPassword = olds.password !== news.password;
      if (newPassword || olds.email !== news.email) await setPassword(news);
      // Another repository: the old grant goes (404 when the repository was renamed, which moves it).
      if (olds.owner !== news.owner || olds.repo !== news.repo) {
        await giteaDelete(news.endpoint, collaboratorPath(olds.owner, olds.repo, id));
      }
      await grantRead(news);
      if (!token || newPassword) token = await mintToken(news);
    } catch (e) {
      throw withContext(e, doing);
    }
    return { outs: { ...news, permission: "read", token } };
  },

  async delete(id: string, props: GiteaRepoReaderState) {
    try {
      await giteaDelete(props.endpoint, collaboratorPath(props.owner, props.repo, id));
      await giteaDelete(props.endpoint, `${userPath(id)}?purge=true`);
    } catch (e) {
      throw withContext(e, `Deleting Gitea user "${id}"`);
    }
  },
};

/** Arguments of `GiteaRepoReader`. */
export interface GiteaRepoReaderArgs {
  /** Gitea's URL and a site admin's credentials; kept secret in state. */
  endpoint: GiteaEndpoint;
  owner: pulumi.Input<string>;
  repo: pulumi.Input<string>;
  /** The reader's login, e.g. `hearth-argocd`. */
  username: string;
  /** @default `<username>@users.noreply.invalid` */
  email?: string;
  /** Secret: its password (a GeneratedPassword's result). */
  password: pulumi.Input<string>;
}

/** A Gitea user with read permission on one repository. Its id is the user name. */
export class GiteaRepoReader extends pulumi.dynamic.Resource {
  declare public readonly username: pulumi.Output<string>;
  declare public readonly password: pulumi.Output<string>;
  /** Secret: the reader's access token (read:repository), which clones; the password stays in the state. */
  declare public readonly token: pulumi.Output<string>;

  constructor(name: string, args: GiteaRepoReaderArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      giteaRepoReaderProvider,
      name,
      {
        endpoint: pulumi.secret(args.endpoint),
        owner: args.owner,
        repo: args.repo,
        username: args.username,
        email: args.email ?? `${args.username}@users.noreply.invalid`,
        password: pulumi.secret(args.password),
        permission: undefined,
        token: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["endpoint", "password", "token"] }),
      "hearth",
      "GiteaRepoReader",
    );
  }
}
