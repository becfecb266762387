import * as pulumi from "@pulumi/pulumi";
import { GeneratedPassword } from "../../components/secrets/generated-password";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import {
  AppMetadata,
  DeployedApp,
  OIDC_SECRET,
  OidcLogin,
  RecipeArgs,
  requireHostname,
} from "../recipe";
import { Wire, wireDeploy } from "../wire";

/** Zot: the home's OCI registry for images the CI builds. */
export const meta: AppMetadata = {
  name: "zot",
  title: "Zot registry",
  description:
    "OCI image registry for what the CI builds, behind a generated username and password.",
  category: "development",
  // 0.1.95 ships zot v2.1.13 (the chart README's badges and values table). Later charts (0.1.125, zot
  // v2.1.21) exist, but their values could not be checked here, so the pin stays on the verified one.
  chart: { repository: "https://zotregistry.dev/helm-charts", name: "zot", version: "0.1.95" },
  appVersion: "v2.1.13",
  subdomain: "registry",
  // No healthPath: no unauthenticated path answers 200, as `/v2/` asks every caller to log in.
  sso: "oidc",
  backup: true,
  keepsData: "every image pushed to the registry (a volume)",
  needs: [],
  provides: [],
  testedBy: "apps/zot/index.test.ts",
};

/** Name of the Kubernetes Secret holding the `htpasswd` file. */
export const ZOT_HTPASSWD_SECRET = "zot-htpasswd";

/** User the kubelet's probes log in as: it exists in htpasswd but no policy grants it anything. */
export const ZOT_PROBE_USER = "healthcheck";

const PORT = 5000;
const SECRET_DIR = "/secret";

/** What only Zot needs. */
export interface ZotExtra {
  /** User that may push and pull every repository. @default "hearth" */
  username?: string;
  /** Size of the volume holding the images. @default "20Gi" */
  storageSize?: string;
  /** Sign-in to the UI through the identity provider; pushes keep htpasswd. @default htpasswd only */
  oidc?: OidcLogin;
}

/** Where the OIDC client's credentials file is mounted (`credentialsFile`). */
const OIDC_DIR = "/secret-oidc";

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

/**
 * The chart's object names, pinned with `fullnameOverride` so the Ingress routes to a Service whose name
 * does not hang on the release name. Read at project-zot/helm-charts tag zot-0.1.95:
 * `charts/zot/templates/_helpers.tpl` ("zot.fullname" returns fullnameOverride when set) and
 * `templates/service.yaml` (the Service is named "zot.fullname"); the chart has no values schema.
 */
export const ZOT_FULLNAME = "zot";

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

/** Settings the zot values are built from. */
export interface ZotValuesInputs {
  user: string;
  storageSize: string;
  /** Secret: base64 `healthcheck:<password>` for the probes' Authorization header. */
  probeAuthHeader: string;
  oidc?: ZotOidc;
}

/**
 * Helm values for zot 0.1.95: a StatefulSet with a volume, our config mounted from the chart's ConfigMap,
 * htpasswd from our Secret (the chart's sample users `admin:admin` and `user:user` are removed), a
 * ClusterIP Service (the chart defaults to NodePort) and the chart's ingress off. The probes log in as
 * the permission-less probe user because the chart cannot read their header from a Secret.
 */
