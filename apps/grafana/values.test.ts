/**
 * Grafana's recipe: no secret in its values, Authelia's endpoints and PKCE, the provisioned data source and
 * dashboards. That the chart reads these keys is checked by rendering (test/local-charts.test.ts; the real
 * chart with `npm run check:charts -- --charts DIR`); the dashboards by test/observability/dashboards.contract.test.ts.
 */
import { METRICS_DATASOURCE } from "../../components/observability/dashboards";
import { dashboardFiles, grafanaValues } from "./values";
import { VM_URL } from "../victoria-metrics/values";

/* eslint-disable @typescript-eslint/no-explicit-any */

const oidc = {
  issuer: "https://auth.home.example.org",
  clientId: "hearth-grafana",
  adminGroup: "admins",
  groups: [],
};

describe("grafanaValues", () => {
  const v = grafanaValues({ hostname: "grafana.home.example.org", oidc }) as any;

  it("signs in through Authelia with PKCE, the secret from a Secret, admins by group", () => {
    const o = v["grafana.ini"]["auth.generic_oauth"];
    expect(o).toMatchObject({
      enabled: true,
      client_id: "hearth-grafana",
      auth_url: "https://auth.home.example.org/api/oidc/authorization",
      token_url: "https://auth.home.example.org/api/oidc/token",
      api_url: "https://auth.home.example.org/api/oidc/userinfo",
      use_pkce: true,
    });
    expect(o.role_attribute_path).toBe("contains(groups[*], 'admins') && 'Admin' || 'Viewer'");
    expect(o.client_secret).toBeUndefined();
    expect(v.envValueFrom.GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET).toEqual({
      secretKeyRef: { name: "hearth-oidc", key: "clientSecret" },
    });
    expect(v.admin.existingSecret).toBe("hearth-grafana-admin");
    expect(JSON.stringify(v)).not.toMatch(/password"?:\s*"[^"]/);
  });

  it("reads VictoriaMetrics under the uid the dashboards name, and the dashboards from their ConfigMap", () => {
    const ds = v.datasources["datasources.yaml"].datasources[0];
    expect(ds).toMatchObject({ uid: METRICS_DATASOURCE.uid, type: "prometheus", url: VM_URL });
    const provider = v.dashboardProviders["dashboardproviders.yaml"].providers[0];
    expect(provider.options.path).toBe(`/var/lib/grafana/dashboards/${provider.name}`);
    expect(v.dashboardsConfigMaps).toEqual({ [provider.name]: "hearth-dashboards" });
  });

  it("asks Helm to keep its volume claim when the release is uninstalled (retired with keep-data)", () => {
    expect(v.persistence).toMatchObject({
      enabled: true,
      annotations: { "helm.sh/resource-policy": "keep" },
    });
  });

  it("keeps the local login only without SSO", () => {
    const plain = grafanaValues({ hostname: "grafana.home.example.org" }) as any;
    expect(plain["grafana.ini"]["auth.generic_oauth"]).toBeUndefined();
    expect(plain.envValueFrom).toBeUndefined();
  });
});

test("one dashboard file per app with an SLO, and the home's", () => {
  const files = dashboardFiles([
    { app: "homepage", title: "Homepage", target: 99.9 },
    { app: "gitea", title: "Gitea", target: 99 },
  ]);
  expect(Object.keys(files)).toEqual([
    "hearth-homepage.json",
    "hearth-gitea.json",
    "hearth-home.json",
  ]);
  expect(JSON.parse(files["hearth-gitea.json"]).title).toBe("Gitea: availability");
});
