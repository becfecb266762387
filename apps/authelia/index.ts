import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import {
  AppMetadata,
  DeployedApp,
  KEEP_ON_UNINSTALL,
  RecipeArgs,
  requireHostname,
} from "../recipe";
import { buildIdentity } from "../../stacks/identity";
import { Wire } from "../wire";

/**
 * Authelia: the home's one identity provider (ADR 10). Every value below that Authelia or its chart reads
 * was read at these tags:
 * - the chart, authelia/chartrepo tag `authelia-0.11.5`, `charts/authelia` (`values.yaml`,
 *   `templates/deployment.yaml`, `templates/service.yaml`, `templates/_helpers.tpl`, `templates/_misc.tpl`);
 * - the configuration and the users file, authelia/authelia tag `v4.39.19`, their JSON schemas
 *   `docs/static/schemas/v4.39/json-schema/configuration.json` and `user-database.json`, which
 *   `test/identity/authelia-schema.test.ts` validates the generated files against.
 */
export const meta: AppMetadata = {
  name: "authelia",
  title: "Authelia",
  description:
    "Single sign-on: the OpenID Connect provider and Traefik forward-auth every app signs in through.",
  category: "security",
  chart: { repository: "https://charts.authelia.com", name: "authelia", version: "0.11.5" },
  // Chart.yaml appVersion at authelia-0.11.5.
  appVersion: "4.39.19",
  subdomain: "auth",
  // Authelia's own health endpoint; the chart's probes use it too (values.yaml pod.probes.method).
  healthPath: "/api/health",
  sso: "provider",
  // TOTP and WebAuthn registrations live in its SQLite database.
  backup: true,
  keepsData: "its users' registered second factors, sessions and consents (SQLite on a volume)",
  needs: ["traefik"],
  provides: ["identity"],
  testedBy: "apps/authelia/index.test.ts",
};

/**
 * The chart's object names. `authelia.name` (`_helpers.tpl`) is `nameOverride` when set, else the release
 * name or `<release>-authelia`; the Service, the Deployment and the volume claim all take it.
 */
export const AUTHELIA_FULLNAME = "authelia";
/** The Secret Hearth writes: the configuration, the users file and nothing else. */
export const AUTHELIA_SECRET = "hearth-authelia";
/** Where that Secret is mounted in the pod (pod.extraVolumes / extraVolumeMounts). */
const SECRET_DIR = "/hearth";
/**
 * The chart sets `X_AUTHELIA_CONFIG` to `/configuration.yaml` (`authelia.config.paths` in `_misc.tpl`) and
 * keeps it with `configMap.disabled`, so the Secret's configuration is mounted there.
 */
const CONFIG_PATH = "/configuration.yaml";
/** The chart's data volume (persistence) is mounted at /config (`deployment.yaml`). */
const DATA_DIR = "/config";
/**
 * The chart's container port is `configMap.port | default 9091` whatever `server.address` says
 * (`deployment.yaml`), so the server listens on 9091. The Service (`service.yaml`) serves it on 80.
 */
const LISTEN_PORT = 9091;
const SERVICE_PORT = 80;
/** The Authz endpoint Traefik's ForwardAuth calls (`server.endpoints.authz.forward-auth`). */
export const FORWARD_AUTH_PATH = "/api/authz/forward-auth";
/** The image's user; Authelia runs as any user given a writable /config. */
const RUN_AS = 8000;

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

/**
 * Helm values for the chart. The chart generates nothing of its own: its ConfigMap and Secret are off
 * (`configMap.disabled`, `secret.disabled`; `secret.existingSecret` set so `secret.yaml` renders no manifest,
 * `authelia.enabled.secret` in `_helpers.tpl`), and Hearth's Secret is mounted instead, the configuration at
 * the path the chart's `X_AUTHELIA_CONFIG` names. Template filters are off, so no `{{` in a user's name is
 * evaluated.
 */
