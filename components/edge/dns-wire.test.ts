/**
 * The DNS wire format of updates, queries and TSIG, against the RFCs' layouts written out here byte by byte
 * (RFC 1035 4.1, RFC 2136 2, RFC 8945 4.3); `provider/rfc2136-record.test.ts` runs the same against BIND.
 */
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { decodeMessage } from "./dns-decode";
import { responseTsigProblem, signMessage } from "./dns-tsig";
import {
  dnsNameProblem,
  encodeName,
  encodeQuery,
  encodeUpdate,
  inZone,
  TsigKey,
  TYPE,
} from "./dns-wire";

const key: TsigKey = {
  name: "hearth-test",
  algorithm: "hmac-sha256",
  secret: Buffer.from("0123456789abcdef0123456789abcdef").toString("base64"),
};

/** A name in wire form, written out label by label. */
function wire(...labels: string[]): Buffer {
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("names", () => {
  it("are written lower-cased, without a trailing dot, label by label", () => {
    expect(encodeName("Git.Coop.Test.")).toEqual(wire("git", "coop", "test"));
    expect(encodeName("_acme-challenge.git.coop.test")).toEqual(
      wire("_acme-challenge", "git", "coop", "test"),
    );
    expect(encodeName("")).toEqual(Buffer.from([0]));
  });

  it.each([
    ["a..b", 'has the label "", which is no DNS label'],
    ["-a.test", 'has the label "-a", which is no DNS label'],
    [`${"a".repeat(64)}.test`, `has the label "${"a".repeat(64)}", which is no DNS label`],
    [`${"abcdefghi.".repeat(26)}test`, "is longer than 253 characters"],
  ])("refuses %s", (name, problem) => {
    expect(dnsNameProblem(name)).toBe(problem);
    expect(() => encodeName(name)).toThrow(problem);
  });

  it("are in a zone when they are it or under it", () => {
    expect(inZone("git.coop.test", "coop.test")).toBe(true);
    expect(inZone("COOP.test.", "coop.test")).toBe(true);
    expect(inZone("notcoop.test", "coop.test")).toBe(false);
  });
});

describe("an UPDATE", () => {
  it("is the zone, the prerequisites and the changes, as RFC 2136 lays them out", () => {
    const msg = encodeUpdate(0x1234, {
      zone: "coop.test",
      prerequisites: [{ kind: "rrset-absent", name: "git.coop.test", type: "A" }],
      operations: [
        { kind: "delete-rrset", name: "git.coop.test", type: "A" },
        { kind: "add", name: "git.coop.test", type: "A", ttl: 300, value: "203.0.113.10" },
        { kind: "delete-record", name: "old.coop.test", type: "TXT", value: "hi" },
      ],
    });
    expect(msg).toEqual(
      Buffer.concat([
        // ID, opcode UPDATE (5 << 11), ZOCOUNT 1, PRCOUNT 1, UPCOUNT 3, ADCOUNT 0
        hex("1234 2800 0001 0001 0003 0000"),
        // zone: coop.test SOA IN
        wire("coop", "test"),
        hex("0006 0001"),
        // prerequisite "RRset does not exist": class NONE, TTL 0, no data
        wire("git", "coop", "test"),
        hex("0001 00fe 00000000 0000"),
        // delete an RRset: class ANY, TTL 0, no data
        wire("git", "coop", "test"),
        hex("0001 00ff 00000000 0000"),
        // add: class IN, TTL 300, 4 bytes of address
        wire("git", "coop", "test"),
        hex("0001 0001 0000012c 0004 cb00710a"),
        // delete one record: class NONE, TTL 0, its data
        wire("old", "coop", "test"),
        hex("0010 00fe 00000000 0003 02 6869"),
      ]),
    );
  });

  it("reads back what it adds, for any names and values (the decoder's view of the same layout)", () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
    const name = fc
      .array(label, { minLength: 1, maxLength: 4 })
      .map((l) => `${l.join(".")}.coop.test`);
    const a = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
    const op = fc.oneof(
      fc.record({ name, type: fc.constant("A" as const), value: a }),
      fc.record({ name, type: fc.constant("TXT" as const), value: fc.string({ maxLength: 600 }) }),
      fc.record({ name, type: fc.constant("CNAME" as const), value: name }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 5 }), fc.nat(0xffff), (ops, id) => {
        const msg = encodeUpdate(id, {
          zone: "coop.test",
          prerequisites: [],
          operations: ops.map((o) => ({ kind: "add" as const, ttl: 60, ...o })),
        });
        const decoded = decodeMessage(msg);
        expect(decoded.id).toBe(id);
        expect(decoded.opcode).toBe(5);
        // The update section sits where a response's authority section does.
        expect(decoded.authority.map((r) => [r.name, r.type, r.ttl, r.value])).toEqual(
          ops.map((o) => [o.name, TYPE[o.type], 60, o.value]),
        );
      }),
    );
  });
});

