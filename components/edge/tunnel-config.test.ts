import { CATCH_ALL_SERVICE, tunnelIngressRules } from "./tunnel-config";

const INGRESS = "http://ingress-nginx-controller.ingress-nginx.svc.cluster.local:8080";

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

describe("tunnelIngressRules", () => {
  it("routes every hostname to the ingress service and ends with the 404 catch-all", () => {
    expect(
      tunnelIngressRules(
        { domain: "home.example.org", hostnames: ["git.home.example.org", "home.example.org"] },
        INGRESS,
      ),
    ).toEqual([
      { hostname: "git.home.example.org", service: INGRESS },
      { hostname: "home.example.org", service: INGRESS },
      { service: "http_status:404" },
    ]);
    expect(CATCH_ALL_SERVICE).toBe("http_status:404");
  });

  it("gives only the catch-all when nothing is published yet", () => {
    expect(tunnelIngressRules({ domain: "example.org", hostnames: [] }, INGRESS)).toEqual([
      { service: "http_status:404" },
    ]);
  });

  it("puts wildcards after exact names, since cloudflared takes the first match", () => {
    const rules = tunnelIngressRules(
      { domain: "example.org", hostnames: ["*.example.org", "a.example.org", "b.example.org"] },
      INGRESS,
    );
    expect(rules.map((r) => r.hostname)).toEqual([
      "a.example.org",
      "b.example.org",
      "*.example.org",
      undefined,
    ]);
  });

  it("normalizes case and a trailing dot, then catches the duplicate that reveals", () => {
    expect(
      tunnelIngressRules({ domain: "Example.org.", hostnames: ["App.Example.ORG."] }, INGRESS)[0],
    ).toEqual({ hostname: "app.example.org", service: INGRESS });
    expect(
      problemsOf(() =>
        tunnelIngressRules(
          { domain: "example.org", hostnames: ["app.example.org", "APP.example.org"] },
          INGRESS,
        ),
      ),
    ).toContain('hostname "APP.example.org" is routed twice; give each app its own hostname');
  });

  it("rejects hostnames outside the zone, including look-alike suffixes", () => {
    const message = problemsOf(() =>
      tunnelIngressRules(
        { domain: "example.org", hostnames: ["app.other.org", "app.notexample.org"] },
        INGRESS,
      ),
    );
    expect(message).toMatch(/^Cloudflare tunnel routes:/);
    expect(message).toContain('hostname "app.other.org" is outside the zone example.org');
    expect(message).toContain('hostname "app.notexample.org" is outside the zone example.org');
    expect(message).toContain("use a name ending in .example.org");
  });

  it("reports every problem at once: bad domain, bad hostname, bad service", () => {
    const message = problemsOf(() =>
      tunnelIngressRules({ domain: "localhost", hostnames: ["bad_name.localhost"] }, "tcp://x:1"),
    );
    expect(message).toContain('domain "localhost" is not a domain name');
    expect(message).toContain('hostname "bad_name.localhost" is not a valid DNS name');
    expect(message).toContain('ingress service "tcp://x:1" is not an http:// or https:// URL');
  });

  it("rejects an ingress service with a path and drops a bare trailing slash", () => {
    expect(
      problemsOf(() =>
        tunnelIngressRules({ domain: "example.org", hostnames: [] }, "http://ingress.svc/apps"),
      ),
    ).toContain("has a path or query");
    expect(
      tunnelIngressRules(
        { domain: "example.org", hostnames: ["a.example.org"] },
        "https://ingress.svc:8443/",
      )[0],
    ).toEqual({ hostname: "a.example.org", service: "https://ingress.svc:8443" });
  });

  it("rejects a wildcard that is not the leftmost label alone", () => {
    expect(
      problemsOf(() =>
        tunnelIngressRules({ domain: "example.org", hostnames: ["a.*.example.org"] }, INGRESS),
      ),
    ).toContain('hostname "a.*.example.org" is not a valid DNS name');
  });
});
