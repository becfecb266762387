/**
 * What makes an SSH public key line a real key: its base64 decodes to an OpenSSH key blob whose own type name
 * matches the line's, with the size that type requires (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). A line
 * that only looks right (a truncated paste, a key of another type under a wrong label) is refused here,
 * before any installer plants it.
 */

import { publicKeyOf } from "../components/metal/authorized-keys";

/**
 * Why a private key cannot be used to sign in (unreadable, or encrypted), or undefined: `up` checks
 * hearth:sshPrivateKey with it, and `npm run init` the key file it is given.
 */
export function privateKeyProblem(key: string): string | undefined {
  try {
    publicKeyOf(key);
    return undefined;
  } catch (e) {
    return `${(e as Error).message}; give an unencrypted OpenSSH private key (ssh-keygen -t ed25519 -N "")`;
  }
}

/** RSA keys below this many bits are refused by current OpenSSH (RequiredRSASize, 8.9+). */
export const MIN_RSA_BITS = 2048;

const CURVES: Record<string, { curve: string; point: number }> = {
  "ecdsa-sha2-nistp256": { curve: "nistp256", point: 65 },
  "ecdsa-sha2-nistp384": { curve: "nistp384", point: 97 },
  "ecdsa-sha2-nistp521": { curve: "nistp521", point: 133 },
};

/** Reads the SSH wire strings (uint32 length + bytes) of a key blob; undefined when it is truncated. */
function readStrings(blob: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return undefined;
    const len = blob.readUInt32BE(at);
    if (at + 4 + len > blob.length) return undefined;
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/** Bits of an SSH mpint (big-endian, maybe with a leading zero byte). */
function mpintBits(n: Buffer): number {
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i]));
}

/** Why a `<type> <base64> [comment]` line is not a usable public key, or undefined when it is one. */
export function sshPublicKeyProblem(line: string): string | undefined {
  const [type, data] = line.trim().split(/\s+/);
  const blob = Buffer.from(data ?? "", "base64");
  if (blob.toString("base64").replace(/=+$/, "") !== (data ?? "").replace(/=+$/, "")) {
    return `the key data of this ${type} key is not valid base64; paste the whole line again`;
  }
  const parts = readStrings(blob);
  if (!parts || parts.length === 0)
    return `the ${type} key data is cut short; paste the whole line again`;
  const inner = parts[0].toString("latin1");
  if (inner !== type)
    return `the line says ${type} but its key data is a ${inner || "unreadable"} key`;
  if (type === "ssh-ed25519") {
    if (parts.length !== 2 || parts[1].length !== 32) {
      return `an ssh-ed25519 key holds 32 bytes; this one holds ${parts[1]?.length ?? 0}: paste the whole line again`;
    }
    return undefined;
  }
  if (type === "ssh-rsa") {
    if (parts.length !== 3) return "the ssh-rsa key data is malformed; paste the whole line again";
    const bits = mpintBits(parts[2]);
    if (bits < MIN_RSA_BITS) {
      return `this ssh-rsa key has ${bits} bits; OpenSSH refuses fewer than ${MIN_RSA_BITS}: use an ed25519 key (ssh-keygen -t ed25519)`;
    }
    return undefined;
  }
  const ec = CURVES[type];
  if (ec) {
    if (
      parts.length !== 3 ||
      parts[1].toString("latin1") !== ec.curve ||
      parts[2].length !== ec.point
    ) {
      return `the ${type} key data does not hold a ${ec.curve} point; paste the whole line again`;
    }
    return undefined;
  }
  return `${type} keys are not supported; use ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp*`;
}
