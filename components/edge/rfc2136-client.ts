/**
 * A small RFC 2136 client: TSIG-signed updates and queries to one authoritative DNS server (BIND, Knot,
 * PowerDNS) over TCP, each answer's signature checked, and every refusal told in words an operator can act on.
 */
import { randomInt } from "node:crypto";
import { connect } from "node:net";
import { decodeMessage, DecodedMessage, DecodedRecord } from "./dns-decode";
import { responseTsigProblem, signMessage } from "./dns-tsig";
import {
  encodeQuery,
  encodeUpdate,
  normalizeName,
  RCODE_NAMES,
  RecordType,
  TsigKey,
  TYPE,
  UpdateSpec,
} from "./dns-wire";

/** Where updates go: the zone's primary server. */
export interface Rfc2136Server {
  host: string;
  /** @default 53 */
  port: number;
}

/** Reads `host`, `host:port` or `[v6]:port`; undefined when it is none of them. */
export function parseServer(text: string): Rfc2136Server | undefined {
  const t = text.trim();
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(t);
  const plain = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(t);
  const m = v6 ?? plain;
  if (!m) return undefined;
  const port = m[2] === undefined ? 53 : Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1], port };
}

/** How a server is named in messages. */
export function serverLabel(s: Rfc2136Server): string {
  return s.host.includes(":") ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}

/** A refusal or failure of the DNS server, with its response code when it answered. */
export class Rfc2136Error extends Error {
  constructor(
    message: string,
    /** The response code or TSIG error name, e.g. "REFUSED", "BADSIG". */
    readonly code?: string,
  ) {
    super(message);
    this.name = "Rfc2136Error";
  }
}

/** How long one exchange may take. */
const TIMEOUT_MS = 10_000;

/** Sends one message over TCP (length-prefixed, RFC 1035 4.2.2) and returns the answer. */
function exchange(server: Rfc2136Server, message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const where = serverLabel(server);
    let done = false;
    let got = Buffer.alloc(0);
    const finish = (err: Error | undefined, answer?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const socket = connect({ host: server.host, port: server.port });
    const timer = setTimeout(
      () =>
        finish(new Rfc2136Error(`no answer from DNS server ${where} in ${TIMEOUT_MS / 1000} s`)),
      TIMEOUT_MS,
    );
    socket.on("connect", () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on("data", (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0))
        finish(undefined, got.subarray(2, 2 + got.readUInt16BE(0)));
    });
    socket.on("error", (e) =>
      finish(new Rfc2136Error(`cannot reach DNS server ${where} over TCP: ${e.message}`)),
    );
    socket.on("close", () =>
      finish(new Rfc2136Error(`DNS server ${where} closed the connection without an answer`)),
    );
  });
}

/** What a TSIG error in an answer means (RFC 8945 5.2), and what to check. */
function tsigErrorMessage(code: number, key: TsigKey, where: string): string {
  const name = RCODE_NAMES[code] ?? `TSIG error ${code}`;
  switch (name) {
    case "BADSIG":
      return `DNS server ${where} refused the signature of key "${key.name}" (TSIG BADSIG): the secret or the algorithm (${key.algorithm}) differs from the server's key`;
    case "BADKEY":
      return `DNS server ${where} does not know key "${key.name}" with algorithm ${key.algorithm} (TSIG BADKEY): check the key's name and algorithm against the server's`;
    case "BADTIME":
      return `DNS server ${where} refused the signature's time (TSIG BADTIME): this machine's clock and the server's differ by more than 5 minutes`;
    default:
      return `DNS server ${where} refused key "${key.name}" (TSIG ${name})`;
  }
}

