import * as pulumi from "@pulumi/pulumi";
import { GiteaEndpoint } from "../types";
import { GiteaConnection, giteaDelete, giteaFind, giteaRequest, withContext } from "./gitea-client";
import type { GiteaOAuth2App } from "./gitea-api";
import { diffProperties } from "./property-diff";

/** What the OAuth2 application provider receives, every input resolved. */
export interface GiteaOAuth2ApplicationInputs {
  endpoint: GiteaConnection;
  name: string;
  redirectUris: string[];
  confidentialClient: boolean;
}

/** What the OAuth2 application provider keeps in state. */
export interface GiteaOAuth2ApplicationState extends GiteaOAuth2ApplicationInputs {
  appId: number;
  clientId: string;
  /** Gitea shows it only in the answers to create and update; state is the one place that keeps it. */
  clientSecret: string;
}

/** Everything is edited in place: a new client id would break every app already configured with it. */
const OAUTH2_DIFF = {
  replaceOn: [],
  updateOn: ["name", "redirectUris", "confidentialClient", "endpoint"],
};

function appPath(id: string | number): string {
  return `/user/applications/oauth2/${encodeURIComponent(String(id))}`;
}

/**
 * The dynamic provider behind `GiteaOAuth2Application`. Serialized by closure into the state, so it captures
 * only the import-free client and diff helpers.
 */
export const giteaOAuth2ApplicationProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: GiteaOAuth2ApplicationState, news: GiteaOAuth2ApplicationInputs) {
    return diffProperties({ ...olds }, { ...news }, OAUTH2_DIFF);
  },

  async create(inputs: GiteaOAuth2ApplicationInputs) {
    // Names are not unique in Gitea, so a retried or interrupted create would leave a twin. An application
    // of this name with these redirect URIs is taken over instead; the update gives it a new secret, as its
    // old one cannot be read back (seen against Gitea 1.26.0 in the sandbox: same id, one app, new secret).
    let twin: GiteaOAuth2App | undefined;
    try {
      for (let page = 1; !twin; page++) {
        const apps = await giteaRequest<GiteaOAuth2App[]>(
          inputs.endpoint,
          "GET",
          `/user/applications/oauth2?page=${page}&limit=50`,
        );
        if (apps.length === 0) break;
        twin = apps.find(
          (a) =>
            a.name === inputs.name &&
            JSON.stringify(a.redirect_uris ?? []) === JSON.stringify(inputs.redirectUris),
        );
      }
    } catch (e) {
      throw withContext(e, `Listing Gitea OAuth2 applications before creating "${inputs.name}"`);
    }
    let app: GiteaOAuth2App;
    try {
      app = await giteaRequest<GiteaOAuth2App>(
        inputs.endpoint,
        twin ? "PATCH" : "POST",
        twin ? appPath(twin.id) : "/user/applications/oauth2",
        {
          body: {
            name: inputs.name,
            redirect_uris: inputs.redirectUris,
            confidential_client: inputs.confidentialClient,
          },
        },
      );
    } catch (e) {
      throw withContext(e, `Creating Gitea OAuth2 application "${inputs.name}"`);
    }
    const outs: GiteaOAuth2ApplicationState = {
      ...inputs,
      appId: app.id,
      clientId: app.client_id,
      clientSecret: app.client_secret,
    };
    return { id: String(app.id), outs };
  },

  async read(id: string, props: GiteaOAuth2ApplicationState) {
    const app = await giteaFind<GiteaOAuth2App>(props.endpoint, appPath(id));
    // Deleted out of band: an empty id tells the engine the resource is gone.
    if (!app) return { id: "", props: {} };
    const live: GiteaOAuth2ApplicationState = {
      ...props,
      name: app.name,
      redirectUris: app.redirect_uris ?? [],
      confidentialClient: app.confidential_client,
      appId: app.id,
      clientId: app.client_id,
      // Gitea answers reads with an empty secret; the one from create or the last update stays valid.
      clientSecret: app.client_secret || props.clientSecret,
    };
    return { id, props: live };
  },

  async update(id: string, olds: GiteaOAuth2ApplicationState, news: GiteaOAuth2ApplicationInputs) {
    const remote = ["name", "redirectUris", "confidentialClient"] as const;
    const changed = remote.some((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
    if (!changed) {
      // Only the endpoint changed: no call, because every PATCH makes Gitea issue a new client secret.
      return { outs: { ...olds, ...news } };
    }
    let app: GiteaOAuth2App;
    try {
      app = await giteaRequest<GiteaOAuth2App>(news.endpoint, "PATCH", appPath(id), {
        body: {
          name: news.name,
          redirect_uris: news.redirectUris,
          confidential_client: news.confidentialClient,
        },
      });
    } catch (e) {
      throw withContext(e, `Updating Gitea OAuth2 application "${olds.name}" (id ${id})`);
    }
    const outs: GiteaOAuth2ApplicationState = {
      ...news,
      appId: app.id,
      clientId: app.client_id,
      // The PATCH regenerated the secret and the old one no longer works: keep the new one.
      clientSecret: app.client_secret || olds.clientSecret,
    };
    return { outs };
  },

  async delete(id: string, props: GiteaOAuth2ApplicationState) {
    try {
      await giteaDelete(props.endpoint, appPath(id));
    } catch (e) {
      throw withContext(e, `Deleting Gitea OAuth2 application "${props.name}" (id ${id})`);
    }
  },
};

/** Arguments of `GiteaOAuth2Application`. */
export interface GiteaOAuth2ApplicationArgs {
  /** Gitea's URL and admin credentials; kept secret in state. The application belongs to this user. */
  endpoint: GiteaEndpoint;
  /** Display name shown on Gitea's consent page. */
  name: pulumi.Input<string>;
  /** Redirect URIs the client may use, e.g. `https://argocd.example.org/auth/callback`. */
  redirectUris: pulumi.Input<pulumi.Input<string>[]>;
  /** A confidential client authenticates with its secret; a public one (SPA, CLI) uses PKCE. @default true */
  confidentialClient?: pulumi.Input<boolean>;
}

/**
 * An OAuth2 application (client) in Gitea, for apps that sign in with Gitea. Its id is Gitea's numeric id.
 * Changing any input edits it in place, which makes Gitea issue a new client secret: `clientSecret` follows.
 */
export class GiteaOAuth2Application extends pulumi.dynamic.Resource {
  // `declare`: the base constructor sets the outputs, and an initialized field would overwrite them.
  declare public readonly name: pulumi.Output<string>;
  declare public readonly redirectUris: pulumi.Output<string[]>;
  declare public readonly confidentialClient: pulumi.Output<boolean>;
  /** Gitea's numeric id of the application. */
  declare public readonly appId: pulumi.Output<number>;
  /** OAuth2 client id (a UUID). */
  declare public readonly clientId: pulumi.Output<string>;
  /** Secret: OAuth2 client secret. */
  declare public readonly clientSecret: pulumi.Output<string>;

  constructor(name: string, args: GiteaOAuth2ApplicationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      giteaOAuth2ApplicationProvider,
      name,
      {
        endpoint: pulumi.secret(args.endpoint),
        name: args.name,
        redirectUris: args.redirectUris,
        confidentialClient: args.confidentialClient ?? true,
        appId: undefined,
        clientId: undefined,
        clientSecret: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["endpoint", "clientSecret"] }),
      "hearth",
      "GiteaOAuth2Application",
    );
  }
}
