/**
 * DNS messages for dynamic updates (RFC 2136) and the queries that check them: names, resource records, UPDATE
 * and QUERY messages. Their TSIG signature (RFC 8945) is in ./dns-tsig.ts, the decoder in ./dns-decode.ts.
 * Pure: no sockets (those are in ./rfc2136-client.ts).
 */
import { isIpv4 } from "../net";

/** The record types Hearth writes and reads. */
export type RecordType = "A" | "CNAME" | "TXT";

/** Type codes (RFC 1035 3.2.2, RFC 8945 4.2). */
export const TYPE = { A: 1, CNAME: 5, SOA: 6, TXT: 16, TSIG: 250, ANY: 255 } as const;
const CLASS_IN = 1;
/** RFC 2136 2.4 and 2.5: NONE and ANY carry "does not exist" and "delete". */
const CLASS_NONE = 254;
/** RFC 2136 2.5 and RFC 8945 4.2: class ANY, also the class of a TSIG record. */
export const CLASS_ANY = 255;
const OPCODE_QUERY = 0;
const OPCODE_UPDATE = 5;

/** Response codes by number (RFC 1035, RFC 2136 2.2, RFC 8945 5.2 for the TSIG errors). */
export const RCODE_NAMES: Record<number, string> = {
  0: "NOERROR",
  1: "FORMERR",
  2: "SERVFAIL",
  3: "NXDOMAIN",
  4: "NOTIMP",
  5: "REFUSED",
  6: "YXDOMAIN",
  7: "YXRRSET",
  8: "NXRRSET",
  9: "NOTAUTH",
  10: "NOTZONE",
  16: "BADSIG",
  17: "BADKEY",
  18: "BADTIME",
  22: "BADTRUNC",
};

/** The TSIG algorithms Hearth signs with; cert-manager's rfc2136 solver, BIND, Knot and PowerDNS have both. */
export const TSIG_ALGORITHMS = ["hmac-sha256", "hmac-sha512"] as const;
/** A TSIG algorithm name as the DNS servers write it. */
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];

/** A TSIG key as the DNS server has it (`tsig-keygen` prints the three). */
export interface TsigKey {
  /** Key name, e.g. `hearth-coop`. */
  name: string;
  algorithm: TsigAlgorithm;
  /** The shared secret in base64, as in the server's key file. */
  secret: string;
}

/** Lower-cases a DNS name and drops a trailing dot: the form Hearth compares names in. */
export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

/** Why a text is no DNS name a record can carry (labels of 1-63 letters, digits, "-" or "_"), or undefined. */
export function dnsNameProblem(name: string): string | undefined {
  const n = normalizeName(name);
  if (n === "") return "is empty";
  if (n.length > 253) return "is longer than 253 characters";
  const bad = n.split(".").find((l) => !/^[a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9])?$/.test(l));
  return bad === undefined
    ? undefined
    : `has the label ${JSON.stringify(bad)}, which is no DNS label`;
}

/** Whether `name` is `zone` or under it (both compared normalized). */
export function inZone(name: string, zone: string): boolean {
  const n = normalizeName(name);
  const z = normalizeName(zone);
  return n === z || n.endsWith(`.${z}`);
}

