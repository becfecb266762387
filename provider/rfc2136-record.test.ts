/**
 * `hearth:edge:Rfc2136Record` against a real BIND (Debian's named, test/named.ts): records created, updated,
 * read and removed as `dig` sees them, records Hearth did not write left alone, updates with a wrong or
 * unauthorized key refused by the server, and a DNS-01 challenge record written as cert-manager's rfc2136
 * solver writes it (also by BIND's own nsupdate with the same key, as the ClusterIssuer hands it over).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sendUpdate } from "../components/edge/rfc2136-client";
import { haveBind, newTsigSecret, startNamed, TestNamed } from "../test/named";
import {
  checkRecord,
  createRecord,
  deleteRecord,
  diffRecord,
  readRecord,
  updateRecord,
} from "./rfc2136-record";
import { isSecret, reveal, secret } from "./wire";

const urn = (name: string) =>
  `urn:pulumi:dev::hearth::hearth:edge:AppRecords$hearth:edge:Rfc2136Record::${name}`;

const suite = haveBind() ? describe : describe.skip;

suite("Rfc2136Record against a real BIND", () => {
  let named: TestNamed;
  beforeAll(async () => {
    named = await startNamed("coop.test");
  });
  afterAll(() => named?.stop());

  /** Inputs as the engine hands them over: the TSIG key a secret. */
  const inputs = (over: Record<string, unknown> = {}) => ({
    server: `127.0.0.1:${named.port}`,
    zone: "coop.test",
    name: "git.coop.test",
    type: "A",
    values: ["203.0.113.10"],
    ttl: 300,
    tsig: secret(named.key),
    ...over,
  });
  const server = () => ({ host: "127.0.0.1", port: named.port });

  it("creates, updates, refreshes and deletes an A record", async () => {
    const created = await createRecord(urn("git"), inputs());
    expect(created.id).toBe("git.coop.test/A");
    expect(isSecret(created.outs.tsig)).toBe(true);
    expect(named.dig("git.coop.test", "A")).toEqual(["203.0.113.10"]);

    // A create the engine repeats (interrupted after the server applied it) takes the record as it is.
    await createRecord(urn("git"), inputs());
    expect(named.dig("git.coop.test", "A")).toEqual(["203.0.113.10"]);

    await updateRecord(urn("git"), inputs({ values: ["203.0.113.11", "203.0.113.12"], ttl: 120 }));
    expect(named.dig("git.coop.test", "A").sort()).toEqual(["203.0.113.11", "203.0.113.12"]);
    const ttl = spawnSync(
      "dig",
      ["@127.0.0.1", "-p", String(named.port), "+noall", "+answer", "git.coop.test", "A"],
      { encoding: "utf8" },
    ).stdout;
    expect(ttl).toMatch(/^git\.coop\.test\.\s+120\s+IN\s+A\s+203\.0\.113\.1[12]$/m);

    // Someone changes it by hand: a refresh reads what the server serves.
    await sendUpdate(server(), named.key, {
      zone: "coop.test",
      prerequisites: [],
      operations: [
        { kind: "add", name: "git.coop.test", type: "A", ttl: 120, value: "198.51.100.7" },
      ],
    });
    const read = await readRecord(
      "git.coop.test/A",
      urn("git"),
      inputs({ values: ["203.0.113.11", "203.0.113.12"], ttl: 120 }),
    );
    expect(reveal(read.props).values).toEqual(["198.51.100.7", "203.0.113.11", "203.0.113.12"]);

    // Deleting removes Hearth's values only: the hand-made one stays.
    await deleteRecord(urn("git"), inputs({ values: ["203.0.113.11", "203.0.113.12"], ttl: 120 }));
    expect(named.dig("git.coop.test", "A")).toEqual(["198.51.100.7"]);
  });

  it("never overwrites records it did not write", async () => {
    await sendUpdate(server(), named.key, {
      zone: "coop.test",
      prerequisites: [],
      operations: [
        { kind: "add", name: "mail.coop.test", type: "A", ttl: 300, value: "198.51.100.25" },
      ],
    });
    await expect(createRecord(urn("mail"), inputs({ name: "mail.coop.test" }))).rejects.toThrow(
      `DNS record mail.coop.test A in zone coop.test: mail.coop.test already has A records Hearth did not write (198.51.100.25); Hearth does not overwrite them: remove them from the zone, or choose another hostname (hearth:dns, hearth:dnsTsigSecret)`,
    );
    expect(named.dig("mail.coop.test", "A")).toEqual(["198.51.100.25"]);
  });

  it("writes a CNAME, and refuses an A record where an alias stands", async () => {
    await createRecord(
      urn("www"),
      inputs({ name: "www.coop.test", type: "CNAME", values: ["edge.coop.test."] }),
    );
    expect(named.dig("www.coop.test", "CNAME")).toEqual(["edge.coop.test."]);
    await expect(createRecord(urn("www-a"), inputs({ name: "www.coop.test" }))).rejects.toThrow(
      "www.coop.test is an alias (CNAME to edge.coop.test) Hearth did not write",
    );
    // Another target in place; a name change replaces, deleting the old record first.
    await updateRecord(
      urn("www"),
      inputs({ name: "www.coop.test", type: "CNAME", values: ["edge2.coop.test"] }),
    );
    expect(named.dig("www.coop.test", "CNAME")).toEqual(["edge2.coop.test."]);
    expect(
      diffRecord(
        inputs({ name: "www.coop.test", type: "CNAME", values: ["edge2.coop.test"] }),
        inputs({ name: "web.coop.test", type: "CNAME", values: ["edge2.coop.test"] }),
      ),
    ).toEqual({ changes: true, replaces: ["name"], deleteBeforeReplace: true });
    await deleteRecord(
      urn("www"),
      inputs({ name: "www.coop.test", type: "CNAME", values: ["edge2.coop.test"] }),
    );
    expect(named.dig("www.coop.test", "CNAME")).toEqual([]);
    const gone = await readRecord(
      "www.coop.test/CNAME",
      urn("www"),
      inputs({ name: "www.coop.test", type: "CNAME", values: ["edge2.coop.test"] }),
    );
    expect(gone.id).toBe("");
  });

  it("is refused by the server with a wrong secret, an unknown key, or a key its policy does not grant", async () => {
    const wrong = { ...named.key, secret: newTsigSecret() };
    await expect(
      createRecord(urn("bad"), inputs({ name: "bad.coop.test", tsig: secret(wrong) })),
    ).rejects.toThrow(
      `DNS record bad.coop.test A in zone coop.test: DNS server 127.0.0.1:${named.port} refused the signature of key "hearth-test" (TSIG BADSIG): the secret or the algorithm (hmac-sha256) differs from the server's key (hearth:dns, hearth:dnsTsigSecret)`,
    );
    await expect(
      createRecord(
        urn("bad"),
        inputs({ name: "bad.coop.test", tsig: secret({ ...named.key, name: "nobody" }) }),
      ),
    ).rejects.toThrow(`does not know key "nobody" with algorithm hmac-sha256 (TSIG BADKEY)`);
    await expect(
      createRecord(urn("bad"), inputs({ name: "bad.coop.test", tsig: secret(named.outsider) })),
    ).rejects.toThrow(
      `refused the update of bad.coop.test in zone coop.test: its policy does not let key "outsider" change it (BIND: update-policy { grant outsider zonesub ANY; } in the zone)`,
    );
    expect(named.dig("bad.coop.test", "A")).toEqual([]);
    await named.waitForLog(/tsig verify failure \(BADSIG\)/);
    await named.waitForLog(
      /key outsider: updating zone 'coop.test\/IN': update failed: rejected by secure update \(REFUSED\)/,
    );
  });

  it("answers a DNS-01 challenge written as cert-manager's rfc2136 solver writes it, by Hearth's client and by nsupdate", async () => {
    const challenge = "_acme-challenge.git.coop.test";
    const token = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";
    // cert-manager v1.21.1 (pkg/issuer/acme/dns/rfc2136): m.Insert of a TXT with TTL 60, then m.Remove.
    await sendUpdate(server(), named.key, {
      zone: "coop.test",
      prerequisites: [],
      operations: [{ kind: "add", name: challenge, type: "TXT", ttl: 60, value: token }],
    });
    expect(named.dig(challenge, "TXT")).toEqual([`"${token}"`]);
    await sendUpdate(server(), named.key, {
      zone: "coop.test",
      prerequisites: [],
      operations: [{ kind: "delete-record", name: challenge, type: "TXT", value: token }],
    });
    expect(named.dig(challenge, "TXT")).toEqual([]);

    // The same key as the ClusterIssuer's Secret carries it (name, algorithm, base64 secret), with BIND's client.
    const dir = mkdtempSync(join(tmpdir(), "hearth-nsupdate-"));
    try {
      const keyFile = join(dir, "key.conf");
      writeFileSync(
        keyFile,
        `key "${named.key.name}" { algorithm ${named.key.algorithm}; secret "${named.key.secret}"; };\n`,
        { mode: 0o600 },
      );
      const script = [
        `server 127.0.0.1 ${named.port}`,
        "zone coop.test",
        `update add ${challenge}. 60 TXT "${token}"`,
        "send",
        "",
      ].join("\n");
      const r = spawnSync("nsupdate", ["-v", "-k", keyFile], { input: script, encoding: "utf8" });
      expect(r.stderr + r.stdout).toBe("");
      expect(r.status).toBe(0);
      expect(named.dig(challenge, "TXT")).toEqual([`"${token}"`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("checkRecord", () => {
  const good = {
    server: "ns1.coop.test:53",
    zone: "coop.test",
    name: "git.coop.test",
    type: "A",
    values: ["203.0.113.10"],
    ttl: 300,
    tsig: secret({ name: "hearth", algorithm: "hmac-sha256", secret: "c2VjcmV0" }),
  };
  it("accepts good inputs", () => {
    expect(checkRecord(good)).toEqual([]);
  });
  it("names every bad input at once", () => {
    expect(
      checkRecord({
        ...good,
        server: "ns1:99999",
        name: "git.other.test",
        type: "MX",
        values: [],
        ttl: -1,
        tsig: secret({ name: "hearth", algorithm: "hmac-md5", secret: "not base64!" }),
      }).map((f) => `${f.property}: ${f.reason}`),
    ).toEqual([
      'server: "ns1:99999" is not host or host:port',
      "name: git.other.test is not in zone coop.test",
      "type: type must be one of A, CNAME, TXT",
      "values: values must name one value at least",
      "ttl: ttl must be a whole number of seconds",
      "tsig.algorithm: the TSIG algorithm must be one of hmac-sha256, hmac-sha512",
      "tsig.secret: the TSIG secret is not base64 (as tsig-keygen prints it)",
    ]);
    expect(checkRecord({ ...good, type: "CNAME", values: ["a.test", "b.test"] })).toEqual([
      { property: "values", reason: "a CNAME has exactly one target" },
    ]);
    expect(checkRecord({ ...good, values: ["300.1.1.1"] })).toEqual([
      { property: "values[0]", reason: '"300.1.1.1" is not an IPv4 address' },
    ]);
  });
});
