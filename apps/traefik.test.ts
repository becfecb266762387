import * as k8s from "@pulumi/kubernetes";
import { reveal } from "../test/mocks";
import { Exposure, Platform } from "../components/types";
import { find, installMocks, ofType, registrations, settle } from "../test/mocks";

installMocks();

function platform(mode: Exposure["mode"]): Platform {
  return {
    provider: new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1" }),
    domain: "home.example.org",
    exposure: {
      mode,
      ingressClass: "hearth",
      ingressService: "http://traefik.traefik.svc.cluster.local:80",
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
  it("names the service URL the tunnel forwards to", async () => {
    const { traefikIngressService, traefikServiceName } = await import("./traefik");
    expect(traefikServiceName("traefik")).toBe("traefik");
    expect(traefikServiceName("edge")).toBe("edge-traefik");
    expect(traefikIngressService("traefik", "traefik")).toBe(
      "http://traefik.traefik.svc.cluster.local:80",
    );
  });

  it("behind the tunnel: ClusterIP, class hearth, restricted, only the tunnel connects", async () => {
    const { deploy } = await import("./traefik");
    const deployed = deploy("traefik", {
      platform: platform("tunnel"),
      extra: { allowFromNamespaces: ["cloudflared"] },
      overrides: { values: { logs: { access: { enabled: true } } } },
    });
    await settle();
    expect(deployed.ingressService).toBe("http://traefik.traefik.svc.cluster.local:80");
    const release = find(RELEASE, "traefik-release");
    expect(deployed.resource).toBeDefined();
    expect(release.inputs).toMatchObject({
      chart: "traefik",
      version: "41.5.0",
      repositoryOpts: { repo: "https://traefik.github.io/charts" },
      namespace: "traefik",
    });
    const values = reveal(release.inputs.values) as Record<string, Record<string, unknown>>;
    expect(values.ingressClass).toEqual({ enabled: true, isDefaultClass: false, name: "hearth" });
    expect(values.providers.kubernetesIngress).toEqual({ enabled: true, ingressClass: "hearth" });
    expect(values.service).toEqual({ type: "ClusterIP" });
    expect(values.podSecurityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(values.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    // The operator's override lands on top.
    expect(values.logs).toEqual({ access: { enabled: true } });

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
    const { deploy } = await import("./traefik");
    deploy("traefik", { platform: platform("ingress"), extra: {} });
    await settle();
    const values = reveal(find(RELEASE, "traefik-release").inputs.values) as Record<
      string,
      unknown
    >;
    expect(values.service).toEqual({ type: "LoadBalancer" });
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
