/**
 * TSIG (RFC 8945) for the messages of ./dns-wire.ts: the MAC of a signed request, and the check of a
 * response's signature against the request's MAC. Pure: no sockets.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { DecodedMessage } from "./dns-decode";
import {
  CLASS_ANY,
  encodeName,
  normalizeName,
  record,
  TsigAlgorithm,
  TsigKey,
  TYPE,
  u16,
  u32,
  u48,
} from "./dns-wire";

const HASH_OF: Record<TsigAlgorithm, string> = { "hmac-sha256": "sha256", "hmac-sha512": "sha512" };

/** The TSIG fields that are signed besides the message (RFC 8945 4.3.3). */
export interface TsigVariables {
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
