/**
 * What the CloudflareTunnel's mock tests (components/edge/cloudflare-tunnel*.test.ts) share: Pulumi mocks that
 * name Secrets as Kubernetes would and answer the tunnel-token lookup as Cloudflare's API would (installed when
 * this file is imported), the type tokens, readers of wire-form values, and `build`.
 */
import * as pulumi from "@pulumi/pulumi";
import { find, installMocks, isSecretValue, settle } from "./mocks";

/** The tunnel's type token. */
export const TUNNEL = "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared";
/** The tunnel config's type token. */
export const CONFIG =
  "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig";
/** The DNS record's type token. */
export const DNS = "cloudflare:index/dnsRecord:DnsRecord";
/** The token lookup's invoke token. */
export const TOKEN_INVOKE =
  "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken";
/** The tunnel token the mocked lookup answers. */
export const PLANTED_TOKEN = "planted-tunnel-token";
/** The ingress Service the tunnel forwards to. */
export const INGRESS = "http://ingress-nginx-controller.ingress-nginx.svc:80";

// Kubernetes auto-names a Secret when it is created; the mock echoes inputs, so give it the name the way the
// provider would, letting the Deployment's secretKeyRef resolve.
installMocks((args) =>
  args.type === "kubernetes:core/v1:Secret"
    ? { metadata: { ...(args.inputs.metadata as object), name: `${args.name}-abc123` } }
    : undefined,
);

// The harness's `call` echoes inputs; answer the token lookup as Cloudflare's API would, and record the asks.
export const invokes: { token: string; inputs: Record<string, unknown> }[] = [];
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mocks = require("@pulumi/pulumi/runtime/settings").getMonitor().mocks;
const echo = mocks.call.bind(mocks);
mocks.call = (args: pulumi.runtime.MockCallArgs) => {
  invokes.push({ token: args.token, inputs: args.inputs });
  return args.token === TOKEN_INVOKE ? { ...args.inputs, token: PLANTED_TOKEN } : echo(args);
};

/** A wire-form value with its secret wrappers removed. */
export function reveal(v: unknown): unknown {
  if (isSecretValue(v)) return reveal((v as { value: unknown }).value);
  if (Array.isArray(v)) return v.map(reveal);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  }
  return v;
}

/** Paths in a wire-form value where `needle` appears outside any secret. */
export function plainPaths(v: unknown, needle: string, at = ""): string[] {
  if (isSecretValue(v)) return [];
  if (typeof v === "string") return v.includes(needle) ? [at || "."] : [];
  if (typeof v === "object" && v !== null) {
    return Object.entries(v).flatMap(([k, x]) => plainPaths(x, needle, `${at}.${k}`));
  }
  return [];
}

/** A CloudflareTunnel for three hostnames with its own providers, with `overrides`, once registered. */
export async function build(name: string, overrides: Record<string, unknown> = {}) {
  const cloudflare = await import("@pulumi/cloudflare");
  const k8s = await import("@pulumi/kubernetes");
  const { CloudflareTunnel } = await import("../components/edge/cloudflare-tunnel");
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
