/** Argo CD's values, and the names they pin, which the route uses. */
import { stringify } from "yaml";
import { OIDC_SECRET, OidcLogin } from "../recipe";
import { ArgoCdChartValues } from "./values.schema";

/** `fullnameOverride` fixes every object name, so the server's Service is `argocd-server` for any release. */
const FULLNAME = "argocd";
/** The server's Service, which the Ingress routes to. */
export const SERVER_SERVICE = `${FULLNAME}-server`;
/** The server's Service port: plain HTTP, TLS ends at the ingress or the tunnel. */
export const SERVER_HTTP_PORT = 80;

/** Settings the Argo CD values are built from. */
export interface ArgoCdValuesInputs {
  hostname: string;
  /** bcrypt hash of the admin password (`$2a$...`), never the password itself. */
  adminPasswordBcrypt: string;
  /** The OIDC client, without its secret: the values name the Secret key that holds it. */
  oidc?: Omit<OidcLogin, "clientSecret">;
}

/**
 * argocd-cm `oidc.config` with the client secret as a reference: Argo CD v3.5.1 `util/settings/settings.go`
 * replaces a value `$<secret>:<key>` with that key of a Secret in its namespace labelled
 * `app.kubernetes.io/part-of: argocd` (`ReplaceMapSecrets`, `getSecrets`), so no secret is in the values.
 * The redirect is `<url>/auth/callback`, `url` being the chart's `https://<global.domain>`.
 */
export function argoCdOidcConfig(oidc: Omit<OidcLogin, "clientSecret">): string {
  return stringify({
    name: "Authelia",
    issuer: oidc.issuer,
    clientID: oidc.clientId,
    clientSecret: `$${OIDC_SECRET}:clientSecret`,
    requestedScopes: ["openid", "profile", "email", "groups"],
  });
}

/**
 * Helm values for Argo CD: the server speaks plain HTTP (TLS ends at the ingress or the tunnel), the
 * chart's ingress is off (HelmApp routes the hostname), Dex is off (no SSO connector is configured), and
 * the admin password is given as a bcrypt hash, which is what `argocd-secret` stores.
 */
export function argoCdValues(inputs: ArgoCdValuesInputs): ArgoCdChartValues {
  if (!/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(inputs.adminPasswordBcrypt)) {
    throw new Error(
      "argocd: the admin password must reach the chart as a bcrypt hash ($2a$...); got something else. " +
        "Pass GeneratedPassword's bcryptHash, not its result.",
    );
  }
  return {
    fullnameOverride: FULLNAME,
    global: { domain: inputs.hostname },
    crds: { install: true, keep: true },
    configs: {
      params: { "server.insecure": true },
      cm: {
        "admin.enabled": true,
        ...(inputs.oidc ? { "oidc.config": argoCdOidcConfig(inputs.oidc) } : {}),
      },
      // argo-helm argo-cd-10.1.1 templates/argocd-configs/argocd-rbac-cm.yaml writes these keys as given;
      // `scopes` names the claim groups come from. The admin group gets role:admin, everyone else nothing.
      ...(inputs.oidc
        ? {
            rbac: {
              "policy.default": "",
              "policy.csv": `g, ${inputs.oidc.adminGroup}, role:admin\n`,
              scopes: "[groups]",
            },
          }
        : {}),
      secret: { createSecret: true, argocdServerAdminPassword: inputs.adminPasswordBcrypt },
    },
    server: { ingress: { enabled: false } },
    dex: { enabled: false },
  };
}
