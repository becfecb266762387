/**
 * Single sign-on for the stack (ADR 10): the users' generated initial passwords, one OpenID Connect client per
 * app that speaks OIDC (its secret generated, the provider keeping only its digest), the hosts that sit behind
 * forward-auth, and Authelia itself, deployed before the apps that sign in through it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authelia from "../apps/authelia";
import { forwardAuthAddress } from "../apps/authelia/values";
import { AppMetadata, hostnameFor, OidcLogin } from "../apps/recipe";
import { GeneratedPassword } from "../components/secrets/generated-password";
import { GeneratedRsaKey } from "../components/secrets/generated-rsa-key";
import { Platform } from "../components/types";
import { LoadedConfig } from "./config";

/** Where each app's OIDC client sends the browser back, read at the apps' pinned sources. */
export const OIDC_REDIRECT_PATHS: Record<string, string> = {
  // argoproj/argo-cd v3.5.1 common/common.go: CallbackEndpoint "/auth/callback" under argocd-cm `url`.
  argocd: "/auth/callback",
  // Gitea routes /user/oauth2/{provider}/callback; {provider} is the auth source's name (GITEA_OIDC_SOURCE).
  gitea: "/user/oauth2/authelia/callback",
  // project-zot/zot v2.1.13 pkg/api/constants/consts.go: CallbackBasePath "/zot/auth/callback" + "/oidc".
  zot: "/zot/auth/callback/oidc",
  // Authelia v4.39.19's Grafana guide (docs/content/integration/openid-connect/clients/grafana/index.md).
  grafana: "/login/generic_oauth",
};

/** Apps whose client sends a PKCE verifier (Grafana's `use_pkce`, as Authelia's guide sets it). */
const PKCE_APPS = new Set(["grafana"]);

/** Scopes every client asks for: the groups claim drives the apps' admin roles. */
const SCOPES = ["openid", "profile", "email", "groups"];

/** What the identity layer hands the apps. */
export interface IdentityResult {
  /** App name -> its OIDC login, for every enabled app whose SSO is on and that has a client. */
  oidc: Record<string, OidcLogin>;
  /** The address Traefik's ForwardAuth calls, for the apps behind forward-auth. */
  forwardAuth: Record<string, string>;
  /** User name -> initial password (secret): the stack output `identityLogins`. */
  logins: Record<string, pulumi.Output<string>>;
  deployed: ReturnType<typeof authelia.deploy>;
}

/**
 * Whether an enabled app signs in through the provider: its catalogue kind and its `sso` setting. The catalogue
 * is passed in: this module is the identity recipe's (apps/authelia/ `wire`), which the catalogue lists.
 */
export function ssoOn(
  c: LoadedConfig,
  app: string,
  catalogue: Readonly<Record<string, AppMetadata>>,
): boolean {
  const kind = catalogue[app]?.sso;
  if (kind !== "oidc" && kind !== "forward-auth") return false;
  return c.apps.settings[app]?.sso !== false;
}

/** Builds the identity provider and everything the apps need to sign in through it. */
export function buildIdentity(
  name: string,
  c: LoadedConfig,
  platform: Platform,
  opts: pulumi.ComponentResourceOptions,
  parent: pulumi.Resource,
  catalogue: Readonly<Record<string, AppMetadata>>,
): IdentityResult {
  const id = c.identity!;
  const secretOpts = { parent };
  const password = (key: string, length: number, rotateAfterDays = 0) =>
    new GeneratedPassword(`${name}-${key}`, { length, rotateAfterDays }, secretOpts);
  const groupsOf = (app: string) => c.apps.settings[app]?.groups ?? [];

  const users = id.users.map((u) => ({
    user: u,
    password: password(`identity-${u.name}`, 24, id.passwordRotateAfterDays),
  }));
  const clients = c.apps.enabled
    .filter((app) => catalogue[app]?.sso === "oidc" && ssoOn(c, app, catalogue))
    .map((app) => {
      const host = hostnameFor(catalogue[app], c.domain, c.apps.settings[app])!;
      return {
        app,
        host,
        // A client secret as long as Authelia's own generator makes them (72 characters).
        secret: password(`oidc-${app}`, 72),
      };
    });
  const protectedHosts = c.apps.enabled
    .filter((app) => catalogue[app]?.sso === "forward-auth" && ssoOn(c, app, catalogue))
    .map((app) => ({
      host: hostnameFor(catalogue[app], c.domain, c.apps.settings[app])!,
      groups: groupsOf(app),
      bypassPaths: catalogue[app].healthPath ? [catalogue[app].healthPath!] : [],
      app,
    }));

  const session = password("authelia-session", 64);
  const storage = password("authelia-storage-key", 64);
  const hmac = password("authelia-oidc-hmac", 64);
  const resetJwt = password("authelia-reset-jwt", 64);
  const jwks = new GeneratedRsaKey(`${name}-authelia-oidc-key`, { bits: 2048 }, secretOpts);

  const inputs = pulumi
    .all([
      pulumi.all(users.map((u) => u.password.bcryptHash)),
      pulumi.all(clients.map((cl) => cl.secret.bcryptHash)),
      pulumi.all([session.result, storage.result, hmac.result, resetJwt.result]),
      pulumi.all([jwks.privateKeyPem, jwks.keyId]),
    ])
    .apply(([userHashes, clientHashes, [session, storage, hmac, resetJwt], [key, keyId]]) => ({
      secondFactor: id.secondFactor,
      users: users.map(({ user }, i) => ({
        name: user.name,
        displayName: user.displayName ?? user.name,
        email: user.email,
        groups: user.groups,
        passwordHash: userHashes[i],
      })),
      clients: clients.map((cl, i) => ({
        app: cl.app,
        clientId: `hearth-${cl.app}`,
        clientName: catalogue[cl.app].title,
        redirectUris: [`https://${cl.host}${OIDC_REDIRECT_PATHS[cl.app]}`],
        scopes: SCOPES,
        secretHash: clientHashes[i],
        groups: groupsOf(cl.app),
        pkce: PKCE_APPS.has(cl.app),
      })),
      protectedHosts: protectedHosts.map(({ host, groups, bypassPaths }) => ({
        host,
        groups,
        bypassPaths,
      })),
      secrets: {
        sessionSecret: session,
        storageEncryptionKey: storage,
        oidcHmacSecret: hmac,
        resetPasswordJwtSecret: resetJwt,
        jwksKeyPem: key,
        jwksKeyId: keyId,
      },
    }));

  const deployed = authelia.deploy(
    `${name}-authelia`,
    { platform, overrides: c.apps.settings.authelia, extra: { inputs } },
    opts,
  );
  const oidc: Record<string, OidcLogin> = {};
  for (const cl of clients) {
    oidc[cl.app] = {
      issuer: deployed.issuer,
      clientId: `hearth-${cl.app}`,
      clientSecret: pulumi.secret(cl.secret.result),
      adminGroup: id.adminGroup,
      groups: groupsOf(cl.app),
    };
  }
  const forwardAuth: Record<string, string> = {};
  for (const h of protectedHosts) forwardAuth[h.app] = forwardAuthAddress();
  return {
    oidc,
    forwardAuth,
    logins: Object.fromEntries(
      users.map(({ user, password: p }) => [user.name, pulumi.secret(p.result)]),
    ),
    deployed,
  };
}
