/** Gitea's values, and the names and paths they pin, which the Secrets, the routes and the backup use. */
import { KEEP_ON_UNINSTALL, OIDC_SECRET, OidcLogin } from "../recipe";
import { GiteaChartValues } from "./values.schema";

/** Name of the Kubernetes Secret holding the administrator's credentials (`username`, `password`). */
export const GITEA_ADMIN_SECRET = "gitea-admin";

/** The rootless image's HTTP port, which the chart's `<fullname>-http` Service exposes. */
export const HTTP_PORT = 3000;

/** The name of the OpenID Connect auth source; Gitea's callback path is `/user/oauth2/<name>/callback`. */
export const GITEA_OIDC_SOURCE = "authelia";

/**
 * The chart's `gitea.oauth` entry for the identity provider. Read in chart 12.7.0 (ADR 13):
 * `templates/_helpers.tpl` `gitea.oauth_settings` turns every
 * key but `existingSecret` into `--<kebab-case key> "<value>"` of `gitea admin auth add-oauth` (or
 * `update-oauth` when a source of that name exists, `templates/gitea/init.yaml`), and
 * `templates/gitea/deployment.yaml` takes `--key` and `--secret` from the Secret's keys `key` and `secret`.
 * Values are quoted, so scopes go as one comma-separated string, and no boolean flag is given (a quoted
 * "false" would still switch it on). The flags exist in the Gitea 1.26.0 the sandbox runs
 * (`gitea admin auth add-oauth --help`).
 */
export function giteaOauthSource(oidc: Omit<OidcLogin, "clientSecret">): Record<string, string> {
  return {
    name: GITEA_OIDC_SOURCE,
    provider: "openidConnect",
    existingSecret: OIDC_SECRET,
    autoDiscoverUrl: `${oidc.issuer}/.well-known/openid-configuration`,
    scopes: "openid,profile,email,groups",
    groupClaimName: "groups",
    adminGroup: oidc.adminGroup,
  };
}

/**
 * The data volume: one claim mounted at /data, and the SQLite file on it (set explicitly in the values, so the
 * backup's idea of it cannot drift from the chart's default). Read in chart 12.7.0: `values.yaml`
 * (`persistence.claimName: gitea-shared-storage`), `templates/gitea/pvc.yaml` and `templates/gitea/deployment.yaml`
 * (the claim mounted at `/data`); `npm run check:charts` with that chart checks the claim is rendered.
 */
export const GITEA_CLAIM = "gitea-shared-storage";
/** Where the claim is mounted. */
export const GITEA_DATA = "/data";
/** The SQLite file, under GITEA_DATA. */
export const GITEA_DB = "gitea/gitea.db";

/**
 * The chart's object names, pinned with `fullnameOverride` so no name hangs on the release name (Helm's
 * fullname rule is not reimplemented here): the Deployment is "gitea" and the HTTP Service "gitea-http". Read
 * in chart 12.7.0: `templates/_helpers.tpl` ("gitea.fullname" returns fullnameOverride when set) and
 * `templates/gitea/_services.tpl` ("gitea.service.http.name" is `<fullname>-http`); `npm run check:charts`
 * with that chart checks that the Service the Ingress routes to is rendered.
 */
export const GITEA_FULLNAME = "gitea";
export const GITEA_HTTP_SERVICE = `${GITEA_FULLNAME}-http`;

/** Settings the Gitea values are built from. */
export interface GiteaValuesInputs {
  /** Public hostname, e.g. `git.home.example.org`. */
  hostname: string;
  /** The home's domain: webhooks to `*.<domain>` are allowed even when it resolves to a private address. */
  domain: string;
  adminEmail: string;
  storageSize: string;
  oidc?: Omit<OidcLogin, "clientSecret">;
}

/**
 * Helm values for Gitea 12.x: one pod on SQLite with a persistent volume, no bundled PostgreSQL or Valkey
 * (their Bitnami images are the chart's own moving targets and a single pod needs neither), the admin taken
 * from an existing Secret so no password sits in the values, SSH off (only HTTP crosses the tunnel), and
 * non-root, no-privilege-escalation containers.
 */
export function giteaValues(inputs: GiteaValuesInputs): GiteaChartValues {
  return {
    fullnameOverride: GITEA_FULLNAME,
    replicaCount: 1,
    // The volume is ReadWriteOnce: the old pod must stop before the new one mounts it.
    strategy: { type: "Recreate" },
    ingress: { enabled: false },
    // The connection test pod runs busybox:latest, an unpinned image.
    test: { enabled: false },
    "postgresql-ha": { enabled: false },
    postgresql: { enabled: false },
    "valkey-cluster": { enabled: false },
    valkey: { enabled: false },
    // Upstream's default already carries the keep annotation (`persistence.annotations`, read by
    // templates/gitea/pvc.yaml); setting it here keeps it when an operator's override replaces the map.
    persistence: {
      enabled: true,
      claimName: GITEA_CLAIM,
      size: inputs.storageSize,
      accessModes: ["ReadWriteOnce"],
      annotations: KEEP_ON_UNINSTALL,
    },
    podSecurityContext: { fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
    containerSecurityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      privileged: false,
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
    },
    gitea: {
      admin: {
        existingSecret: GITEA_ADMIN_SECRET,
        email: inputs.adminEmail,
        // The chart ships a literal default password; blank it so no default survives in the release.
        password: "",
        // Pulumi owns the password: every restart re-applies the Secret's value.
        passwordMode: "keepUpdated",
      },
      ...(inputs.oidc ? { oauth: [giteaOauthSource(inputs.oidc)] } : {}),
      config: {
        server: {
          DOMAIN: inputs.hostname,
          ROOT_URL: `https://${inputs.hostname}/`,
          DISABLE_SSH: true,
          START_SSH_SERVER: false,
        },
        database: { DB_TYPE: "sqlite3", PATH: `${GITEA_DATA}/${GITEA_DB}` },
        session: { PROVIDER: "db" },
        cache: { ADAPTER: "memory" },
        queue: { TYPE: "level" },
        // With SSO, accounts are made at the first sign-in through the provider and never by the form.
        service: inputs.oidc
          ? { DISABLE_REGISTRATION: false, ALLOW_ONLY_EXTERNAL_REGISTRATION: true }
          : { DISABLE_REGISTRATION: true },
        ...(inputs.oidc
          ? {
              oauth2_client: {
                ENABLE_AUTO_REGISTRATION: true,
                USERNAME: "preferred_username",
                ACCOUNT_LINKING: "auto",
              },
            }
          : {}),
        repository: { DEFAULT_PRIVATE: "private" },
        // Gitea refuses webhooks to private addresses by default; the CI lives under the home's domain.
        webhook: { ALLOWED_HOST_LIST: `external,${inputs.domain},*.${inputs.domain}` },
      },
    },
  };
}
