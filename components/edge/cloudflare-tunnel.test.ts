/**
 * The CloudflareTunnel under Pulumi mocks: the tunnel, its config and one proxied CNAME per hostname with the
 * caller's provider, the token asked of Cloudflare and kept secret, and the refusals. cloudflared itself is in
 * cloudflare-tunnel-cloudflared.test.ts; the fixtures in test/cloudflare-tunnel-fixtures.ts.
 */
import {
  build,
  CONFIG,
  DNS,
  INGRESS,
  invokes,
  PLANTED_TOKEN,
  plainPaths,
  reveal,
  TOKEN_INVOKE,
  TUNNEL,
} from "../../test/cloudflare-tunnel-fixtures";
import { find, isSecretInput, ofType, registrations, unwrap } from "../../test/mocks";

describe("CloudflareTunnel", () => {
  it("creates the tunnel, its config and one proxied CNAME per hostname with the caller's provider", async () => {
    const { tunnel, cf } = await build("edge");
    const component = find("hearth:edge:CloudflareTunnel", "edge");

    const t = find(TUNNEL, "edge-tunnel");
    // Names are unique per account, so a replacement must not be created next to its old self.
    expect(t.options.deleteBeforeReplace).toBe(true);
    expect(t.parent).toBe(component.urn);
    expect(t.provider).toBe(`${cf.urn}::edge-cf-id`);
    expect(t.inputs).toMatchObject({
      accountId: "acc-123",
      name: "hearth-home",
      configSrc: "cloudflare",
    });
    expect(t.inputs.tunnelSecret).toBeUndefined();

    const config = find(CONFIG, "edge-config");
    expect(config.parent).toBe(component.urn);
    expect(config.provider).toBe(t.provider);
    expect(config.inputs).toEqual({
      accountId: "acc-123",
      tunnelId: "edge-tunnel-id",
      source: "cloudflare",
      config: {
        ingresses: [
          { hostname: "git.home.example.org", service: INGRESS.replace(":80", "") },
          { hostname: "photos.home.example.org", service: INGRESS.replace(":80", "") },
          { hostname: "*.home.example.org", service: INGRESS.replace(":80", "") },
          { service: "http_status:404" },
        ],
      },
    });

    const records = ofType(DNS).filter((r) => r.parent === component.urn);
    expect(records.map((r) => r.name)).toEqual([
      "edge-dns-git.home.example.org",
      "edge-dns-photos.home.example.org",
      "edge-dns-wildcard.home.example.org",
    ]);
    for (const r of records) {
      expect(r.provider).toBe(t.provider);
      expect(r.inputs).toMatchObject({
        zoneId: "zone-456",
        type: "CNAME",
        content: "edge-tunnel-id.cfargotunnel.com",
        proxied: true,
        ttl: 1,
      });
    }
    expect(records.map((r) => r.inputs.name)).toEqual([
      "git.home.example.org",
      "photos.home.example.org",
      "*.home.example.org",
    ]);

    expect(await unwrap(tunnel.tunnelId)).toBe("edge-tunnel-id");
    expect(await unwrap(tunnel.cname)).toBe("edge-tunnel-id.cfargotunnel.com");
    expect(tunnel.hostnames).toEqual([
      "git.home.example.org",
      "photos.home.example.org",
      "*.home.example.org",
    ]);
  });

  it("asks Cloudflare for the tunnel's token and keeps it secret in the Secret", async () => {
    await build("tok");
    const asked = invokes.filter((i) => i.token === TOKEN_INVOKE);
    expect(asked.map((i) => i.inputs)).toContainEqual({
      accountId: "acc-123",
      tunnelId: "tok-tunnel-id",
    });

    const component = find("hearth:edge:CloudflareTunnel", "tok");
    const secret = find("kubernetes:core/v1:Secret", "tok-token");
    expect(secret.parent).toBe(component.urn);
    expect(secret.inputs.type).toBe("Opaque");
    expect(isSecretInput(secret, "stringData.token")).toBe(true);
    expect(reveal(secret.rawInputs.stringData)).toEqual({ token: PLANTED_TOKEN });
    expect(secret.inputs.metadata).toEqual({ namespace: "cloudflared" });
  });

  it("never sends the token anywhere outside a secret", async () => {
    const { tunnel } = await build("leak");
    const mine = registrations.filter((r) => r.urn.includes("CloudflareTunnel"));
    expect(mine.length).toBeGreaterThan(5);
    const leaks = mine.flatMap((r) =>
      plainPaths(r.rawInputs, PLANTED_TOKEN).map((p) => `${r.type}::${r.name} ${p}`),
    );
    expect(leaks).toEqual([]);
    // ...while it did reach the cluster, inside a secret.
    expect(JSON.stringify(find("kubernetes:core/v1:Secret", "leak-token").rawInputs)).toContain(
      PLANTED_TOKEN,
    );
    expect(Object.keys(tunnel)).not.toContain("token");
  });

  it("refuses bad routes and replicas before registering any child", async () => {
    const before = registrations.length;
    await expect(
      build("bad", { hostnames: ["git.elsewhere.org", "git.elsewhere.org"] }),
    ).rejects.toThrow(/hostname "git.elsewhere.org" is outside the zone home.example.org/);
    await expect(build("bad2", { replicas: 0 })).rejects.toThrow(
      /Cloudflare tunnel bad2: replicas is 0; run at least 1 cloudflared pod/,
    );
    const children = registrations
      .slice(before)
      .filter(
        (r) => !r.type.startsWith("pulumi:providers:") && r.type !== "hearth:edge:CloudflareTunnel",
      );
    expect(children).toEqual([]);
  });
});
