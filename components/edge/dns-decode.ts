/**
 * The decoder of DNS messages (RFC 1035 4.1): header, records of every section with name compression
 * followed, and the TSIG record when the message ends with one. Pure: no sockets.
 */
import type { TsigVariables } from "./dns-tsig";
import { TYPE } from "./dns-wire";

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
