/**
 * DNS messages for dynamic updates (RFC 2136) and the queries that check them, signed with TSIG (RFC 8945):
 * names, resource records, UPDATE and QUERY messages, a decoder that follows name compression, and the TSIG
 * MAC of a request and of its response. Pure: no sockets (those are in ./rfc2136-client.ts).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { isIpv4 } from "../net";

/** The record types Hearth writes and reads. */
export type RecordType = "A" | "CNAME" | "TXT";

/** Type codes (RFC 1035 3.2.2, RFC 8945 4.2). */
export const TYPE = { A: 1, CNAME: 5, SOA: 6, TXT: 16, TSIG: 250, ANY: 255 } as const;
const CLASS_IN = 1;
/** RFC 2136 2.4 and 2.5: NONE and ANY carry "does not exist" and "delete". */
const CLASS_NONE = 254;
const CLASS_ANY = 255;
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
const HASH_OF: Record<TsigAlgorithm, string> = { "hmac-sha256": "sha256", "hmac-sha512": "sha512" };

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

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u48 = (n: number) => {
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

function record(name: string, type: number, cls: number, ttl: number, rdata: Buffer): Buffer {
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

/** The TSIG fields that are signed besides the message (RFC 8945 4.3.3). */
interface TsigVariables {
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  error: number;
  other: Buffer;
}

function tsigVariables(v: TsigVariables): Buffer {
  return Buffer.concat([
    encodeName(v.keyName),
    u16(CLASS_ANY),
    u32(0),
    encodeName(v.algorithm),
    u48(v.timeSigned),
    u16(v.fudge),
    u16(v.error),
    u16(v.other.length),
    v.other,
  ]);
}

function hmacOf(key: TsigKey, ...parts: Buffer[]): Buffer {
  const secret = Buffer.from(key.secret, "base64");
  const h = createHmac(HASH_OF[key.algorithm], secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** A signed request and its MAC, which the response's MAC covers. */
export interface SignedMessage {
  message: Buffer;
  mac: Buffer;
}

/** The message with a TSIG record appended (RFC 8945 4.3): the MAC covers the message and the TSIG fields. */
export function signMessage(
  message: Buffer,
  key: TsigKey,
  timeSigned: number,
  fudge = 300,
): SignedMessage {
  const vars = {
    keyName: key.name,
    algorithm: key.algorithm,
    timeSigned,
    fudge,
    error: 0,
    other: Buffer.alloc(0),
  };
  const mac = hmacOf(key, message, tsigVariables(vars));
  const id = message.readUInt16BE(0);
  const rdata = Buffer.concat([
    encodeName(key.algorithm),
    u48(timeSigned),
    u16(fudge),
    u16(mac.length),
    mac,
    u16(id),
    u16(0),
    u16(0),
  ]);
  const signed = Buffer.from(message);
  signed.writeUInt16BE(signed.readUInt16BE(10) + 1, 10);
  return {
    message: Buffer.concat([signed, record(key.name, TYPE.TSIG, CLASS_ANY, 0, rdata)]),
    mac,
  };
}

/** One decoded resource record; `value` is read for A, CNAME and TXT (else the data in hex). */
export interface DecodedRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  value: string;
}

/** The TSIG record of a message, where it starts, and its fields. */
export interface DecodedTsig extends TsigVariables {
  /** Offset of the TSIG record in the message. */
  offset: number;
  mac: Buffer;
  originalId: number;
}

/** A decoded message. */
export interface DecodedMessage {
  id: number;
  opcode: number;
  rcode: number;
  /** Whether the TC bit is set. */
  truncated: boolean;
  answers: DecodedRecord[];
  authority: DecodedRecord[];
  additional: DecodedRecord[];
  tsig?: DecodedTsig;
}

/** Reads a possibly compressed name at `offset`; returns it and the offset after it in place. */
function readName(buf: Buffer, offset: number): [string, number] {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  for (let jumps = 0; ; ) {
    if (pos >= buf.length) throw new Error("DNS message ends inside a name");
    const len = buf[pos];
    if (len === 0) {
      pos++;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (++jumps > 64) throw new Error("DNS message has a loop of compressed names");
      if (end < 0) end = pos + 2;
      pos = buf.readUInt16BE(pos) & 0x3fff;
      continue;
    }
    if (len > 63) throw new Error(`DNS message has a label of length ${len}`);
    labels.push(buf.toString("ascii", pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return [labels.join(".").toLowerCase(), end < 0 ? pos : end];
}

function readValue(buf: Buffer, type: number, start: number, length: number): string {
  const data = buf.subarray(start, start + length);
  if (type === TYPE.A && length === 4) return [...data].join(".");
  if (type === TYPE.CNAME) return readName(buf, start)[0];
  if (type === TYPE.TXT) {
    const parts: Buffer[] = [];
    for (let i = 0; i < data.length; i += 1 + data[i])
      parts.push(data.subarray(i + 1, i + 1 + data[i]));
    return Buffer.concat(parts).toString("utf8");
  }
  return data.toString("hex");
}

/** Decodes a message: header, records of every section, and the TSIG record when the last one is one. */
export function decodeMessage(buf: Buffer): DecodedMessage {
  if (buf.length < 12)
    throw new Error(`DNS message of ${buf.length} bytes is shorter than a header`);
  const flags = buf.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  let pos = 12;
  for (let i = 0; i < counts[0]; i++) pos = readName(buf, pos)[1] + 4;
  const sections: DecodedRecord[][] = [[], [], []];
  let tsig: DecodedTsig | undefined;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      const start = pos;
      const [name, after] = readName(buf, pos);
      if (after + 10 > buf.length) throw new Error("DNS message ends inside a record");
      const type = buf.readUInt16BE(after);
      const cls = buf.readUInt16BE(after + 2);
      const ttl = buf.readUInt32BE(after + 4);
      const length = buf.readUInt16BE(after + 8);
      const data = after + 10;
      if (data + length > buf.length) throw new Error("DNS message ends inside record data");
      pos = data + length;
      if (type === TYPE.TSIG && s === 2 && i === counts[3] - 1) {
        const [algorithm, p] = readName(buf, data);
        const macSize = buf.readUInt16BE(p + 8);
        const macEnd = p + 10 + macSize;
        const otherLen = buf.readUInt16BE(macEnd + 4);
        tsig = {
          offset: start,
          keyName: name,
          algorithm,
          timeSigned: buf.readUIntBE(p, 6),
          fudge: buf.readUInt16BE(p + 6),
          mac: buf.subarray(p + 10, macEnd),
          originalId: buf.readUInt16BE(macEnd),
          error: buf.readUInt16BE(macEnd + 2),
          other: buf.subarray(macEnd + 6, macEnd + 6 + otherLen),
        };
        continue;
      }
      sections[s].push({ name, type, class: cls, ttl, value: readValue(buf, type, data, length) });
    }
  }
  return {
    id: buf.readUInt16BE(0),
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    truncated: (flags & 0x0200) !== 0,
    answers: sections[0],
    authority: sections[1],
    additional: sections[2],
    tsig,
  };
}

/**
 * Checks a response's TSIG against the request's MAC (RFC 8945 5.3): the MAC covers the request's MAC, the
 * response as it was before signing (its original ID, the TSIG record left out) and the TSIG fields. Returns
 * why it is not to be trusted, or undefined. A TSIG error (the server did not accept our signature) is the
 * caller's to report: such an answer is unsigned.
 */
export function responseTsigProblem(
  buf: Buffer,
  decoded: DecodedMessage,
  key: TsigKey,
  requestMac: Buffer,
  now: number,
): string | undefined {
  const t = decoded.tsig;
  if (!t) return "the answer is not signed, though the request was";
  if (normalizeName(t.keyName) !== normalizeName(key.name))
    return `the answer is signed with key ${t.keyName}, not ${key.name}`;
  if (t.algorithm !== key.algorithm)
    return `the answer is signed with ${t.algorithm}, not ${key.algorithm}`;
  const unsigned = Buffer.from(buf.subarray(0, t.offset));
  unsigned.writeUInt16BE(t.originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const want = hmacOf(key, u16(requestMac.length), requestMac, unsigned, tsigVariables(t));
  if (want.length !== t.mac.length || !timingSafeEqual(want, t.mac))
    return "the answer's signature does not match the key";
  if (Math.abs(now - t.timeSigned) > t.fudge)
    return `the answer was signed at ${t.timeSigned}, more than ${t.fudge} s from this machine's clock (${now})`;
  return undefined;
}