describe("TSIG", () => {
  it("signs the message and the TSIG fields (RFC 8945 4.3.3) and appends the record", () => {
    const query = encodeQuery(0x0a0b, "git.coop.test", "A");
    const { message, mac } = signMessage(query, key, 1_700_000_000, 300);
    // What RFC 8945 says the MAC covers, written out here.
    const variables = Buffer.concat([
      wire("hearth-test"),
      hex("00ff 00000000"),
      wire("hmac-sha256"),
      hex("00006553f100 012c 0000 0000"),
    ]);
    const want = createHmac("sha256", Buffer.from(key.secret, "base64"))
      .update(query)
      .update(variables)
      .digest();
    expect(mac).toEqual(want);
    // ARCOUNT counts the TSIG record, which is the message's last.
    expect(message.readUInt16BE(10)).toBe(1);
    expect(message.subarray(0, 10)).toEqual(query.subarray(0, 10));
    const decoded = decodeMessage(message);
    expect(decoded.tsig).toMatchObject({
      keyName: "hearth-test",
      algorithm: "hmac-sha256",
      timeSigned: 1_700_000_000,
      fudge: 300,
      originalId: 0x0a0b,
      error: 0,
      offset: query.length,
    });
    expect(decoded.tsig!.mac).toEqual(want);
  });

  /** A response signed as a server signs it (RFC 8945 4.3.1): the request's MAC first. */
  function serverResponse(requestMac: Buffer, signingKey: TsigKey, time: number): Buffer {
    const body = Buffer.concat([
      hex("0a0b 8400 0001 0000 0000 0000"),
      wire("git", "coop", "test"),
      hex("0001 0001"),
    ]);
    const vars = Buffer.concat([
      wire(signingKey.name),
      hex("00ff 00000000"),
      wire(signingKey.algorithm),
      Buffer.from(time.toString(16).padStart(12, "0"), "hex"),
      hex("012c 0000 0000"),
    ]);
    const macLength = Buffer.from([0, requestMac.length]);
    const mac = createHmac("sha256", Buffer.from(signingKey.secret, "base64"))
      .update(Buffer.concat([macLength, requestMac, body, vars]))
      .digest();
    const rdata = Buffer.concat([
      wire(signingKey.algorithm),
      Buffer.from(time.toString(16).padStart(12, "0"), "hex"),
      hex("012c 0020"),
      mac,
      hex("0a0b 0000 0000"),
    ]);
    const signed = Buffer.from(body);
    signed.writeUInt16BE(1, 10);
    const rrHeader = Buffer.alloc(10);
    rrHeader.writeUInt16BE(TYPE.TSIG, 0);
    rrHeader.writeUInt16BE(255, 2);
    rrHeader.writeUInt16BE(rdata.length, 8);
    return Buffer.concat([signed, wire(signingKey.name), rrHeader, rdata]);
  }

  it("accepts a response signed over the request's MAC, and nothing else", () => {
    const { mac } = signMessage(encodeQuery(0x0a0b, "git.coop.test", "A"), key, 1_700_000_000);
    const now = 1_700_000_010;
    const ok = serverResponse(mac, key, now);
    expect(responseTsigProblem(ok, decodeMessage(ok), key, mac, now)).toBeUndefined();

    const tampered = Buffer.from(ok);
    tampered[3] ^= 0x01;
    expect(responseTsigProblem(tampered, decodeMessage(tampered), key, mac, now)).toBe(
      "the answer's signature does not match the key",
    );
    const otherMac = Buffer.alloc(32, 7);
    expect(responseTsigProblem(ok, decodeMessage(ok), key, otherMac, now)).toBe(
      "the answer's signature does not match the key",
    );
    const other = { ...key, name: "someone-else" };
    const theirs = serverResponse(mac, other, now);
    expect(responseTsigProblem(theirs, decodeMessage(theirs), key, mac, now)).toBe(
      "the answer is signed with key someone-else, not hearth-test",
    );
    expect(responseTsigProblem(ok, decodeMessage(ok), key, mac, now + 1000)).toMatch(
      /more than 300 s from this machine's clock/,
    );
    const unsigned = encodeQuery(0x0a0b, "git.coop.test", "A");
    expect(responseTsigProblem(unsigned, decodeMessage(unsigned), key, mac, now)).toBe(
      "the answer is not signed, though the request was",
    );
  });
});

describe("decoding", () => {
  it("follows compressed names in owners and in CNAME targets", () => {
    const answer = Buffer.concat([
      hex("0001 8400 0001 0001 0000 0000"),
      wire("www", "coop", "test"), // offset 12; "coop" at 16
      hex("0005 0001"),
      hex("c00c 0005 0001 0000012c 0006"),
      Buffer.from([3]),
      Buffer.from("git"),
      hex("c010"),
    ]);
    const decoded = decodeMessage(answer);
    expect(decoded.rcode).toBe(0);
    expect(decoded.answers).toEqual([
      { name: "www.coop.test", type: TYPE.CNAME, class: 1, ttl: 300, value: "git.coop.test" },
    ]);
  });

  it("refuses a message that loops or ends early", () => {
    const loop = Buffer.concat([
      hex("0001 8400 0000 0001 0000 0000"),
      hex("c00c 0001 0001 00000000 0000"),
    ]);
    expect(() => decodeMessage(loop)).toThrow("loop of compressed names");
    expect(() => decodeMessage(hex("0001 8400 0000 0001"))).toThrow("shorter than a header");
    const short = Buffer.concat([hex("0001 8400 0000 0001 0000 0000"), wire("a"), hex("0001")]);
    expect(() => decodeMessage(short)).toThrow("ends inside a record");
  });
});