export function zotValues(inputs: ZotValuesInputs): Record<string, unknown> {
  return {
    fullnameOverride: ZOT_FULLNAME,
    service: { type: "ClusterIP", port: PORT },
    ingress: { enabled: false },
    persistence: true,
    pvc: { storage: inputs.storageSize },
    mountConfig: true,
    configFiles: { "config.json": zotConfig(inputs.user, inputs.oidc) },
    mountSecret: false,
    // null deletes the chart's default key; an empty map would merge with it and keep the sample users.
    secretFiles: { htpasswd: null },
    externalSecrets: [
      { secretName: ZOT_HTPASSWD_SECRET, mountPath: SECRET_DIR },
      ...(inputs.oidc ? [{ secretName: OIDC_SECRET, mountPath: OIDC_DIR }] : []),
    ],
    authHeader: inputs.probeAuthHeader,
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}

/** Arguments of `ZotRegistry`: the recipe's arguments. */
export type ZotRegistryArgs = RecipeArgs<ZotExtra>;

/** Zot with generated credentials: one user for people and CI, one for the kubelet's probes. */
export class ZotRegistry extends pulumi.ComponentResource {
  /** The Helm app (namespace, release, ingress). */
  readonly app: HelmApp;
  /** `https://<hostname>`. */
  readonly url: pulumi.Output<string>;
  /** User that pushes and pulls. */
  readonly username: string;
  /** Secret: that user's password. */
  readonly password: pulumi.Output<string>;

  constructor(name: string, args: ZotRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:apps:ZotRegistry", name, {}, opts);
    const { platform, extra } = args;
    const hostname = requireHostname(meta, platform.domain, args.overrides);
    this.username = extra.username ?? "hearth";
    if (this.username === ZOT_PROBE_USER) {
      throw new Error(`app "${name}": zot user "${ZOT_PROBE_USER}" is reserved for the probes.`);
    }
    // GeneratedPassword's bcryptHash (secret, like result) is the htpasswd hash; no bcrypt library is needed here.
    const user = new GeneratedPassword(`${name}-password`, { length: 32 }, { parent: this });
    const probe = new GeneratedPassword(`${name}-probe-password`, { length: 32 }, { parent: this });
    this.password = pulumi.secret(user.result);
    const username = this.username;

    this.app = new HelmApp(
      name,
      {
        platform,
        namespace: meta.name,
        podSecurity: "restricted",
        chart: resolveChart(meta.chart, args.overrides),
        keepsData: meta.keepsData !== undefined,
        values: pulumi.secret(
          probe.result.apply((pw) =>
            zotValues({
              user: username,
              storageSize: extra.storageSize ?? "20Gi",
              probeAuthHeader: Buffer.from(`${ZOT_PROBE_USER}:${pw}`).toString("base64"),
              oidc: extra.oidc && {
                issuer: extra.oidc.issuer,
                externalUrl: `https://${hostname}`,
                adminGroup: extra.oidc.adminGroup,
              },
            }),
          ),
        ),
        valuesOverride: args.overrides?.values,
        secrets: {
          [ZOT_HTPASSWD_SECRET]: pulumi
            .all([user.bcryptHash, probe.bcryptHash])
            .apply(([userHash, probeHash]) => ({
              htpasswd: htpasswdFile([
                { user: username, bcryptHash: userHash },
                { user: ZOT_PROBE_USER, bcryptHash: probeHash },
              ]),
            })),
          ...(extra.oidc
            ? {
                [OIDC_SECRET]: extra.oidc.clientSecret.apply((secret) => ({
                  // zot reads the file strictly: exactly these two keys.
                  "oidc.json": JSON.stringify({
                    clientid: extra.oidc!.clientId,
                    clientsecret: secret,
                  }),
                })),
              }
            : {}),
        },
        hostname,
        service: { name: ZOT_FULLNAME, port: PORT },
        // With SSO it fetches the issuer's discovery and tokens at the provider's public URL.
        egress: extra.oidc ? "internet" : "none",
      },
      { parent: this },
    );
    this.url = pulumi.output(`https://${hostname}`);
    this.registerOutputs({ url: this.url, username: this.username, password: this.password });
  }
}

/** What deploying zot hands back: the usual handle plus the push/pull credentials. */
export interface DeployedZot extends DeployedApp {
  username: string;
  /** Secret: the password of `username`. */
  password: pulumi.Output<string>;
}

/** Deploys zot at `registry.<domain>` with a generated user. */
export function deploy(
  name: string,
  args: ZotRegistryArgs,
  opts?: pulumi.ComponentResourceOptions,
): DeployedZot {
  const zot = new ZotRegistry(name, args, opts);
  return {
    resource: zot,
    url: zot.url,
    username: zot.username,
    password: zot.password,
    login: { username: zot.username, password: zot.password },
    // zot-0.1.95 templates/statefulset.yaml: the StatefulSet "zot.fullname" has the claim template
    // "<pvc.name or release>-pvc" mounted at /var/lib/registry, so the claim is <release>-pvc-<fullname>-0;
    // pods carry "zot.selectorLabels" (name zot, instance = release). Blobs are content-addressed files: no
    // database to copy consistently.
    backup: {
      namespace: meta.name,
      claimName: `${name}-pvc-${ZOT_FULLNAME}-0`,
      mountPath: "/var/lib/registry",
      sqlite: [],
      workload: { kind: "StatefulSet", name: ZOT_FULLNAME },
      podLabels: { "app.kubernetes.io/name": "zot", "app.kubernetes.io/instance": name },
      runAsUser: 1000,
      fsGroup: 1000,
    },
  };
}

/** Deploys zot with what it reads from the apps before it. */
export const wire: Wire = wireDeploy(meta.name, deploy, (caps) => ({
  oidc: caps.identity?.oidc.zot,
}));