/** A name in wire form, uncompressed and lower-cased: the canonical form TSIG signs (RFC 8945 4.3.3). */
export function encodeName(name: string): Buffer {
  const n = normalizeName(name);
  if (n === "") return Buffer.from([0]);
  const problem = dnsNameProblem(n);
  if (problem) throw new Error(`DNS name ${JSON.stringify(name)} ${problem}`);
  const parts = n.split(".").flatMap((l) => [Buffer.from([l.length]), Buffer.from(l, "ascii")]);
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** `n` as 2 bytes in network order. */
export const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
/** `n` as 4 bytes in network order. */
export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
/** `n` as 6 bytes in network order (TSIG's time signed). */
export const u48 = (n: number) => {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
};

/** The record data of one value: an IPv4 address, a target name, or a text split into 255-byte strings. */
export function encodeRdata(type: RecordType, value: string): Buffer {
  switch (type) {
    case "A": {
      if (!isIpv4(value)) throw new Error(`${JSON.stringify(value)} is not an IPv4 address`);
      return Buffer.from(value.split(".").map(Number));
    }
    case "CNAME":
      return encodeName(value);
    case "TXT": {
      const bytes = Buffer.from(value, "utf8");
      const chunks: Buffer[] = [];
      for (let i = 0; i === 0 || i < bytes.length; i += 255) {
        const chunk = bytes.subarray(i, i + 255);
        chunks.push(Buffer.from([chunk.length]), chunk);
      }
      return Buffer.concat(chunks);
    }
  }
}

/** One resource record in wire form: owner name, type, class, TTL and data. */
export function record(
  name: string,
  type: number,
  cls: number,
  ttl: number,
  rdata: Buffer,
): Buffer {
  return Buffer.concat([encodeName(name), u16(type), u16(cls), u32(ttl), u16(rdata.length), rdata]);
}

function header(id: number, opcode: number, counts: [number, number, number, number]): Buffer {
  return Buffer.concat([u16(id), u16(opcode << 11), ...counts.map(u16)]);
}

/** A condition the server checks before it applies an update (RFC 2136 2.4). */
export type Prerequisite =
  /** No record of `type` at `name`. */
  | { kind: "rrset-absent"; name: string; type: RecordType }
  /** No record of any type at `name`. */
  | { kind: "name-unused"; name: string };

/** One change of an update (RFC 2136 2.5). */
export type UpdateOperation =
  | { kind: "add"; name: string; type: RecordType; ttl: number; value: string }
  /** Every record of `type` at `name`. */
  | { kind: "delete-rrset"; name: string; type: RecordType }
  /** The one record of `type` at `name` with this value. */
  | { kind: "delete-record"; name: string; type: RecordType; value: string };

/** An UPDATE of one zone: its prerequisites, then its changes, applied all or none. */
export interface UpdateSpec {
  zone: string;
  prerequisites: Prerequisite[];
  operations: UpdateOperation[];
}

/** An unsigned UPDATE message (RFC 2136 2). */
export function encodeUpdate(id: number, spec: UpdateSpec): Buffer {
  const zone = Buffer.concat([encodeName(spec.zone), u16(TYPE.SOA), u16(CLASS_IN)]);
  const prereqs = spec.prerequisites.map((p) =>
    p.kind === "rrset-absent"
      ? record(p.name, TYPE[p.type], CLASS_NONE, 0, Buffer.alloc(0))
      : record(p.name, TYPE.ANY, CLASS_NONE, 0, Buffer.alloc(0)),
  );
  const ops = spec.operations.map((o) => {
    switch (o.kind) {
      case "add":
        return record(o.name, TYPE[o.type], CLASS_IN, o.ttl, encodeRdata(o.type, o.value));
      case "delete-rrset":
        return record(o.name, TYPE[o.type], CLASS_ANY, 0, Buffer.alloc(0));
      case "delete-record":
        return record(o.name, TYPE[o.type], CLASS_NONE, 0, encodeRdata(o.type, o.value));
    }
  });
  return Buffer.concat([
    header(id, OPCODE_UPDATE, [1, prereqs.length, ops.length, 0]),
    zone,
    ...prereqs,
    ...ops,
  ]);
}

/** An unsigned QUERY for the records of `type` at `name`, without recursion. */
export function encodeQuery(id: number, name: string, type: RecordType | "SOA"): Buffer {
  return Buffer.concat([
    header(id, OPCODE_QUERY, [1, 0, 0, 0]),
    encodeName(name),
    u16(TYPE[type]),
    u16(CLASS_IN),
  ]);
}
