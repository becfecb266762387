/**
 * Rules of hearth:dns: one DNS provider, and what each needs. Cloudflare (the default) needs hearth:cloudflare;
 * RFC 2136 needs its server, a TSIG key and its secret, and where the apps' records point.
 */
import { NS, Rule } from "./context";

/** The fields only the RFC 2136 provider reads. */
const RFC2136_FIELDS = ["server", "zone", "tsigKeyName", "address", "alias"] as const;

/** Whether the home's DNS goes through RFC 2136 (as far as the config parsed). */
export function usesRfc2136(c: { dns?: { provider?: string } }): boolean {
  return c.dns?.provider === "rfc2136";
}

/** The chosen provider has what it needs, and nothing of the other one. */
export const dnsProvider: Rule = (ctx) => {
  const { c } = ctx;
  const dns = c.dns;
  if (dns === undefined) {
    if (c.dnsTsigSecret !== undefined)
      ctx.add(
        "dnsTsigSecret",
        `is set, but ${NS}:dns is not: set dns.provider to rfc2136 with its server and key, or remove the secret`,
      );
    return;
  }
  if (ctx.failed("dns.provider")) return;
  if (dns.provider === "cloudflare") {
    // A forgotten `provider: rfc2136` line: one problem, where the line belongs.
    const given = [
      ...RFC2136_FIELDS.filter((f) => dns[f] !== undefined || ctx.failed(`dns.${f}`)),
      ...(c.dnsTsigSecret !== undefined ? [`${NS}:dnsTsigSecret`] : []),
    ];
    if (given.length > 0)
      ctx.add(
        "dns.provider",
        `is cloudflare (the default), but ${given.join(", ").replace(/, ([^,]*)$/, " and $1")} ${given.length === 1 ? "is" : "are"} set, which only rfc2136 reads; set dns.provider: rfc2136, or remove ${given.length === 1 ? "it" : "them"}`,
      );
    else if (ctx.missing("cloudflare"))
      ctx.add(
        "cloudflare",
        `is required with dns.provider cloudflare: accountId and zoneId (or set dns.provider: rfc2136 for a DNS server of your own)`,
      );
    return;
  }
  if (c.cloudflare !== undefined || ctx.failed("cloudflare"))
    ctx.add(
      "cloudflare",
      `is set while dns.provider is rfc2136; choose one: remove ${NS}:cloudflare and its tokens, or set dns.provider: cloudflare`,
    );
  if (dns.server === undefined && !ctx.failed("dns.server"))
    ctx.add(
      "dns.server",
      "is required with dns.provider rfc2136: the zone's primary server, e.g. ns1.coop.example.org or 192.0.2.53:53",
    );
  if (dns.tsigKeyName === undefined && !ctx.failed("dns.tsigKeyName"))
    ctx.add(
      "dns.tsigKeyName",
      "is required with dns.provider rfc2136: the name of the TSIG key the server lets update the zone",
    );
  if (ctx.missing("dnsTsigSecret"))
    ctx.add(
      "dnsTsigSecret",
      `is required with dns.provider rfc2136; run: pulumi config set --secret ${NS}:dnsTsigSecret < <file with the key's secret>`,
    );
  const address = dns.address !== undefined || ctx.failed("dns.address");
  const alias = dns.alias !== undefined || ctx.failed("dns.alias");
  if (!address && !alias)
    ctx.add(
      "dns.address",
      "is required with dns.provider rfc2136: the public IPv4 address the apps' records point at (or dns.alias, a host name for CNAMEs)",
    );
  if (dns.address !== undefined && dns.alias !== undefined)
    ctx.add("dns.alias", "is set together with dns.address; choose one");
  const domain = c.domain;
  if (dns.zone !== undefined && domain !== undefined)
    if (domain !== dns.zone && !domain.endsWith(`.${dns.zone}`))
      ctx.add(
        "dns.zone",
        `${dns.zone} does not hold ${NS}:domain ${domain}; the apps' records are under the domain, so the zone must be it or a parent of it`,
      );
};
