/** The Grafana recipe: dashboards at `grafana.<domain>`, signing in through Authelia when SSO is on. */
import * as pulumi from "@pulumi/pulumi";
import { DashboardSlo } from "../../components/observability/dashboards";
import { GeneratedPassword } from "../../components/secrets/generated-password";
import {
  deployChart,
  DeployedApp,
  OIDC_SECRET,
  OidcLogin,
  RecipeArgs,
  requireHostname,
} from "../recipe";
import { Wire, wireDeploy } from "../wire";
import { meta } from "./meta";
import {
  dashboardFiles,
  DASHBOARDS_CONFIGMAP,
  GRAFANA_ADMIN_SECRET,
  GRAFANA_FULLNAME,
  grafanaValues,
  SERVICE_PORT,
} from "./values";

export { meta };

/** What only Grafana needs: the SLOs to draw, and its OIDC client when SSO is on. */
export interface GrafanaExtra {
  slos: DashboardSlo[];
  oidc?: OidcLogin;
}

/** Deploys Grafana at `grafana.<domain>` with the generated dashboards and, with SSO, Authelia's sign-in. */
export function deploy(
  name: string,
  args: RecipeArgs<GrafanaExtra>,
  opts?: pulumi.ComponentResourceOptions,
): DeployedApp {
  const { platform, extra } = args;
  const hostname = requireHostname(meta, platform.domain, args.overrides);
  // Hearth's plugin makes it: only the parent of the app's options, never its Kubernetes provider.
  const admin = new GeneratedPassword(
    `${name}-admin-password`,
    { length: 32 },
    { parent: opts?.parent },
  );
  const app = deployChart(
    meta,
    name,
    args,
    {
      values: grafanaValues({
        hostname,
        oidc: extra.oidc && {
          issuer: extra.oidc.issuer,
          clientId: extra.oidc.clientId,
          adminGroup: extra.oidc.adminGroup,
          groups: extra.oidc.groups,
        },
      }),
      configMaps: { [DASHBOARDS_CONFIGMAP]: { data: dashboardFiles(extra.slos) } },
      secrets: {
        [GRAFANA_ADMIN_SECRET]: { "admin-user": "admin", "admin-password": admin.result },
        ...(extra.oidc ? { [OIDC_SECRET]: { clientSecret: extra.oidc.clientSecret } } : {}),
      },
      hostname,
      service: { name: GRAFANA_FULLNAME, port: SERVICE_PORT },
      // VictoriaMetrics in its namespace, and the issuer at its public URL.
      egress: "internet",
    },
    opts,
  );
  return { ...app, login: { username: "admin", password: pulumi.secret(admin.result) } };
}

/** Deploys grafana with what it reads from the apps before it. */
export const wire: Wire = wireDeploy(meta.name, deploy, (caps) => ({
  slos: caps.home.slos(),
  oidc: caps.identity?.oidc.grafana,
}));
