import * as pulumi from "@pulumi/pulumi";
import { GeneratedPassword } from "../../components/secrets/generated-password";
import {
  appDashboard,
  DashboardSlo,
  homeDashboard,
  METRICS_DATASOURCE,
} from "../../components/observability/dashboards";
import {
  AppMetadata,
  deployChart,
  DeployedApp,
  KEEP_ON_UNINSTALL,
  OIDC_SECRET,
  OidcLogin,
  RecipeArgs,
  requireHostname,
} from "../recipe";
import { VM_URL } from "../victoria-metrics";
import { Wire, wireDeploy } from "../wire";

/**
 * Grafana: the dashboards (ADR 11), signing in through Authelia. Chart facts read at
 * grafana-community/helm-charts tag `grafana-12.11.1` (app 13.2.0), `charts/grafana` (`values.yaml`,
 * `templates/_pod.tpl`: `admin.existingSecret` with `userKey`/`passwordKey`, `envValueFrom`,
 * `dashboardsConfigMaps` mounted at `/var/lib/grafana/dashboards/<provider>`, `datasources` and
 * `dashboardProviders` written to the chart's ConfigMaps; `templates/_helpers.tpl` "grafana.fullname").
 * The OIDC settings follow Authelia's Grafana guide at v4.39.19
 * (`docs/content/integration/openid-connect/clients/grafana/index.md`): endpoints under `/api/oidc/`, PKCE,
 * and the redirect `/login/generic_oauth`.
 */
export const meta: AppMetadata = {
  name: "grafana",
  title: "Grafana",
  description: "Dashboards: each app's availability and error budget, and the home's own health.",
  category: "observability",
  chart: {
    repository: "https://grafana-community.github.io/helm-charts",
    name: "grafana",
    version: "12.11.1",
  },
  appVersion: "13.2.0",
  subdomain: "grafana",
  healthPath: "/api/health",
  sso: "oidc",
  // Its dashboards and data source are provisioned from the stack; sign-ins come from Authelia.
  backup: false,
  keepsData: "dashboards and settings made in its UI (SQLite on a volume)",
  needs: ["victoria-metrics"],
  provides: [],
  testedBy: "apps/grafana/index.test.ts",
};

/** `fullnameOverride` pins the Service (port 80 to the container's 3000, `service.port`/`targetPort`). */
export const GRAFANA_FULLNAME = "grafana";
const SERVICE_PORT = 80;
/** The Secret of the local admin, read by `admin.existingSecret` with the chart's default keys. */
export const GRAFANA_ADMIN_SECRET = "hearth-grafana-admin";
/** The ConfigMap of generated dashboards, one JSON file per dashboard. */
export const DASHBOARDS_CONFIGMAP = "hearth-dashboards";
/** Grafana's own callback, registered at Authelia. */
export const GRAFANA_REDIRECT_PATH = "/login/generic_oauth";

/** What only Grafana needs: the SLOs to draw, and its OIDC client when SSO is on. */
export interface GrafanaExtra {
  slos: DashboardSlo[];
  oidc?: OidcLogin;
}

/** The dashboards' files: `<uid>.json`, as the provider reads them from the mounted folder. */
export function dashboardFiles(slos: DashboardSlo[]): Record<string, string> {
  const all = [...slos.map(appDashboard), homeDashboard(slos)];
  return Object.fromEntries(all.map((d) => [`${d.uid}.json`, JSON.stringify(d, null, 2)]));
}

/**
 * Helm values. No secret is in them: the admin comes from a Secret, the client secret from the env var
 * `GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET` filled from Secret `hearth-oidc`. The data source is
 * VictoriaMetrics (Prometheus API) under a fixed uid the dashboards name; dashboards are read-only files.
 */
export function grafanaValues(input: {
  hostname: string;
  oidc?: Omit<OidcLogin, "clientSecret">;
}): Record<string, unknown> {
  const o = input.oidc;
  return {
    fullnameOverride: GRAFANA_FULLNAME,
    testFramework: { enabled: false },
    admin: {
      existingSecret: GRAFANA_ADMIN_SECRET,
      userKey: "admin-user",
      passwordKey: "admin-password",
    },
    // The claim is in the release's manifest (templates/pvc.yaml reads persistence.annotations at 12.11.1).
    persistence: { enabled: true, size: "1Gi", annotations: KEEP_ON_UNINSTALL },
    // With persistence the chart adds a root init container that chowns the volume (`initChownData`,
    // `_pod.tpl`), which the restricted Pod Security level refuses; fsGroup 472 already owns it.
    initChownData: { enabled: false },
    resources: { requests: { cpu: "20m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    "grafana.ini": {
      server: { domain: input.hostname, root_url: `https://${input.hostname}/` },
      analytics: { check_for_updates: false, reporting_enabled: false },
      users: { allow_sign_up: false },
      ...(o
        ? {
            "auth.generic_oauth": {
              enabled: true,
              name: "Authelia",
              client_id: o.clientId,
              scopes: "openid profile email groups",
              auth_url: `${o.issuer}/api/oidc/authorization`,
              token_url: `${o.issuer}/api/oidc/token`,
              api_url: `${o.issuer}/api/oidc/userinfo`,
              use_pkce: true,
              login_attribute_path: "preferred_username",
              groups_attribute_path: "groups",
              name_attribute_path: "name",
              // Members of the admin group administer Grafana; everyone else may look.
              role_attribute_path: `contains(groups[*], '${o.adminGroup}') && 'Admin' || 'Viewer'`,
              allow_sign_up: true,
            },
          }
        : {}),
    },
    ...(o
      ? {
          envValueFrom: {
            GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: {
              secretKeyRef: { name: OIDC_SECRET, key: "clientSecret" },
            },
          },
        }
      : {}),
    datasources: {
      "datasources.yaml": {
        apiVersion: 1,
        datasources: [
          {
            name: "VictoriaMetrics",
            type: METRICS_DATASOURCE.type,
            uid: METRICS_DATASOURCE.uid,
            url: VM_URL,
            access: "proxy",
            isDefault: true,
            editable: false,
          },
        ],
      },
    },
    dashboardProviders: {
      "dashboardproviders.yaml": {
        apiVersion: 1,
        providers: [
          {
            name: "hearth",
            orgId: 1,
            folder: "Hearth",
            type: "file",
            disableDeletion: true,
            editable: false,
            options: { path: "/var/lib/grafana/dashboards/hearth" },
          },
        ],
      },
    },
    dashboardsConfigMaps: { hearth: DASHBOARDS_CONFIGMAP },
  };
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
