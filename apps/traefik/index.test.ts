import * as k8s from "@pulumi/kubernetes";
import { reveal } from "../../test/mocks";
import { Exposure, Platform } from "../../components/types";
import { find, installMocks, ofType, registrations, settle } from "../../test/mocks";

installMocks();

function platform(mode: Exposure["mode"], trustedProxies?: string[]): Platform {
  return {
    provider: new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1" }),
    kubeconfig: "apiVersion: v1",
    domain: "home.example.org",
    exposure: {
      mode,
      ingressClass: "hearth",
      ingressService: "http://traefik.traefik.svc.cluster.local:80",
      ...(trustedProxies ? { trustedProxies } : {}),
    },
    charts: {},
    timezone: "UTC",
  };
}

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

beforeEach(() => {
  registrations.length = 0;
});

describe("traefik recipe", () => {
  it("pins the Service name the tunnel forwards to, whatever the release is called", async () => {
    const { deploy } = await import("./index");
    const { TRAEFIK_FULLNAME, TRAEFIK_INGRESS_SERVICE } = await import("./values");
    expect(TRAEFIK_INGRESS_SERVICE).toBe("http://traefik.traefik.svc.cluster.local:80");
    // The composition names the release "<stack>-traefik"; the chart would name its Service so too
    // without fullnameOverride.
    const deployed = deploy("hearth-traefik", { platform: platform("tunnel"), extra: {} });
    await settle();
    const release = find(RELEASE, "hearth-traefik-release");
    expect(release.inputs.name).toBe("hearth-traefik");
    const values = reveal(release.inputs.values) as Record<string, unknown>;
    expect(values.fullnameOverride).toBe(TRAEFIK_FULLNAME);
    expect(deployed.ingressService).toBe(TRAEFIK_INGRESS_SERVICE);
  });

  it("refuses values that would rename the Service the tunnel forwards to", async () => {
    const { deploy } = await import("./index");
    for (const values of [{ fullnameOverride: "edge" }, { service: { nameOverride: "edge" } }]) {
      expect(() =>
        deploy("traefik", { platform: platform("tunnel"), extra: {}, overrides: { values } }),
      ).toThrow(/rename the Service/);
    }
  });

  it("behind the tunnel: ClusterIP, class hearth, restricted, only the tunnel connects", async () => {
    const { deploy, meta } = await import("./index");
    const deployed = deploy("traefik", {
      platform: platform("tunnel", ["10.42.0.0/16"]),
      extra: { allowFromNamespaces: ["cloudflared"] },
      overrides: { values: { accessLog: { enabled: true } } },
    });
    await settle();
    expect(deployed.ingressService).toBe("http://traefik.traefik.svc.cluster.local:80");
    const release = find(RELEASE, "traefik-release");
    expect(deployed.resource).toBeDefined();
    expect(release.inputs).toMatchObject({
      chart: "traefik",
      version: meta.chart.version,
      repositoryOpts: { repo: "https://traefik.github.io/charts" },
      namespace: "traefik",
    });
    const values = reveal(release.inputs.values) as Record<string, Record<string, unknown>>;
    expect(values.ingressClass).toEqual({ enabled: true, isDefaultClass: false, name: "hearth" });
    expect(values.providers.kubernetesIngress).toEqual({ enabled: true, ingressClass: "hearth" });
    // Since chart v40 the type is `service.spec.type`; a top-level `service.type` is ignored.
    expect(values.service).toEqual({ spec: { type: "ClusterIP" } });
    expect(values.podSecurityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(values.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    // The operator's override lands on top.
    expect(values.accessLog).toEqual({ enabled: true });
    // The tunnel's connector sends X-Forwarded-Proto: https from the pod network: kept from there only.
    expect((values.ports as Record<string, unknown>).web).toMatchObject({
      forwardedHeaders: { trustedIPs: ["10.42.0.0/16"] },
    });

    const labels = (
      find("kubernetes:core/v1:Namespace", "traefik-namespace").inputs.metadata as {
        labels: Record<string, string>;
      }
    ).labels;
    expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(JSON.stringify(find(NP, "traefik-allow-from-namespaces").inputs.spec)).toContain(
      '"cloudflared"',
    );
    expect(ofType(NP).some((p) => p.name === "traefik-allow-public-ports")).toBe(false);
    expect(find(NP, "traefik-allow-egress-cluster")).toBeDefined();
    expect(ofType("kubernetes:networking.k8s.io/v1:Ingress")).toHaveLength(0);
  });

  it("on the home network: a LoadBalancer whose entrypoints anyone may reach", async () => {
    const { deploy } = await import("./index");
    deploy("traefik", { platform: platform("ingress"), extra: {} });
    await settle();
    const values = reveal(find(RELEASE, "traefik-release").inputs.values) as Record<
      string,
      unknown
    >;
    expect(values.service).toEqual({ spec: { type: "LoadBalancer" } });
    // Without the tunnel nothing forwards on a visitor's behalf: every forwarded header is replaced.
    expect(
      (values.ports as Record<string, Record<string, unknown>>).web.forwardedHeaders,
    ).toBeUndefined();
    expect(find(NP, "traefik-allow-public-ports").inputs.spec).toMatchObject({
      ingress: [
        {
          ports: [
            { protocol: "TCP", port: 8000 },
            { protocol: "TCP", port: 8443 },
          ],
        },
      ],
    });
  });
});
