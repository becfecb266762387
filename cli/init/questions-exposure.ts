/**
 * The questions of `npm run init` about how the home is reached from outside: not at all, a Cloudflare tunnel,
 * or a DNS server of the operator's own (RFC 2136), and the certificates' e-mail.
 */
import { TSIG_ALGORITHMS } from "../../components/edge/dns-wire";
import { Answers, listOf, Question } from "./answers";

/** How the home is reached from outside, that way's keys, and the e-mail for Let's Encrypt. */
export function exposureQuestions(a: Answers): Question[] {
  const q: Question[] = [
    {
      id: "dns",
      prompt: "Reached from outside through",
      help: "none: only at home, certificates from a home CA; cloudflare: a Cloudflare tunnel, no port opened; rfc2136: a DNS server of your own (BIND, Knot, PowerDNS) and a public address",
      kind: "choice",
      choices: ["none", "cloudflare", "rfc2136"],
      default: "none",
      paths: [],
      owns: ["hearth:dns.provider", "hearth:dns", "hearth:cloudflare"],
    },
  ];
  if (a.dns === "cloudflare")
    q.push(
      {
        id: "cloudflare-account",
        prompt: "Cloudflare account id",
        help: "32 hex characters, on the dashboard's overview page",
        kind: "text",
        paths: ["hearth:cloudflare.accountId"],
      },
      {
        id: "cloudflare-zone",
        prompt: `Cloudflare zone id of ${a.domain ?? "the domain"}`,
        kind: "text",
        paths: ["hearth:cloudflare.zoneId"],
      },
      {
        id: "cloudflare-api-token",
        prompt: "Cloudflare API token",
        help: "with Cloudflare Tunnel edit and DNS edit",
        kind: "secret",
        paths: ["hearth:cloudflareApiToken"],
      },
    );
  if (a.dns === "rfc2136")
    q.push(
      {
        id: "dns-server",
        prompt: "Your DNS server",
        help: "the zone's primary, which takes dynamic updates: host or host:port",
        kind: "text",
        paths: ["hearth:dns.server"],
      },
      {
        id: "dns-zone",
        prompt: "Its zone",
        kind: "text",
        default: a.domain,
        paths: ["hearth:dns.zone"],
      },
      {
        id: "tsig-key-name",
        prompt: "TSIG key name",
        help: "the key the server lets update the zone (docs/dns.md)",
        kind: "text",
        default: "hearth",
        paths: ["hearth:dns.tsigKeyName"],
      },
      {
        id: "tsig-algorithm",
        prompt: "TSIG algorithm",
        kind: "choice",
        choices: TSIG_ALGORITHMS,
        default: "hmac-sha256",
        paths: ["hearth:dns.tsigAlgorithm"],
      },
      {
        id: "tsig-secret",
        prompt: "TSIG secret",
        help: "base64, as tsig-keygen prints it",
        kind: "secret",
        paths: ["hearth:dnsTsigSecret"],
      },
      {
        id: "public-address",
        prompt: "Public address of the home",
        help: "the IPv4 address every app's record points at (your router forwards 80 and 443 to the nodes)",
        kind: "text",
        paths: ["hearth:dns.address"],
      },
    );
  const apps = listOf(a.apps);
  if (a.dns !== undefined && a.dns !== "none" && apps.includes("cert-manager")) {
    if (a.dns === "cloudflare")
      q.push({
        id: "cloudflare-dns-token",
        prompt: "Cloudflare token for certificates",
        help: "Zone DNS edit only: cert-manager keeps it in the cluster",
        kind: "secret",
        paths: ["hearth:cloudflareDnsApiToken"],
      });
    q.push({
      id: "acme-email",
      prompt: "E-mail for Let's Encrypt",
      help: "it warns there before a certificate expires",
      kind: "text",
      default: a["user1-email"],
      paths: ["hearth:acmeEmail"],
    });
  }
  return q;
}
