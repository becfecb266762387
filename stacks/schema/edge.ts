/** hearth:cloudflare and hearth:dns: how the home is reached, and where its DNS records live. */
import { z } from "zod";
import { TSIG_ALGORITHMS } from "../../components/edge/dns-wire";
import { DOMAIN, ipv4 } from "./common";

/** Cloudflare in front of the home: a tunnel and DNS records. */
export const cloudflareSchema = z.strictObject({
  accountId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, { error: "is not a Cloudflare account id (32 hex characters)" }),
  zoneId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, { error: "is not a Cloudflare zone id (32 hex characters)" }),
  tunnelName: z.string().min(1).optional().describe("Tunnel name. @default hearth-<stack>"),
});

/**
 * Which DNS service holds the home's records and answers cert-manager's DNS-01 challenges: Cloudflare (with
 * hearth:cloudflare, the default), or any server that takes dynamic updates (RFC 2136: BIND, Knot, PowerDNS).
 */
export const dnsSchema = z.strictObject({
  provider: z
    .enum(["cloudflare", "rfc2136"])
    .default("cloudflare")
    .describe(
      "cloudflare: hearth:cloudflare's tunnel and zone. rfc2136: a DNS server of your own that takes TSIG-signed dynamic updates (BIND, Knot, PowerDNS); apps are then reached at hearth:dns.address or hearth:dns.alias, and cert-manager answers DNS-01 challenges through the same server.",
    ),
  server: z
    .string()
    .regex(
      /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(:\d{1,5})?$/i,
      {
        error: (i) =>
          `${JSON.stringify(i.input)} is not a DNS server as host or host:port, e.g. ns1.coop.example.org or 192.0.2.53:53`,
      },
    )
    .optional()
    .describe(
      "The zone's primary server that takes the updates, host or host:port (port 53 by default); Hearth and cert-manager both send to it.",
    ),
  zone: z
    .string()
    .transform((s) => s.toLowerCase().replace(/\.$/, ""))
    .pipe(
      z.string().regex(DOMAIN, {
        error: (i) => `${JSON.stringify(i.input)} is not a zone name such as coop.example.org`,
      }),
    )
    .optional()
    .describe("The zone the records are in (its apex). @default hearth:domain"),
  tsigKeyName: z
    .string()
    .regex(/^([a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9])?\.)*[a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9])?\.?$/i, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a TSIG key name; use the name the server gives the key, e.g. hearth-coop`,
    })
    .optional()
    .describe(
      "Name of the TSIG key the server lets update the zone (BIND: update-policy { grant <name> zonesub ANY; }); its secret is hearth:dnsTsigSecret.",
    ),
  tsigAlgorithm: z
    .enum(TSIG_ALGORITHMS)
    .default("hmac-sha256")
    .describe("The key's algorithm, as the server has it (tsig-keygen -a)."),
  address: ipv4
    .optional()
    .describe(
      "Public IPv4 address every app's A record points at: where the ingress controller answers (a router's port forward, or a load balancer).",
    ),
  alias: z
    .string()
    .regex(DOMAIN, {
      error: (i) => `${JSON.stringify(i.input)} is not a host name such as edge.coop.example.org`,
    })
    .optional()
    .describe("A host name every app's record points at as a CNAME, instead of address."),
  ttl: z
    .number()
    .int()
    .min(30)
    .max(86400)
    .default(300)
    .describe("Seconds resolvers may keep the apps' records."),
});
