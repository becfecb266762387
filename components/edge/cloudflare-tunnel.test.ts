import * as pulumi from "@pulumi/pulumi";
import {
  find,
  isSecretValue,
  installMocks,
  isSecretInput,
  ofType,
  registrations,
  reveal as revealAny,
  settle,
  unwrap,
} from "../../test/mocks";

const TUNNEL = "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared";
const CONFIG = "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig";
const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const TOKEN_INVOKE =
  "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken";
const PLANTED_TOKEN = "planted-tunnel-token";
const INGRESS = "http://ingress-nginx-controller.ingress-nginx.svc:80";

// Kubernetes auto-names a Secret when it is created; the mock echoes inputs, so give it the name the way the
// provider would, letting the Deployment's secretKeyRef resolve.
installMocks((args) =>
  args.type === "kubernetes:core/v1:Secret"
    ? { metadata: { ...(args.inputs.metadata as object), name: `${args.name}-abc123` } }
    : undefined,
);

// The harness's `call` echoes inputs; answer the token lookup as Cloudflare's API would, and record the asks.
const invokes: { token: string; inputs: Record<string, unknown> }[] = [];
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mocks = require("@pulumi/pulumi/runtime/settings").getMonitor().mocks;
const echo = mocks.call.bind(mocks);
mocks.call = (args: pulumi.runtime.MockCallArgs) => {
  invokes.push({ token: args.token, inputs: args.inputs });
  return args.token === TOKEN_INVOKE ? { ...args.inputs, token: PLANTED_TOKEN } : echo(args);
};

/** A wire-form value with its secret wrappers removed. */
function reveal(v: unknown): unknown {
  if (isSecretValue(v)) return reveal((v as { value: unknown }).value);
  if (Array.isArray(v)) return v.map(reveal);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  }
  return v;
}

/** Paths in a wire-form value where `needle` appears outside any secret. */
function plainPaths(v: unknown, needle: string, at = ""): string[] {
  if (isSecretValue(v)) return [];
  if (typeof v === "string") return v.includes(needle) ? [at || "."] : [];
  if (typeof v === "object" && v !== null) {
    return Object.entries(v).flatMap(([k, x]) => plainPaths(x, needle, `${at}.${k}`));
  }
  return [];
}

async function build(name: string, overrides: Record<string, unknown> = {}) {
  const cloudflare = await import("@pulumi/cloudflare");
  const k8s = await import("@pulumi/kubernetes");
  const { CloudflareTunnel } = await import("./cloudflare-tunnel");
  const cf = new cloudflare.Provider(`${name}-cf`, { apiToken: pulumi.secret("cf-api-token") });
  const k8sProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig: "{}" });
  const tunnel = new CloudflareTunnel(
    name,
    {
      accountId: "acc-123",
      zoneId: "zone-456",
      domain: "home.example.org",
      tunnelName: "hearth-home",
      hostnames: ["git.home.example.org", "Photos.home.example.org", "*.home.example.org"],
      ingressService: INGRESS,
      k8sProvider,
      ...overrides,
    },
    { providers: [cf] },
  );
  await settle();
  return {
    tunnel,
    cf: find("pulumi:providers:cloudflare", `${name}-cf`),
    k8s: find("pulumi:providers:kubernetes", `${name}-k8s`),
  };
}

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

  it("runs cloudflared in a restricted namespace with the cluster provider", async () => {
    const { k8s } = await build("run", {
      namespace: "edge",
      replicas: 3,
      image: "cloudflare/cloudflared:2024.1.0",
    });
    const component = find("hearth:edge:CloudflareTunnel", "run");
    const k8sRef = `${k8s.urn}::run-k8s-id`;

    const ns = find("kubernetes:core/v1:Namespace", "run-namespace");
    expect(ns.parent).toBe(component.urn);
    expect(ns.provider).toBe(k8sRef);
    expect(ns.inputs.metadata).toEqual({
      name: "edge",
      labels: {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    });
    expect(find("kubernetes:core/v1:Secret", "run-token").provider).toBe(k8sRef);

    // The connector's namespace denies everything but DNS, the ingress controller and Cloudflare's edge.
    const policies = registrations.filter(
      (r) =>
        r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.parent === component.urn,
    );
    expect(policies.map((p) => revealAny(p.inputs.metadata).name).sort()).toEqual([
      "allow-dns",
      "allow-egress-cloudflare",
      "allow-egress-ingress",
      "allow-same-namespace",
      "default-deny",
    ]);
    for (const p of policies) {
      expect(revealAny(p.inputs.metadata).namespace).toBe("edge");
      expect(p.provider).toBe(k8sRef);
    }
    const out = revealAny(
      policies.find((p) => p.name === "run-allow-egress-cloudflare")!.inputs.spec,
    );
    expect(out.egress[0].ports).toEqual([
      { protocol: "TCP", port: 7844 },
      { protocol: "UDP", port: 7844 },
      { protocol: "TCP", port: 443 },
    ]);
    expect(out.egress[0].to[0].ipBlock.except).toEqual(
      expect.arrayContaining(["192.168.0.0/16", "169.254.0.0/16", "10.0.0.0/8"]),
    );
    const toIngress = revealAny(
      policies.find((p) => p.name === "run-allow-egress-ingress")!.inputs.spec,
    );
    expect(toIngress.egress[0].to[0].namespaceSelector.matchLabels).toEqual({
      "kubernetes.io/metadata.name": "ingress-nginx",
    });

    const deployment = find("kubernetes:apps/v1:Deployment", "run-cloudflared");
    expect(deployment.parent).toBe(component.urn);
    for (const p of policies) expect(deployment.dependencies).toContain(p.urn);
    expect(deployment.provider).toBe(k8sRef);
    expect(deployment.dependencies).toContain(find(CONFIG, "run-config").urn);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const spec = deployment.inputs.spec as any;
    expect(deployment.inputs.metadata).toMatchObject({ namespace: "edge" });
    expect(spec.replicas).toBe(3);
    expect(spec.selector.matchLabels).toEqual(spec.template.metadata.labels);
    expect(spec.template.metadata.annotations).toEqual({ "hearth.dev/tunnel-id": "run-tunnel-id" });
    const pod = spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.containers).toHaveLength(1);
    const [c] = pod.containers;
    expect(c.image).toBe("cloudflare/cloudflared:2024.1.0");
    expect([...c.command, ...c.args]).toEqual([
      "cloudflared",
      "tunnel",
      "--no-autoupdate",
      "--metrics",
      "0.0.0.0:2000",
      "run",
    ]);
    expect(c.env).toEqual([
      {
        name: "TUNNEL_TOKEN",
        valueFrom: { secretKeyRef: { name: "run-token-abc123", key: "token" } },
      },
    ]);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/ready", port: 2000 });
    expect(c.resources.requests).toEqual({ cpu: "20m", memory: "64Mi" });
    expect(c.resources.limits.memory).toBe("256Mi");
  });

  it("defaults to two pinned replicas in the cloudflared namespace", async () => {
    const { CLOUDFLARED_IMAGE } = await import("./cloudflare-tunnel");
    await build("dflt");
    expect(CLOUDFLARED_IMAGE).toMatch(/^cloudflare\/cloudflared:\d{4}\.\d+\.\d+$/);
    const deployment = find("kubernetes:apps/v1:Deployment", "dflt-cloudflared");
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const spec = deployment.inputs.spec as any;
    expect(spec.replicas).toBe(2);
    expect(spec.template.spec.containers[0].image).toBe(CLOUDFLARED_IMAGE);
    expect(deployment.inputs.metadata).toMatchObject({ namespace: "cloudflared" });
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
