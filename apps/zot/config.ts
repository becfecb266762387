/** zot's own files, which the values mount: its `config.json` and its `htpasswd`. */

/** User the kubelet's probes log in as: it exists in htpasswd but no policy grants it anything. */
export const ZOT_PROBE_USER = "healthcheck";

/** zot's port: the container's, the Service's and `http.port` in its config. */
export const PORT = 5000;
/** Where the htpasswd Secret is mounted. */
export const SECRET_DIR = "/secret";

/** Where the OIDC client's credentials file is mounted (`credentialsFile`). */
export const OIDC_DIR = "/secret-oidc";

/**
 * The OpenID Connect part of zot's config, read at project-zot/zot v2.1.13: `pkg/api/config/config.go`
 * (`OpenIDProviderConfig`: credentialsFile, name, issuer, scopes; `Policy.Groups`), `pkg/cli/server/root.go`
 * (`updateOpenIDConfig` reads `clientid` and `clientsecret` from the credentials file, strictly) and
 * `pkg/api/authn.go` (the callback is `http.externalUrl` + `/zot/auth/callback/oidc`).
 */
export interface ZotOidc {
  issuer: string;
  externalUrl: string;
  adminGroup: string;
}

/** One htpasswd entry: a user and the bcrypt hash of their password. */
export interface HtpasswdEntry {
  user: string;
  bcryptHash: string;
}

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** An htpasswd file of bcrypt entries, the only hash zot accepts; refuses malformed users or hashes. */
export function htpasswdFile(entries: HtpasswdEntry[]): string {
  if (entries.length === 0) throw new Error("zot: htpasswd needs at least one user.");
  const seen = new Set<string>();
  for (const { user, bcryptHash } of entries) {
    if (!USER_NAME.test(user)) {
      throw new Error(
        `zot: user name "${user}" is not valid in htpasswd; use letters, digits, ".", "_" or "-" ` +
          `(hearth:apps.settings.zot or the recipe's username).`,
      );
    }
    if (seen.has(user)) throw new Error(`zot: user "${user}" appears twice in htpasswd.`);
    seen.add(user);
    if (!BCRYPT.test(bcryptHash)) {
      throw new Error(
        `zot: the password of "${user}" is not a bcrypt hash ($2a$...); pass GeneratedPassword's ` +
          `bcryptHash, never the password itself.`,
      );
    }
  }
  return entries.map((e) => `${e.user}:${e.bcryptHash}`).join("\n") + "\n";
}

/**
 * zot's config.json: images on the persistent volume with garbage collection, htpasswd authentication
 * from the mounted Secret, and every repository readable and writable by `user` alone. Any other
 * authenticated user (the probe's) can reach `/v2/` but no repository.
 */
export function zotConfig(user: string, oidc?: ZotOidc): string {
  const all = ["read", "create", "update", "delete"];
  // Members of the admin group, signed in through the provider, get what the push user gets.
  const who = { users: [user], ...(oidc ? { groups: [oidc.adminGroup] } : {}) };
  return JSON.stringify(
    {
      storage: { rootDirectory: "/var/lib/registry", gc: true },
      http: {
        address: "0.0.0.0",
        port: String(PORT),
        realm: "hearth",
        ...(oidc ? { externalUrl: oidc.externalUrl } : {}),
        auth: {
          htpasswd: { path: `${SECRET_DIR}/htpasswd` },
          ...(oidc
            ? {
                openid: {
                  providers: {
                    oidc: {
                      name: "Authelia",
                      issuer: oidc.issuer,
                      credentialsFile: `${OIDC_DIR}/oidc.json`,
                      scopes: ["openid", "profile", "email", "groups"],
                    },
                  },
                },
              }
            : {}),
        },
        accessControl: {
          repositories: {
            "**": { policies: [{ ...who, actions: all }], defaultPolicy: [] },
          },
          adminPolicy: { ...who, actions: all },
        },
      },
      log: { level: "info" },
    },
    null,
    2,
  );
}
