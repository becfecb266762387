/**
 * Authelia's own files, which Hearth writes into its Secret: `configuration.yaml` and `users_database.yml`. Every
 * key was read at authelia/authelia tag `v4.39.19`, in their JSON schemas
 * `docs/static/schemas/v4.39/json-schema/configuration.json` and `user-database.json`, which
 * `apps/authelia/index.test.ts` validates the generated files against.
 */
import { DATA_DIR, LISTEN_PORT, SECRET_DIR } from "./values";

/** One person, as Authelia's file backend lists them. */
export interface IdentityUser {
  name: string;
  displayName: string;
  email: string;
  groups: string[];
  /** Secret: the bcrypt digest of the initial password. */
  passwordHash: string;
}

/** One OpenID Connect client: an app that signs in through Authelia. */
export interface OidcClient {
  /** The catalogue app. */
  app: string;
  clientId: string;
  clientName: string;
  redirectUris: string[];
  scopes: string[];
  /** Secret: the bcrypt digest of the client secret; the app keeps the secret itself. */
  secretHash: string;
  /** Groups allowed to sign in; empty for every user. */
  groups: string[];
  /** Whether the app sends the code verifier (PKCE, S256). */
  pkce: boolean;
}

/** A hostname behind forward-auth, with the paths anyone may fetch (its health path). */
export interface ProtectedHost {
  host: string;
  groups: string[];
  bypassPaths: string[];
}

/** Everything the configuration is made from; the secret fields are plain here and sealed by the caller. */
export interface AutheliaInputs {
  domain: string;
  /** `auth.<domain>`: the portal and the OIDC issuer. */
  hostname: string;
  secondFactor: boolean;
  users: IdentityUser[];
  clients: OidcClient[];
  protectedHosts: ProtectedHost[];
  secrets: {
    sessionSecret: string;
    storageEncryptionKey: string;
    oidcHmacSecret: string;
    resetPasswordJwtSecret: string;
    jwksKeyPem: string;
    jwksKeyId: string;
  };
}

/** A regex matching exactly one path, as access-control `resources` takes them. */
function exactPath(path: string): string {
  return `^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
}

const subjects = (groups: string[]) => groups.map((g) => `group:${g}`);

/**
 * Authelia's `configuration.yaml`: the file backend on the users file, OpenID Connect with one client per
 * app, forward-auth for the hosts without OIDC, access rules that deny by default, SQLite on the data volume.
 * The users file is Hearth's, so password reset and change are off: a change made in Authelia would be lost
 * at the next `up`.
 */
export function autheliaConfig(i: AutheliaInputs): Record<string, unknown> {
  const policy = i.secondFactor ? "two_factor" : "one_factor";
  const rules: Record<string, unknown>[] = [
    // Health paths first, so the SLO probes and Homepage's tiles see the app, not the portal.
    ...i.protectedHosts
      .filter((h) => h.bypassPaths.length > 0)
      .map((h) => ({
        domain: h.host,
        policy: "bypass",
        resources: h.bypassPaths.map(exactPath),
      })),
    ...i.protectedHosts.map((h) => ({
      domain: h.host,
      policy,
      ...(h.groups.length > 0 ? { subject: subjects(h.groups) } : {}),
    })),
  ];
  return {
    theme: "auto",
    log: { level: "info" },
    server: {
      address: `tcp://:${LISTEN_PORT}/`,
      endpoints: { authz: { "forward-auth": { implementation: "ForwardAuth" } } },
    },
    totp: { issuer: i.domain },
    webauthn: { display_name: "Hearth" },
    identity_validation: {
      reset_password: { jwt_secret: i.secrets.resetPasswordJwtSecret },
    },
    authentication_backend: {
      password_reset: { disable: true },
      password_change: { disable: true },
      file: {
        path: `${SECRET_DIR}/users_database.yml`,
        // A mounted Secret changes by symlink swap; the pod restarts on a new checksum instead.
        watch: false,
        // The digests Hearth's plugin writes: bcrypt, cost 10 (ADR 8), which the schema's minimum allows.
        password: { algorithm: "bcrypt", bcrypt: { variant: "standard", cost: 10 } },
      },
    },
    session: {
      secret: i.secrets.sessionSecret,
      cookies: [{ domain: i.domain, authelia_url: `https://${i.hostname}` }],
    },
    regulation: { max_retries: 5, find_time: "2m", ban_time: "10m" },
    storage: {
      encryption_key: i.secrets.storageEncryptionKey,
      local: { path: `${DATA_DIR}/db.sqlite3` },
    },
    // No SMTP yet: one-time codes for registering a second factor land in this file (docs/identity.md).
    notifier: { filesystem: { filename: `${DATA_DIR}/notification.txt` } },
    access_control: { default_policy: "deny", rules },
    identity_providers: {
      oidc: {
        hmac_secret: i.secrets.oidcHmacSecret,
        jwks: [
          {
            key_id: i.secrets.jwksKeyId,
            algorithm: "RS256",
            use: "sig",
            key: i.secrets.jwksKeyPem,
          },
        ],
        authorization_policies: Object.fromEntries(
          i.clients.map((c) => [
            `hearth-${c.app}`,
            {
              default_policy: "deny",
              rules: [{ policy, ...(c.groups.length > 0 ? { subject: subjects(c.groups) } : {}) }],
            },
          ]),
        ),
        clients: i.clients.map((c) => ({
          client_id: c.clientId,
          client_name: c.clientName,
          client_secret: c.secretHash,
          public: false,
          authorization_policy: `hearth-${c.app}`,
          redirect_uris: c.redirectUris,
          scopes: c.scopes,
          token_endpoint_auth_method: "client_secret_basic",
          ...(c.pkce ? { require_pkce: true, pkce_challenge_method: "S256" } : {}),
        })),
      },
    },
  };
}

/** Authelia's `users_database.yml`: every declared user with the digest of their initial password. */
export function usersDatabase(users: IdentityUser[]): Record<string, unknown> {
  return {
    users: Object.fromEntries(
      users.map((u) => [
        u.name,
        {
          displayname: u.displayName,
          password: u.passwordHash,
          email: u.email,
          groups: u.groups,
        },
      ]),
    ),
  };
}
