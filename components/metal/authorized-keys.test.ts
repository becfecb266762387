/** The node's authorized keys: the configured ones plus Hearth's own login key, checked with ssh-keygen. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateEd25519KeyPair } from "../secrets/openssh";
import { authorizedKeysFile, publicKeyOf, restoreAuthorizedKeys } from "./authorized-keys";

const operator = generateEd25519KeyPair("operator");
const laptop = generateEd25519KeyPair("laptop");

describe("publicKeyOf", () => {
  it("derives the same public key ssh-keygen derives from the private key", () => {
    const file = join(mkdtempSync(join(tmpdir(), "hearth-keys-")), "id");
    writeFileSync(file, operator.privateKey, { mode: 0o600 });
    const r = spawnSync("ssh-keygen", ["-y", "-f", file]);
    expect(r.status).toBe(0);
    const fromKeygen = r.stdout.toString().trim().split(/\s+/).slice(0, 2).join(" ");
    expect(publicKeyOf(operator.privateKey)).toBe(fromKeygen);
  });
  it("refuses what is not a private key", () => {
    expect(() => publicKeyOf("v1:sshkey")).toThrow(/the SSH private key cannot be read/);
  });
});

describe("authorizedKeysFile", () => {
  it("lists the configured keys, then Hearth's login key once", () => {
    const login = publicKeyOf(operator.privateKey);
    expect(authorizedKeysFile([laptop.publicKey], login)).toBe(`${laptop.publicKey}\n${login}\n`);
    expect(authorizedKeysFile([operator.publicKey, laptop.publicKey], login)).toBe(
      `${operator.publicKey}\n${laptop.publicKey}\n`,
    );
  });
  it("restores only the login key on destroy", () => {
    const login = publicKeyOf(operator.privateKey);
    const r = spawnSync("sh", [
      "-c",
      `HOME=$(mktemp -d); ${restoreAuthorizedKeys(login)}; cat $HOME/.ssh/authorized_keys`,
    ]);
    expect(r.stdout.toString()).toBe(`${login}\n`);
  });
});
