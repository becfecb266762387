/**
 * Ed25519 key pairs in the formats OpenSSH reads: the `ssh-ed25519 AAAA... comment` public key line and the
 * unencrypted `openssh-key-v1` private key file (OpenSSH's PROTOCOL.key). Pure: no Pulumi.
 *
 * The dynamic provider in `ssh-key-pair.ts` calls these functions, and Pulumi serializes that provider by closure
 * to run it in another process. So this file captures no module objects: it uses `Buffer` and requires
 * `node:crypto` where it needs it (see `nodeCrypto`).
 */

/** An Ed25519 key pair as OpenSSH writes it. */
export interface OpenSshKeyPair {
  /** The private key file, `-----BEGIN OPENSSH PRIVATE KEY-----` (openssh-key-v1, no passphrase). */
  privateKey: string;
  /** The public key line, `ssh-ed25519 AAAA... comment`. */
  publicKey: string;
}

const KEY_TYPE = "ssh-ed25519";
const AUTH_MAGIC = "openssh-key-v1\0";
// An unencrypted key list is padded to the block size of the "none" cipher, which OpenSSH takes as 8.
const NONE_BLOCK_SIZE = 8;
// OpenSSH wraps the base64 body of its private key files at 70 columns.
const PEM_WIDTH = 70;

/** Generates a fresh Ed25519 key pair with `comment` on the public key and inside the private key file. */
export function generateEd25519KeyPair(comment: string): OpenSshKeyPair {
  const crypto = nodeCrypto();
  const { privateKey } = crypto.generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  if (!jwk.d || !jwk.x) {
    throw new Error("node:crypto returned an Ed25519 key without its seed or public point");
  }
  const seed = Buffer.from(jwk.d, "base64url");
  const publicPoint = Buffer.from(jwk.x, "base64url");
  return encodeEd25519KeyPair(seed, publicPoint, comment, crypto.randomBytes(4).readUInt32BE(0));
}

/**
 * Encodes a known Ed25519 key (32-byte seed and 32-byte public point) in OpenSSH's formats. `checkInt` is the
 * random number OpenSSH repeats at the start of the private section to detect a wrong passphrase; it is a
 * parameter so that the encoding is deterministic under test.
 */
export function encodeEd25519KeyPair(
  seed: Buffer,
  publicPoint: Buffer,
  comment: string,
  checkInt: number,
): OpenSshKeyPair {
  if (seed.length !== 32 || publicPoint.length !== 32) {
    throw new Error(
      `an Ed25519 seed and public key are 32 bytes each; got ${seed.length} and ${publicPoint.length}`,
    );
  }
  if (/[\r\n]/.test(comment)) {
    throw new Error(
      `SSH key comment ${JSON.stringify(comment)} contains a line break, which would split the public ` +
        "key line; use a single-line comment such as user@host",
    );
  }
  const commentBytes = Buffer.from(comment, "utf8");
  const publicBlob = Buffer.concat([sshString(Buffer.from(KEY_TYPE)), sshString(publicPoint)]);

  const check = uint32(checkInt >>> 0);
  const unpadded = Buffer.concat([
    check,
    check,
    sshString(Buffer.from(KEY_TYPE)),
    sshString(publicPoint),
    // OpenSSH stores the Ed25519 secret as seed followed by the public point (the NaCl layout).
    sshString(Buffer.concat([seed, publicPoint])),
    sshString(commentBytes),
  ]);
  const padLength = (NONE_BLOCK_SIZE - (unpadded.length % NONE_BLOCK_SIZE)) % NONE_BLOCK_SIZE;
  // Padding bytes count up from 1; OpenSSH checks them when it loads the key.
  const padding = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));
  const privateSection = Buffer.concat([unpadded, padding]);

  const body = Buffer.concat([
    Buffer.from(AUTH_MAGIC, "binary"),
    sshString(Buffer.from("none")), // cipher
    sshString(Buffer.from("none")), // kdf
    sshString(Buffer.alloc(0)), // kdf options: none without a kdf
    uint32(1), // number of keys
    sshString(publicBlob),
    sshString(privateSection),
  ]);

  const base64 = body.toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += PEM_WIDTH) lines.push(base64.slice(i, i + PEM_WIDTH));
  const privateKey = [
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    ...lines,
    "-----END OPENSSH PRIVATE KEY-----",
    "",
  ].join("\n");

  const publicKey = [KEY_TYPE, publicBlob.toString("base64"), comment].filter((p) => p !== "");
  return { privateKey, publicKey: publicKey.join(" ") };
}

/** The SHA256 fingerprint of a public key line, as `ssh-keygen -l` prints it (`SHA256:...`). */
export function sshFingerprint(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob) {
    throw new Error(`not an SSH public key line (expected "type base64 [comment]"): ${publicKey}`);
  }
  const digest = nodeCrypto()
    .createHash("sha256")
    .update(Buffer.from(blob, "base64"))
    .digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}

/**
 * `node:crypto`, required at the call. An imported module is wrapped by the TypeScript interop helper into a
 * copy the closure serializer cannot tell from plain data, and the serialized provider then breaks; a `require`
 * inside the function is serialized as a `require`.
 */
function nodeCrypto(): typeof import("node:crypto") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("node:crypto");
}

/** An SSH wire-format `string`: a big-endian uint32 length, then the bytes. */
function sshString(bytes: Buffer): Buffer {
  return Buffer.concat([uint32(bytes.length), bytes]);
}

/** A big-endian uint32. */
function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}
