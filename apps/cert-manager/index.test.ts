import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { reveal } from "../../test/mocks";
import { Platform } from "../../components/types";
import { find, installMocks, isSecretInput, ofType, registrations, settle } from "../../test/mocks";

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
    },
    charts: {},
    timezone: "UTC",
  };
}

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CR = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const CERT = "kubernetes:cert-manager.io/v1:Certificate";

beforeEach(() => {
  registrations.length = 0;
});

describe("cert-manager recipe", () => {
  it("pins the jetstack chart with CRDs from the chart", async () => {
    const { meta } = await import("./index");
    const { certManagerValues } = await import("./values");
    expect(meta.chart).toEqual({
      repository: "https://charts.jetstack.io",
      name: "cert-manager",
      version: "v1.21.1",
    });
    expect(certManagerValues("cert-manager", false)).toEqual({
      crds: { enabled: true, keep: true },
      global: { leaderElection: { namespace: "cert-manager" } },
    });
    expect(certManagerValues("cert-manager", true)).toMatchObject({
      dns01RecursiveNameservers: "1.1.1.1:53,9.9.9.9:53",
      dns01RecursiveNameserversOnly: true,
    });
  });

  it("with Cloudflare: a secret token and an ACME DNS-01 issuer after the release", async () => {
    const { deploy, meta } = await import("./index");
    const deployed = deploy("cert-manager", {
      platform: platform(),
      extra: {
        acmeEmail: "admin@example.org",
        cloudflareApiToken: pulumi.secret("planted-cf-token"),
      },
    });
    await settle();
    expect(deployed.issuerName).toBe("letsencrypt");
    const component = find("hearth:apps:CertManager", "cert-manager");
    const release = find(RELEASE, "cert-manager-release");
    expect(release.inputs).toMatchObject({
      chart: "cert-manager",
      version: meta.chart.version,
      repositoryOpts: { repo: "https://charts.jetstack.io" },
      namespace: "cert-manager",
      atomic: true,
    });
    expect(reveal(release.inputs.values)).toMatchObject({ crds: { enabled: true } });
    expect(JSON.stringify(release.inputs.values)).not.toContain("planted-cf-token");

    const token = find("kubernetes:core/v1:Secret", "cert-manager-cloudflare-api-token");
    expect(isSecretInput(token, "stringData")).toBe(true);
    expect(reveal(token.inputs.stringData)).toEqual({ "api-token": "planted-cf-token" });
    expect(release.dependencies).toContain(token.urn);

    const issuer = find(CR, "cert-manager-letsencrypt");
    expect(issuer.parent).toBe(component.urn);
    expect(issuer.dependencies).toContain(release.urn);
    expect(issuer.inputs.metadata).toEqual({ name: "letsencrypt" });
    expect(issuer.inputs.spec).toEqual({
      acme: {
        server: "https://acme-v02.api.letsencrypt.org/directory",
        email: "admin@example.org",
        privateKeySecretRef: { name: "letsencrypt-account-key" },
        solvers: [
          {
            selector: { dnsZones: ["home.example.org"] },
            dns01: {
              cloudflare: { apiTokenSecretRef: { name: "cloudflare-api-token", key: "api-token" } },
            },
          },
        ],
      },
    });
    expect(ofType(CERT)).toHaveLength(0);
    // The API server calls the webhook; ACME and Cloudflare are on the internet.
    expect(
      find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "cert-manager-allow-public-ports"),
    ).toBeDefined();
    expect(
      find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "cert-manager-allow-egress-internet"),
    ).toBeDefined();
  });

  it("without Cloudflare: a self-signed root and a CA issuer, after the release", async () => {
    const { deploy } = await import("./index");
    const deployed = deploy("cm", { platform: platform(), extra: { acmeEmail: "" } });
    await settle();
    expect(deployed.issuerName).toBe("hearth-ca");
    const release = find(RELEASE, "cm-release");
    const selfSigned = find(CR, "cm-selfsigned");
    const root = find(CERT, "cm-root-ca");
    const ca = find(CR, "cm-ca");
    expect(selfSigned.inputs.spec).toEqual({ selfSigned: {} });
    expect(root.inputs.metadata).toEqual({ name: "hearth-root-ca", namespace: "cert-manager" });
    expect(root.inputs.spec).toMatchObject({
      isCA: true,
      secretName: "hearth-root-ca",
      issuerRef: { name: "hearth-selfsigned", kind: "ClusterIssuer" },
    });
    expect(ca.inputs.spec).toEqual({ ca: { secretName: "hearth-root-ca" } });
    expect(selfSigned.dependencies).toContain(release.urn);
    expect(root.dependencies).toEqual(expect.arrayContaining([release.urn, selfSigned.urn]));
    expect(ca.dependencies).toEqual(expect.arrayContaining([release.urn, root.urn]));
    expect(ofType("kubernetes:core/v1:Secret")).toHaveLength(0);
  });

  it("with an RFC 2136 server: the TSIG secret in a Secret and an ACME issuer solving through that server", async () => {
    const { deploy } = await import("./index");
    const deployed = deploy("cm", {
      platform: platform(),
      extra: {
        acmeEmail: "admins@coop.example.org",
        rfc2136: {
          nameserver: "ns1.coop.example.org:53",
          tsigKeyName: "hearth-coop",
          tsigAlgorithm: "hmac-sha512",
          tsigSecret: pulumi.secret("planted-tsig"),
        },
      },
    });
    await settle();
    expect(deployed.issuerName).toBe("letsencrypt");
    const release = find(RELEASE, "cm-release");
    expect(reveal(release.inputs.values)).toMatchObject({ dns01RecursiveNameserversOnly: true });
    const tsig = find("kubernetes:core/v1:Secret", "cm-rfc2136-tsig");
    expect(isSecretInput(tsig, "stringData")).toBe(true);
    expect(reveal(tsig.inputs.stringData)).toEqual({ "tsig-secret": "planted-tsig" });
    const issuer = find(CR, "cm-letsencrypt");
    expect(issuer.dependencies).toContain(release.urn);
    expect(JSON.stringify(issuer.rawInputs)).not.toContain("planted-tsig");
    // cert-manager v1.21.1's ACMEIssuerDNS01ProviderRFC2136 (pkg/apis/acme/v1/types_issuer.go).
    expect(issuer.inputs.spec).toMatchObject({
      acme: {
        email: "admins@coop.example.org",
        solvers: [
          {
            selector: { dnsZones: ["home.example.org"] },
            dns01: {
              rfc2136: {
                nameserver: "ns1.coop.example.org:53",
                tsigKeyName: "hearth-coop",
                tsigAlgorithm: "HMACSHA512",
                tsigSecretSecretRef: { name: "rfc2136-tsig", key: "tsig-secret" },
              },
            },
          },
        ],
      },
    });
    expect(ofType("kubernetes:core/v1:Secret").map((r) => r.name)).toEqual(["cm-rfc2136-tsig"]);
  });

  it("refuses a Cloudflare token and an RFC 2136 server together", async () => {
    const { deploy } = await import("./index");
    expect(() =>
      deploy("cm", {
        platform: platform(),
        extra: {
          acmeEmail: "a@example.org",
          cloudflareApiToken: pulumi.secret("t"),
          rfc2136: {
            nameserver: "ns:53",
            tsigKeyName: "k",
            tsigAlgorithm: "hmac-sha256",
            tsigSecret: "s",
          },
        },
      }),
    ).toThrow(/hearth:dns.provider chooses one/);
  });

  it("refuses a Cloudflare setup without a usable e-mail address", async () => {
    const { deploy } = await import("./index");
    expect(() =>
      deploy("cm", {
        platform: platform(),
        extra: { acmeEmail: "not-an-address", cloudflareApiToken: pulumi.secret("t") },
      }),
    ).toThrow(/acmeEmail "not-an-address" is not an e-mail address/);
  });
});
