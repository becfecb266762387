import * as pulumi from "@pulumi/pulumi";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import { GeneratedPassword } from "../../components/secrets/generated-password";
import { OIDC_SECRET, OidcLogin, RecipeArgs, requireHostname } from "../recipe";
import { htpasswdFile, PORT, ZOT_PROBE_USER } from "./config";
import { meta } from "./meta";
import { ZOT_FULLNAME, ZOT_HTPASSWD_SECRET, zotValues } from "./values";

/** What only Zot needs. */
export interface ZotExtra {
  /** User that may push and pull every repository. @default "hearth" */
  username?: string;
  /** Size of the volume holding the images. @default "20Gi" */
  storageSize?: string;
  /** Sign-in to the UI through the identity provider; pushes keep htpasswd. @default htpasswd only */
  oidc?: OidcLogin;
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
