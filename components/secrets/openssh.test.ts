import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { encodeEd25519KeyPair, generateEd25519KeyPair, sshFingerprint } from "./openssh";

// RFC 8032, section 7.1, test 1: a seed whose public key is known.
const RFC_SEED = Buffer.from(
  "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
  "hex",
);
const RFC_PUBLIC = Buffer.from(
  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
  "hex",
);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-openssh-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes a file as ssh-keygen demands for private keys (owner read/write only) and returns its path. */
function writeKey(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

function sshKeygen(...args: string[]): string {
  return execFileSync("ssh-keygen", args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

describe("encodeEd25519KeyPair", () => {
  it("writes the public key line from the known public point", () => {
    const pair = encodeEd25519KeyPair(RFC_SEED, RFC_PUBLIC, "root@rfc8032", 0x01020304);
    const [type, blob, comment] = pair.publicKey.split(" ");
    expect(type).toBe("ssh-ed25519");
    expect(comment).toBe("root@rfc8032");
    const raw = Buffer.from(blob, "base64");
    // string "ssh-ed25519" then string <32-byte point>
    expect(raw.readUInt32BE(0)).toBe(11);
    expect(raw.subarray(4, 15).toString()).toBe("ssh-ed25519");
    expect(raw.readUInt32BE(15)).toBe(32);
    expect(raw.subarray(19)).toEqual(RFC_PUBLIC);
  });

  it("is deterministic for a given check number and wraps the body at 70 columns", () => {
    const a = encodeEd25519KeyPair(RFC_SEED, RFC_PUBLIC, "c", 7);
    const b = encodeEd25519KeyPair(RFC_SEED, RFC_PUBLIC, "c", 7);
    expect(a).toEqual(b);
    const lines = a.privateKey.trimEnd().split("\n");
    expect(lines[0]).toBe("-----BEGIN OPENSSH PRIVATE KEY-----");
    expect(lines[lines.length - 1]).toBe("-----END OPENSSH PRIVATE KEY-----");
    const body = lines.slice(1, -1);
    expect(body.slice(0, -1).every((l) => l.length === 70)).toBe(true);
    const decoded = Buffer.from(body.join(""), "base64");
    expect(decoded.subarray(0, 15).toString("binary")).toBe("openssh-key-v1\0");
  });

  it("is read back by ssh-keygen for every padding length", () => {
    // Comments of 0..8 bytes move the private section through every remainder modulo the block size.
    for (let n = 0; n <= 8; n++) {
      const comment = "x".repeat(n);
      const pair = encodeEd25519KeyPair(RFC_SEED, RFC_PUBLIC, comment, 0xdeadbeef);
      const file = writeKey(`pad-${n}`, pair.privateKey);
      expect(sshKeygen("-y", "-f", file).trim()).toBe(pair.publicKey);
    }
  });

  it("rejects a comment with a line break and keys of the wrong size", () => {
    expect(() => encodeEd25519KeyPair(RFC_SEED, RFC_PUBLIC, "a\nb", 1)).toThrow(/line break/);
    expect(() => encodeEd25519KeyPair(RFC_SEED.subarray(1), RFC_PUBLIC, "a", 1)).toThrow(
      /32 bytes each; got 31 and 32/,
    );
  });
});

describe("generateEd25519KeyPair", () => {
  it("produces a private key from which ssh-keygen derives the same public key", () => {
    const pair = generateEd25519KeyPair("hearth@node-1");
    expect(pair.publicKey).toMatch(
      /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+ hearth@node-1$/,
    );
    const file = writeKey("generated", pair.privateKey);
    expect(sshKeygen("-y", "-f", file).trim()).toBe(pair.publicKey);
  });

  it("produces a public key ssh-keygen fingerprints like sshFingerprint does", () => {
    const pair = generateEd25519KeyPair("hearth@node-2");
    const file = path.join(dir, "generated.pub");
    fs.writeFileSync(file, `${pair.publicKey}\n`);
    const listed = sshKeygen("-l", "-f", file).trim();
    expect(listed).toBe(`256 ${sshFingerprint(pair.publicKey)} hearth@node-2 (ED25519)`);
  });

  it("signs with the private key so that the public key verifies (the seed matches the point)", () => {
    const pair = generateEd25519KeyPair("signer@hearth");
    const key = writeKey("signer", pair.privateKey);
    const data = path.join(dir, "message");
    fs.writeFileSync(data, "hearth");
    sshKeygen("-Y", "sign", "-q", "-f", key, "-n", "file", data);
    const allowed = path.join(dir, "allowed_signers");
    fs.writeFileSync(allowed, `signer@hearth ${pair.publicKey}\n`);
    const out = execFileSync(
      "ssh-keygen",
      ["-Y", "verify", "-f", allowed, "-I", "signer@hearth", "-n", "file", "-s", `${data}.sig`],
      { input: "hearth", encoding: "utf8" },
    );
    expect(out).toMatch(/Good "file" signature for signer@hearth/);
  });

  it("makes a different key every time", () => {
    const a = generateEd25519KeyPair("x");
    const b = generateEd25519KeyPair("x");
    expect(a.publicKey).not.toBe(b.publicKey);
    expect(a.privateKey).not.toBe(b.privateKey);
  });
});

describe("sshFingerprint", () => {
  it("rejects something that is not a key line", () => {
    expect(() => sshFingerprint("ssh-ed25519")).toThrow(/not an SSH public key line/);
  });
});
