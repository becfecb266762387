/**
 * The ingress rules a remotely managed Cloudflare tunnel runs with: every public hostname goes to the cluster's
 * ingress controller, which routes by Host header; anything else gets a 404 at the edge. Pure: no Pulumi.
 */
import {
  DEFAULT_CLUSTER_NETWORKS,
  internetEgress,
  NamedPolicy,
  networkPolicies,
  serviceUrlNamespace,
} from "../app/network-policies";

/** Which public hostnames the tunnel serves, and the zone they must belong to. */
export interface TunnelRoutes {
  /** The Cloudflare zone's domain, e.g. `home.example.org`. */
  domain: string;
  /** Hostnames to route, each the domain itself or under it (`*.domain` wildcards allowed). */
  hostnames: string[];
}

/** One cloudflared ingress rule, in the shape of the tunnel configuration API. */
export interface TunnelIngressRule {
  /** Public hostname the rule matches; absent on the final catch-all rule. */
  hostname?: string;
  /** Where matching requests go: the ingress controller URL, or `http_status:404`. */
  service: string;
}

/** The service of the last rule: cloudflared requires a catch-all, and unknown hostnames should learn nothing. */
export const CATCH_ALL_SERVICE = "http_status:404";

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Whether `name` is a DNS name of at least two valid labels (lower case, no trailing dot). */
function isDnsName(name: string): boolean {
  const labels = name.split(".");
  return name.length <= 253 && labels.length >= 2 && labels.every((l) => LABEL.test(l));
}

/** Lower-cases a DNS name and drops a trailing dot, so `App.Example.org.` and `app.example.org` are one name. */
function normalize(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

/**
 * Builds the tunnel's ingress rules: one rule per hostname to `ingressService`, exact hostnames before wildcards
 * (cloudflared takes the first match), then the catch-all. Reports every problem at once: a hostname outside the
 * zone, a malformed or duplicate hostname, or an ingress service that is not a plain http(s) URL.
 */
export function tunnelIngressRules(
  routes: TunnelRoutes,
  ingressService: string,
): TunnelIngressRule[] {
  const problems: string[] = [];
  const domain = normalize(routes.domain);
  if (!isDnsName(domain)) {
    problems.push(
      `domain ${JSON.stringify(routes.domain)} is not a domain name; set it to the Cloudflare zone, e.g. example.org`,
    );
  }

  const service = checkIngressService(ingressService, problems);

  const seen = new Set<string>();
  const exact: string[] = [];
  const wildcards: string[] = [];
  for (const raw of routes.hostnames) {
    const hostname = normalize(raw);
    const wildcard = hostname.startsWith("*.");
    const base = wildcard ? hostname.slice(2) : hostname;
    if (!isDnsName(base)) {
      problems.push(`hostname ${JSON.stringify(raw)} is not a valid DNS name`);
      continue;
    }
    if (base !== domain && !base.endsWith(`.${domain}`)) {
      problems.push(
        `hostname ${JSON.stringify(raw)} is outside the zone ${domain}; the tunnel can only publish names in ` +
          `its zone, so use a name ending in .${domain} or move the app to that zone`,
      );
      continue;
    }
    if (seen.has(hostname)) {
      problems.push(
        `hostname ${JSON.stringify(raw)} is routed twice; give each app its own hostname`,
      );
      continue;
    }
    seen.add(hostname);
    (wildcard ? wildcards : exact).push(hostname);
  }

  if (problems.length > 0) {
    throw new Error(`Cloudflare tunnel routes:\n  - ${problems.join("\n  - ")}`);
  }
  return [
    ...[...exact, ...wildcards].map((hostname) => ({ hostname, service })),
    { service: CATCH_ALL_SERVICE },
  ];
}

/** The ingress service as cloudflared wants it (scheme, host, port), or a problem recorded in `problems`. */
function checkIngressService(ingressService: string, problems: string[]): string {
  let url: URL | undefined;
  try {
    url = new URL(ingressService);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    problems.push(
      `ingress service ${JSON.stringify(ingressService)} is not an http:// or https:// URL; expected the ` +
        "ingress controller's in-cluster service, e.g. http://ingress-nginx-controller.ingress-nginx.svc:80",
    );
    return ingressService;
  }
  // cloudflared refuses a service with a path: it forwards the request path as it came.
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    problems.push(
      `ingress service ${JSON.stringify(ingressService)} has a path or query; cloudflared forwards the ` +
        "request path as is, so give only scheme, host and port",
    );
  }
  return `${url.protocol}//${url.host}`;
}

/**
 * The connector namespace's NetworkPolicies: nothing comes in; out go DNS, the ingress controller's pods (every
 * hostname's one destination) and Cloudflare's edge on public addresses only, at the ports cloudflared dials
 * (7844 over QUIC or HTTP/2, 443 for its API). Never the LAN, the nodes or the metadata service.
 */
export function connectorPolicies(ingressService: string): NamedPolicy[] {
  const base = networkPolicies({ allowFromNamespaces: [], publicPorts: [], egress: "none" });
  const internet = internetEgress(DEFAULT_CLUSTER_NETWORKS);
  return [
    ...base,
    {
      suffix: "allow-egress-ingress",
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: {
                    "kubernetes.io/metadata.name": serviceUrlNamespace(ingressService),
                  },
                },
              },
            ],
          },
        ],
      },
    },
    {
      suffix: "allow-egress-cloudflare",
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: internet.to,
            ports: [
              { protocol: "TCP", port: 7844 },
              { protocol: "UDP", port: 7844 },
              { protocol: "TCP", port: 443 },
            ],
          },
        ],
      },
    },
  ];
}