export function autheliaValues(input: {
  timezone: string;
  /** SHA-256 of Hearth's Secret: the pod template changes, so the pod restarts, when the files do. */
  checksum: string;
}): Record<string, unknown> {
  return {
    nameOverride: AUTHELIA_FULLNAME,
    // One pod on one volume: a DaemonSet (the chart's default kind) would start one per node.
    pod: {
      kind: "Deployment",
      replicas: 1,
      strategy: { type: "Recreate" },
      // Merged into the pod template's annotations (`authelia.annotations` in deployment.yaml).
      annotations: { "hearth.dev/config-checksum": input.checksum },
      env: [{ name: "TZ", value: input.timezone }],
      securityContext: {
        pod: {
          runAsNonRoot: true,
          runAsUser: RUN_AS,
          runAsGroup: RUN_AS,
          fsGroup: RUN_AS,
          seccompProfile: { type: "RuntimeDefault" },
        },
        container: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        },
      },
      // The chart's commented example (values.yaml at authelia-0.11.5), not a measurement: ADR 10. bcrypt at
      // cost 10 needs little memory per sign-in, where argon2id's default would take 64 MiB each.
      resources: {
        requests: { cpu: "10m", memory: "50Mi" },
        limits: { memory: "125Mi" },
      },
      extraVolumes: [{ name: "hearth", secret: { secretName: AUTHELIA_SECRET } }],
      extraVolumeMounts: [
        { name: "hearth", mountPath: SECRET_DIR, readOnly: true },
        {
          name: "hearth",
          mountPath: CONFIG_PATH,
          subPath: "configuration.yaml",
          readOnly: true,
        },
      ],
    },
    configMap: { disabled: true, filters: { disabled: true } },
    secret: { disabled: true, existingSecret: AUTHELIA_SECRET },
    // The claim is in the release's manifest (templates/persistentVolumeClaim.yaml reads
    // persistence.annotations at 0.11.5; the top-level `annotations` would land on every object).
    persistence: {
      enabled: true,
      size: "100Mi",
      accessModes: ["ReadWriteOnce"],
      annotations: KEEP_ON_UNINSTALL,
    },
    service: { port: SERVICE_PORT },
  };
}

/** What only Authelia needs: the users, the clients, the hosts behind forward-auth, its secrets. */
export interface AutheliaExtra {
  inputs: pulumi.Output<Omit<AutheliaInputs, "domain" | "hostname">>;
}

/** The in-cluster address Traefik's ForwardAuth middleware calls. */
export function forwardAuthAddress(namespace = meta.name): string {
  return `http://${AUTHELIA_FULLNAME}.${namespace}.svc.cluster.local${FORWARD_AUTH_PATH}`;
}

/** Deploys Authelia at `auth.<domain>` with Hearth's configuration and users file. */
export function deploy(
  name: string,
  args: RecipeArgs<AutheliaExtra>,
  opts?: pulumi.ComponentResourceOptions,
): DeployedApp & { issuer: string; route: pulumi.Resource } {
  const { platform } = args;
  const hostname = requireHostname(meta, platform.domain, args.overrides);
  const files = args.extra.inputs.apply((i) => {
    const full: AutheliaInputs = { ...i, domain: platform.domain, hostname };
    return {
      "configuration.yaml": stringify(autheliaConfig(full), { lineWidth: 0 }),
      "users_database.yml": stringify(usersDatabase(i.users), { lineWidth: 0 }),
    };
  });
  const app = new HelmApp(
    name,
    {
      platform,
      namespace: meta.name,
      chart: resolveChart(meta.chart, args.overrides),
      keepsData: meta.keepsData !== undefined,
      values: files.apply((f) =>
        autheliaValues({
          timezone: platform.timezone,
          checksum: createHash("sha256").update(JSON.stringify(f)).digest("hex"),
        }),
      ),
      valuesOverride: args.overrides?.values,
      secrets: { [AUTHELIA_SECRET]: pulumi.secret(files) },
      hostname,
      service: { name: AUTHELIA_FULLNAME, port: SERVICE_PORT },
      // Traefik's ForwardAuth calls it from the ingress controller's namespace, which is already allowed.
      egress: "none",
    },
    opts,
  );
  return {
    url: app.url,
    resource: app.release,
    issuer: `https://${hostname}`,
    // The release and its Ingress: apps that fetch the issuer's discovery document wait for this.
    route: app,
    backup: {
      namespace: meta.name,
      claimName: AUTHELIA_FULLNAME,
      mountPath: DATA_DIR,
      sqlite: ["db.sqlite3"],
      workload: { kind: "Deployment", name: AUTHELIA_FULLNAME },
      // authelia.matchLabels (`_helpers.tpl`): the chart name and the release.
      podLabels: { "app.kubernetes.io/name": "authelia", "app.kubernetes.io/instance": name },
      runAsUser: RUN_AS,
      fsGroup: RUN_AS,
    },
  };
}

/** The identity provider: every app that signs in through it gets its client or forward-auth from `identity`. */
export const wire: Wire = (caps, opts) => {
  const identity = buildIdentity(
    caps.home.name,
    caps.home.c,
    caps.platform,
    opts,
    caps.home.parent,
    caps.home.catalogue,
  );
  return { deployed: identity.deployed, provides: { identity } };
};
