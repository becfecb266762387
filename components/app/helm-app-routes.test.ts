/**
 * The HelmApp's routes under Pulumi mocks: a hostname through an Ingress after the release, behind
 * forward-auth, and with a certificate from the platform's cluster issuer.
 */
import { chart, INGRESS, NP, platform, RELEASE } from "../../test/helm-app-fixtures";
import { find, reveal, settle, unwrap } from "../../test/mocks";

describe("HelmApp", () => {
  it("routes a hostname through an Ingress after the release, admitting the controller", async () => {
    const { HelmApp } = await import("./helm-app");
    const app = new HelmApp("web", {
      platform: platform(),
      namespace: "web",
      chart,
      hostname: "web.home.example.org",
      service: { name: "web-http", port: 8080 },
      allowFromNamespaces: ["monitoring"],
      egress: "internet",
    });
    await settle();
    const ingress = find(INGRESS, "web-ingress");
    expect(ingress.parent).toBe(find("hearth:app:HelmApp", "web").urn);
    expect(ingress.dependencies).toContain(find(RELEASE, "web-release").urn);
    const spec = ingress.inputs.spec as Record<string, unknown>;
    expect(spec.ingressClassName).toBe("hearth");
    expect(spec.rules).toEqual([
      {
        host: "web.home.example.org",
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "web-http", port: { number: 8080 } } },
            },
          ],
        },
      },
    ]);
    // Without a cluster issuer there is no certificate to ask for.
    expect(spec.tls).toEqual([]);
    expect((ingress.inputs.metadata as Record<string, unknown>).annotations).toEqual({});
    expect(await unwrap(app.url!)).toBe("https://web.home.example.org");

    const from = find(NP, "web-allow-from-namespaces").inputs.spec as Record<string, unknown>;
    expect(JSON.stringify(from.ingress)).toContain('"traefik"');
    expect(JSON.stringify(from.ingress)).toContain('"monitoring"');
    expect(find(NP, "web-allow-egress-internet")).toBeDefined();
  });

  it("puts a hostname behind forward-auth: a Middleware in the app's namespace, named on the Ingress", async () => {
    const { HelmApp } = await import("./helm-app");
    new HelmApp("page", {
      platform: platform(),
      namespace: "page",
      chart,
      hostname: "page.home.example.org",
      service: { name: "page", port: 3000 },
      forwardAuth: { address: "http://authelia.authelia.svc.cluster.local/api/authz/forward-auth" },
    });
    await settle();
    const mw = find("kubernetes:traefik.io/v1alpha1:Middleware", "page-forward-auth");
    expect(reveal(mw.inputs)).toMatchObject({
      metadata: { name: "hearth-forward-auth", namespace: "page" },
      spec: {
        forwardAuth: {
          address: "http://authelia.authelia.svc.cluster.local/api/authz/forward-auth",
          trustForwardHeader: true,
          authResponseHeaders: ["Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name"],
        },
      },
    });
    const ingress = find(INGRESS, "page-ingress");
    expect(ingress.dependencies).toContain(mw.urn);
    expect((ingress.inputs.metadata as Record<string, unknown>).annotations).toEqual({
      "traefik.ingress.kubernetes.io/router.middlewares": "page-hearth-forward-auth@kubernetescrd",
    });
  });

  it("asks cert-manager for a certificate when the platform has a cluster issuer", async () => {
    const { HelmApp } = await import("./helm-app");
    const p = platform();
    p.exposure.clusterIssuer = "letsencrypt";
    new HelmApp("tls", {
      platform: p,
      namespace: "tls",
      chart,
      hostname: "tls.home.example.org",
      service: { name: "tls", port: 80 },
    });
    await settle();
    const ingress = find(INGRESS, "tls-ingress");
    expect((ingress.inputs.metadata as Record<string, unknown>).annotations).toEqual({
      "cert-manager.io/cluster-issuer": "letsencrypt",
    });
    expect((ingress.inputs.spec as Record<string, unknown>).tls).toEqual([
      { hosts: ["tls.home.example.org"], secretName: "tls-tls" },
    ]);
  });
});
