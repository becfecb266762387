/** Hearth's generated RSA key: size, PEM forms checked by openssl, key id, secrets in state, replacement. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRsaKey, createRsaKey, diffRsaKey, rsaKeyId } from "./rsa-key";
import { isSecret, reveal } from "./wire";

describe("GeneratedRsaKey", () => {
  const { outs } = createRsaKey({ bits: 2048 });
  const state = reveal(outs);

  it("keeps the private key as a secret and the public half and key id in the clear", () => {
    expect(isSecret(outs.privateKeyPem)).toBe(true);
    expect(isSecret(outs.publicKeyPem)).toBe(false);
    expect(state.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(state.keyId).toBe(rsaKeyId(state.publicKeyPem));
  });

  it("is a 2048-bit RSA key that openssl checks, whose public half matches", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-rsa-"));
    const key = join(dir, "key.pem");
    writeFileSync(key, state.privateKeyPem, { mode: 0o600 });
    const text = execFileSync("openssl", ["rsa", "-in", key, "-check", "-noout", "-text"], {
      encoding: "utf8",
    });
    expect(text).toMatch(/Private-Key: \(2048 bit, 2 primes\)/);
    expect(text).toMatch(/RSA key ok/);
    const pub = execFileSync("openssl", ["pkey", "-in", key, "-pubout"], { encoding: "utf8" });
    expect(pub.trim()).toBe(state.publicKeyPem.trim());
  });

  it("refuses sizes outside 2048, 3072, 4096, naming the property", () => {
    expect(checkRsaKey({ bits: 1024 })).toEqual([
      { property: "bits", reason: "bits must be one of 2048, 3072, 4096" },
    ]);
    expect(checkRsaKey({})).toEqual([]);
  });

  it("is replaced when its size or a keeper changes, and kept otherwise", () => {
    expect(diffRsaKey(outs, { bits: 2048 })).toEqual({ changes: false, replaces: [] });
    expect(diffRsaKey(outs, {})).toEqual({ changes: false, replaces: [] });
    expect(diffRsaKey(outs, { bits: 4096 }).replaces).toEqual(["bits"]);
    expect(diffRsaKey(outs, { keepers: { issuer: "b" } }).replaces).toEqual(["keepers"]);
  });
});
