/** Public key lines checked against keys ssh-keygen made: type, size, and what a bad paste looks like. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sshPublicKeyProblem } from "./ssh-key";

const dir = mkdtempSync(join(tmpdir(), "hearth-ssh-key-"));
function keygen(name: string, args: string[]): string {
  const file = join(dir, name);
  const r = spawnSync("ssh-keygen", ["-q", "-N", "", "-C", name, "-f", file, ...args]);
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return readFileSync(`${file}.pub`, "utf8").trim();
}

describe("sshPublicKeyProblem", () => {
  it("accepts the keys ssh-keygen makes", () => {
    for (const [name, args] of [
      ["ed25519", ["-t", "ed25519"]],
      ["rsa3072", ["-t", "rsa", "-b", "3072"]],
      ["ecdsa256", ["-t", "ecdsa", "-b", "256"]],
      ["ecdsa521", ["-t", "ecdsa", "-b", "521"]],
    ] as const) {
      expect([name, sshPublicKeyProblem(keygen(name, [...args]))]).toEqual([name, undefined]);
    }
  });
  it("refuses an RSA key OpenSSH would refuse", () => {
    expect(sshPublicKeyProblem(keygen("rsa1024", ["-t", "rsa", "-b", "1024"]))).toBe(
      "this ssh-rsa key has 1024 bits; OpenSSH refuses fewer than 2048: use an ed25519 key (ssh-keygen -t ed25519)",
    );
  });
  it("refuses a cut line and a key under another type's label", () => {
    const line = keygen("cut", ["-t", "ed25519"]);
    const [type, data] = line.split(" ");
    expect(sshPublicKeyProblem(`${type} ${data.slice(0, 40)}`)).toMatch(
      /cut short|not valid base64/,
    );
    expect(sshPublicKeyProblem(`ssh-rsa ${data}`)).toBe(
      "the line says ssh-rsa but its key data is a ssh-ed25519 key",
    );
  });
});
