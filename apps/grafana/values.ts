/**
 * Grafana's values, its dashboards' files and the names they pin. Chart facts read at
 * grafana-community/helm-charts tag `grafana-12.11.1` (app 13.2.0), `charts/grafana` (`values.yaml`,
 * `templates/_pod.tpl`: `admin.existingSecret` with `userKey`/`passwordKey`, `envValueFrom`,
 * `dashboardsConfigMaps` mounted at `/var/lib/grafana/dashboards/<provider>`, `datasources` and
 * `dashboardProviders` written to the chart's ConfigMaps; `templates/_helpers.tpl` "grafana.fullname").
 * The OIDC settings follow Authelia's Grafana guide at v4.39.19
 * (`docs/content/integration/openid-connect/clients/grafana/index.md`): endpoints under `/api/oidc/`, PKCE,
 * and the redirect `/login/generic_oauth`.
 */
import {
  appDashboard,
  DashboardSlo,
  homeDashboard,
  METRICS_DATASOURCE,
} from "../../components/observability/dashboards";
import { KEEP_ON_UNINSTALL, OIDC_SECRET, OidcLogin } from "../recipe";
import { VM_URL } from "../victoria-metrics/values";
import { GrafanaChartValues } from "./values.schema";

/** `fullnameOverride` pins the Service (port 80 to the container's 3000, `service.port`/`targetPort`). */
export const GRAFANA_FULLNAME = "grafana";
export const SERVICE_PORT = 80;
/** The Secret of the local admin, read by `admin.existingSecret` with the chart's default keys. */
export const GRAFANA_ADMIN_SECRET = "hearth-grafana-admin";
/** The ConfigMap of generated dashboards, one JSON file per dashboard. */
export const DASHBOARDS_CONFIGMAP = "hearth-dashboards";
/** Grafana's own callback, registered at Authelia. */
export const GRAFANA_REDIRECT_PATH = "/login/generic_oauth";

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
}): GrafanaChartValues {
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
    // `satisfies`: tsc checks the keys of a spread object only when told to.
    ...(o
      ? ({
          envValueFrom: {
            GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: {
              secretKeyRef: { name: OIDC_SECRET, key: "clientSecret" },
            },
          },
        } satisfies GrafanaChartValues)
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
