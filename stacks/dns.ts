/**
 * The home's DNS through a server of its own (`hearth:dns.provider: rfc2136`): the apps' records, written where
 * the Cloudflare tunnel's CNAMEs would be, and cert-manager's DNS-01 solver. Both use the one TSIG key.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Rfc2136Solver } from "../apps/cert-manager/issuers";
import { AppRecords } from "../components/edge/app-records";
import { parseServer, serverLabel } from "../components/edge/rfc2136-client";
import type { TsigKeyInput } from "../components/edge/rfc2136-record";
import { LoadedConfig } from "./config";

/** The server, zone and key of an RFC 2136 home, or undefined for any other. */
export function rfc2136Settings(
  c: LoadedConfig,
): { server: string; zone: string; tsig: TsigKeyInput } | undefined {
  const dns = c.dns;
  if (dns?.provider !== "rfc2136") return undefined;
  // Validation requires these with rfc2136; reaching here without them is a programming error.
  const server = dns.server === undefined ? undefined : parseServer(dns.server);
  if (!server || !dns.tsigKeyName || !c.dnsTsigSecret)
    throw new Error("hearth:dns: rfc2136 needs server, tsigKeyName and hearth:dnsTsigSecret");
  return {
    server: serverLabel(server),
    zone: dns.zone ?? c.domain,
    tsig: { name: dns.tsigKeyName, algorithm: dns.tsigAlgorithm, secret: c.dnsTsigSecret },
  };
}

/** cert-manager's DNS-01 solver for an RFC 2136 home, or undefined. */
export function rfc2136Solver(c: LoadedConfig): Rfc2136Solver | undefined {
  const s = rfc2136Settings(c);
  if (!s) return undefined;
  return {
    nameserver: s.server,
    tsigKeyName: s.tsig.name,
    tsigAlgorithm: s.tsig.algorithm,
    tsigSecret: s.tsig.secret,
  };
}

/** The apps' records on the home's own DNS server, when `hearth:dns.provider` is rfc2136. */
export function buildAppRecords(
  name: string,
  c: LoadedConfig,
  hostnames: string[],
  parent: pulumi.Resource,
): AppRecords | undefined {
  const s = rfc2136Settings(c);
  if (!s || !c.dns) return undefined;
  return new AppRecords(
    `${name}-dns`,
    {
      ...s,
      hostnames,
      target: c.dns.address !== undefined ? { address: c.dns.address } : { alias: c.dns.alias! },
      ttl: c.dns.ttl,
    },
    { parent },
  );
}