/** Signs `message`, sends it, and checks that the answer is the one to it and carries a valid signature. */
async function signedExchange(
  server: Rfc2136Server,
  key: TsigKey,
  message: Buffer,
): Promise<DecodedMessage> {
  const where = serverLabel(server);
  const now = () => Math.floor(Date.now() / 1000);
  const signed = signMessage(message, key, now());
  const answer = await exchange(server, signed.message);
  const decoded = decodeMessage(answer);
  if (decoded.id !== message.readUInt16BE(0))
    throw new Rfc2136Error(`DNS server ${where} answered another message (ID ${decoded.id})`);
  if (decoded.tsig && decoded.tsig.error !== 0)
    throw new Rfc2136Error(
      tsigErrorMessage(decoded.tsig.error, key, where),
      RCODE_NAMES[decoded.tsig.error],
    );
  const problem = responseTsigProblem(answer, decoded, key, signed.mac, now());
  if (problem) {
    const rcode = RCODE_NAMES[decoded.rcode] ?? String(decoded.rcode);
    throw new Rfc2136Error(`DNS server ${where} answered ${rcode}, but ${problem}`, rcode);
  }
  return decoded;
}

/** What a name holds of one type, and a CNAME there (which stands in for every other type). */
export interface NameRecords {
  /** Records of the type asked for at exactly that name. */
  records: DecodedRecord[];
  /** The CNAME's target when the name is an alias (then it holds nothing else). */
  cname?: string;
}

/** The records of `type` at `name`, asked of the server itself (no resolver, no cache). */
export async function queryRecords(
  server: Rfc2136Server,
  key: TsigKey,
  name: string,
  type: RecordType,
): Promise<NameRecords> {
  const n = normalizeName(name);
  const answer = await signedExchange(server, key, encodeQuery(randomInt(0x10000), n, type));
  const rcode = RCODE_NAMES[answer.rcode] ?? String(answer.rcode);
  // NXDOMAIN comes with the answer too when the name is an alias of a name that does not exist.
  if (rcode !== "NOERROR" && rcode !== "NXDOMAIN")
    throw new Rfc2136Error(
      `DNS server ${serverLabel(server)} answered ${rcode} when asked for the ${type} records of ${n}${rcode === "REFUSED" ? ": it does not serve that zone to this key" : ""}`,
      rcode,
    );
  const here = answer.answers.filter((r) => r.name === n);
  const cname = here.find((r) => r.type === TYPE.CNAME)?.value;
  return {
    records: here.filter((r) => r.type === TYPE[type]),
    ...(cname !== undefined && type !== "CNAME" ? { cname } : {}),
  };
}

/** Why an update's answer code means it was not applied, in the operator's words. */
function updateRefusal(rcode: string, spec: UpdateSpec, key: TsigKey, where: string): string {
  const names = [...new Set(spec.operations.map((o) => o.name))].join(", ");
  switch (rcode) {
    case "REFUSED":
      return `DNS server ${where} refused the update of ${names} in zone ${spec.zone}: its policy does not let key "${key.name}" change it (BIND: update-policy { grant ${key.name} zonesub ANY; } in the zone)`;
    case "NOTAUTH":
      return `DNS server ${where} is not the primary server of zone ${spec.zone}: send updates to the zone's primary`;
    case "NOTZONE":
      return `${names} is not in zone ${spec.zone}`;
    case "YXRRSET":
    case "YXDOMAIN":
    case "NXRRSET":
    case "NXDOMAIN":
      return `the update of ${names} was not applied: the zone changed under it (prerequisite ${rcode}); run again`;
    default:
      return `DNS server ${where} answered ${rcode} to the update of ${names} in zone ${spec.zone}`;
  }
}

/** Applies an update, all of it or none; throws an `Rfc2136Error` naming why when the server did not. */
export async function sendUpdate(
  server: Rfc2136Server,
  key: TsigKey,
  spec: UpdateSpec,
): Promise<void> {
  const answer = await signedExchange(server, key, encodeUpdate(randomInt(0x10000), spec));
  const rcode = RCODE_NAMES[answer.rcode] ?? String(answer.rcode);
  if (rcode !== "NOERROR")
    throw new Rfc2136Error(updateRefusal(rcode, spec, key, serverLabel(server)), rcode);
}
