import * as pulumi from "@pulumi/pulumi";
import { dnsNameProblem, inZone, normalizeName, RecordType } from "./dns-wire";
import { Rfc2136Record, TsigKeyInput } from "./rfc2136-record";

/** Where every app's record points: an IPv4 address (A records) or another host name (CNAMEs). */
export type RecordTarget = { address: string } | { alias: string };

/** One record the home needs. */
export interface PlannedRecord {
  hostname: string;
  type: RecordType;
  value: string;
}

/**
 * The record of each hostname, normalized (lower case, no trailing dot), in the order given. Refuses at once every hostname outside the zone, malformed or given twice, and an alias that is itself one
 * of the hostnames (a CNAME to itself).
 */
export function planAppRecords(
  zone: string,
  hostnames: string[],
  target: RecordTarget,
): PlannedRecord[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const type: RecordType = "address" in target ? "A" : "CNAME";
  const value = "address" in target ? target.address : normalizeName(target.alias);
  const planned: PlannedRecord[] = [];
  for (const raw of hostnames) {
    const hostname = normalizeName(raw);
    const problem = dnsNameProblem(hostname);
    if (problem) problems.push(`hostname ${JSON.stringify(raw)} ${problem}`);
    else if (!inZone(hostname, zone))
      problems.push(`hostname ${JSON.stringify(raw)} is outside zone ${normalizeName(zone)}`);
    else if (seen.has(hostname)) problems.push(`hostname ${JSON.stringify(raw)} is given twice`);
    else if (type === "CNAME" && hostname === value)
      problems.push(`hostname ${JSON.stringify(raw)} cannot be an alias of itself`);
    else {
      seen.add(hostname);
      planned.push({ hostname, type, value });
    }
  }
  if (problems.length > 0) throw new Error(`DNS records:\n  - ${problems.join("\n  - ")}`);
  return planned;
}

/** Arguments of `AppRecords`. */
export interface AppRecordsArgs {
  /** The zone's primary server that takes updates: `host` or `host:port`. */
  server: string;
  /** The zone the hostnames are in. */
  zone: string;
  /** The apps' public hostnames. */
  hostnames: string[];
  target: RecordTarget;
  /** Seconds resolvers may keep the records. @default 300 */
  ttl?: number;
  /** The key the server grants updates of the zone to; its secret stays secret. */
  tsig: TsigKeyInput;
}

/**
 * The apps' DNS records in a zone of a server of the home's own (RFC 2136: BIND, Knot, PowerDNS), where the
 * Cloudflare tunnel's CNAMEs would be otherwise: one record per hostname, pointing at the ingress.
 */
export class AppRecords extends pulumi.ComponentResource {
  /** The hostnames that have a record, normalized. */
  public readonly hostnames: string[];
  /** Hostname -> its record. */
  public readonly records: Record<string, Rfc2136Record>;

  constructor(name: string, args: AppRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:edge:AppRecords", name, {}, opts);
    // Checked before anything registers: a bad hostname never leaves half the records written.
    const planned = planAppRecords(args.zone, args.hostnames, args.target);
    this.hostnames = planned.map((r) => r.hostname);
    this.records = {};
    for (const r of planned) {
      this.records[r.hostname] = new Rfc2136Record(
        `${name}-${r.hostname}`,
        {
          server: args.server,
          zone: normalizeName(args.zone),
          name: r.hostname,
          type: r.type,
          values: [r.value],
          ttl: args.ttl ?? 300,
          tsig: args.tsig,
        },
        { parent: this },
      );
    }
    this.registerOutputs({ hostnames: this.hostnames });
  }
}
