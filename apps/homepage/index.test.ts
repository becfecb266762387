import * as k8s from "@pulumi/kubernetes";
import { reveal } from "../../test/mocks";
import { Platform } from "../../components/types";
import { find, installMocks, registrations, settle, unwrap } from "../../test/mocks";
import type { HomepageLink } from "./values";

installMocks();

function platform(): Platform {
  return {
    provider: new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1" }),
    kubeconfig: "apiVersion: v1",
    domain: "home.example.org",
    exposure: {
      mode: "tunnel",
      ingressClass: "hearth",
      ingressService: "http://traefik.traefik.svc.cluster.local:80",
      clusterIssuer: "letsencrypt",
    },
    charts: {},
    timezone: "Europe/Paris",
  };
}

const links: HomepageLink[] = [
  {
    title: "Zot",
    href: "https://zot.home.example.org",
    description: "Images",
    category: "development",
  },
  {
    title: "Argo CD",
    href: "https://argocd.home.example.org",
    description: "GitOps",
    category: "platform",
  },
  {
    title: "Gitea",
    href: "https://git.home.example.org",
    description: "Git",
    category: "development",
    siteMonitor: "https://git.home.example.org/api/healthz",
  },
];

beforeEach(() => {
  registrations.length = 0;
});

describe("homepageServices", () => {
  it("groups links by category in a fixed order, tiles sorted by title", async () => {
    const { homepageServices } = await import("./values");
    expect(homepageServices(links)).toEqual([
      {
        Development: [
          {
            Gitea: {
              href: "https://git.home.example.org",
              description: "Git",
              siteMonitor: "https://git.home.example.org/api/healthz",
            },
          },
          { Zot: { href: "https://zot.home.example.org", description: "Images" } },
        ],
      },
      {
        Platform: [
          { "Argo CD": { href: "https://argocd.home.example.org", description: "GitOps" } },
        ],
      },
    ]);
    expect(homepageServices([])).toEqual([]);
  });

  it("refuses two links with one title", async () => {
    const { homepageServices } = await import("./values");
    expect(() => homepageServices([links[0], { ...links[1], title: "Zot" }])).toThrow(
      /two links are titled "Zot"/,
    );
  });
});

describe("homepageValues", () => {
  it("mounts nothing of its own where the chart already mounts (one mount per path)", async () => {
    const { homepageValues, HOMEPAGE_CHART_MOUNTS } = await import("./values");
    const values = homepageValues({ hostname: "home.example.org", timezone: "UTC", links }) as {
      persistence: Record<string, { enabled: boolean; mountPath: string }>;
    };
    const ours = Object.entries(values.persistence)
      .filter(([, p]) => p.enabled)
      .map(([name, p]) => p.mountPath ?? `/${name}`);
    expect(ours).toEqual(["/app/.next/cache"]);
    for (const path of ours) expect(HOMEPAGE_CHART_MOUNTS).not.toContain(path);
    // The chart's own persistence keys are left alone.
    expect(Object.keys(values.persistence)).not.toContain("homepage-base-config");
    expect(Object.keys(values.persistence)).not.toContain("homepage-config");
  });
});

describe("homepage recipe", () => {
  it("deploys the pinned chart at home.<domain> with the links, as a non-root user", async () => {
    const { deploy } = await import("./index");
    const { homepageServices } = await import("./values");
    // Named as the composition names it: the chart would call its Service "hearth-homepage" without
    // the pinned fullnameOverride.
    const deployed = deploy("hearth-homepage", { platform: platform(), extra: { links } });
    await settle();
    const release = find("kubernetes:helm.sh/v3:Release", "hearth-homepage-release");
    expect(release.inputs).toMatchObject({
      chart: "homepage",
      version: "2.1.0",
      repositoryOpts: { repo: "https://jameswynn.github.io/helm-charts" },
      namespace: "homepage",
    });
    const values = reveal(release.inputs.values) as Record<string, Record<string, unknown>>;
    expect(values.fullnameOverride).toBe("homepage");
    expect(values.image).toEqual({ repository: "ghcr.io/gethomepage/homepage", tag: "v1.2.0" });
    expect(values.env).toEqual([
      { name: "HOMEPAGE_ALLOWED_HOSTS", value: "home.home.example.org" },
      { name: "TZ", value: "Europe/Paris" },
    ]);
    expect(values.config.services).toEqual(homepageServices(links));
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });

    const ingress = find("kubernetes:networking.k8s.io/v1:Ingress", "hearth-homepage-ingress");
    expect(ingress.dependencies).toContain(release.urn);
    expect(JSON.stringify(ingress.inputs.spec)).toContain(
      '"name":"homepage","port":{"number":3000}',
    );
    expect((ingress.inputs.metadata as Record<string, unknown>).annotations).toEqual({
      "cert-manager.io/cluster-issuer": "letsencrypt",
    });
    expect(await unwrap(deployed.url!)).toBe("https://home.home.example.org");
  });

  it("honours a hostname override", async () => {
    const { deploy } = await import("./index");
    const deployed = deploy("homepage", {
      platform: platform(),
      overrides: { hostname: "start.example.net" },
      extra: { links: [] },
    });
    await settle();
    expect(await unwrap(deployed.url!)).toBe("https://start.example.net");
    const values = reveal(
      find("kubernetes:helm.sh/v3:Release", "homepage-release").inputs.values,
    ) as {
      env: { name: string; value: string }[];
    };
    expect(values.env[0]).toEqual({ name: "HOMEPAGE_ALLOWED_HOSTS", value: "start.example.net" });
  });
});
