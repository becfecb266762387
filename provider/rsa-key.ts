/**
 * The `hearth:secrets:GeneratedRsaKey` resource inside Hearth's provider plugin: an RSA private key made once
 * from Node's CSPRNG (`generateKeyPairSync`), kept in state as a secret, with its public half and a key id.
 * It signs what an OpenID Connect issuer hands out (Authelia's `identity_providers.oidc.jwks`), so it is made
 * again only when its size or a keeper changes: a new key signs every client out.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { containsUnknown, reveal, sameValue, secret, withoutUndefined } from "./wire";

/** RSA sizes accepted: RS256 needs 2048 bits at least; above 4096 the key takes seconds to make. */
export const RSA_KEY_SIZES = [2048, 3072, 4096] as const;

/** What a generated key is made of, every field resolved. */
export interface RsaKeyInputs {
  bits: number;
  /** Changing any keeper makes a new key. */
  keepers: Record<string, string>;
}

/** What the provider keeps in state. `privateKeyPem` is a secret. */
export interface RsaKeyState extends RsaKeyInputs {
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  privateKeyPem: string;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
  publicKeyPem: string;
  /** The first 16 hex digits of the SHA-256 of the public key's DER: stable, and names the key in a JWKS. */
  keyId: string;
}

/** Inputs with their defaults: 2048 bits, no keepers. */
export function resolveRsaKeyInputs(raw: Record<string, unknown>): RsaKeyInputs {
  const i = reveal(raw);
  return { bits: i.bits ?? 2048, keepers: i.keepers ?? {} };
}

/** Every problem with the inputs, each naming the property; empty when they are fine. */
export function checkRsaKey(raw: Record<string, unknown>): { property: string; reason: string }[] {
  if (containsUnknown(reveal(raw))) return [];
  const { bits } = resolveRsaKeyInputs(raw);
  return (RSA_KEY_SIZES as readonly number[]).includes(bits)
    ? []
    : [{ property: "bits", reason: `bits must be one of ${RSA_KEY_SIZES.join(", ")}` }];
}

/** The key id of a public key in PEM: 16 hex digits of the SHA-256 of its SPKI DER. */
export function rsaKeyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("hex").slice(0, 16);
}

/** A new key and its state. */
export function createRsaKey(raw: Record<string, unknown>): {
  id: string;
  outs: Record<string, unknown>;
} {
  const inputs = resolveRsaKeyInputs(raw);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: inputs.bits,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const outs = {
    ...inputs,
    privateKeyPem: secret(privateKey),
    publicKeyPem: publicKey,
    keyId: rsaKeyId(publicKey),
  };
  return { id: randomBytes(8).toString("hex"), outs: withoutUndefined(outs) };
}

/** Any input change replaces the key; nothing is updated in place. */
export function diffRsaKey(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): { changes: boolean; replaces: string[] } {
  const old = reveal(olds) as RsaKeyState;
  const next = resolveRsaKeyInputs(news);
  const replaces = (Object.keys(next) as (keyof RsaKeyInputs)[]).filter(
    (k) => !sameValue(old[k], next[k]),
  );
  return { changes: replaces.length > 0, replaces };
}
