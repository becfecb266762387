import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { find, installMocks, isSecret, ofType, settle, unwrap } from "../../test/mocks";
import { generateEd25519KeyPair } from "./openssh";

const KEY_PAIR_TYPE = "pulumi-nodejs:dynamic/hearth:SshKeyPair";

// The mock engine does not run dynamic providers; answer as the key pair provider would.
installMocks((args) =>
  args.type === KEY_PAIR_TYPE
    ? { ...generateEd25519KeyPair(String(args.inputs.comment)) }
    : undefined,
);

describe("NodeHostKeys", () => {
  it("makes one key pair per node under the component, private keys secret", async () => {
    const { NodeHostKeys } = await import("./node-host-keys");
    const hostKeys = new NodeHostKeys("hosts", { nodes: ["node-1", "node-2"] });
    await settle();
    const component = find("hearth:secrets:NodeHostKeys", "hosts");
    expect(ofType(KEY_PAIR_TYPE).map((r) => r.name)).toEqual(["hosts-node-1", "hosts-node-2"]);
    for (const node of ["node-1", "node-2"]) {
      const pair = find(KEY_PAIR_TYPE, `hosts-${node}`);
      expect(pair.parent).toBe(component.urn);
      expect(pair.inputs.comment).toBe(`root@${node}`);
    }

    expect(Object.keys(hostKeys.keys)).toEqual(["node-1", "node-2"]);
    const { privateKey, publicKey } = hostKeys.keys["node-2"];
    expect(await isSecret(privateKey)).toBe(true);
    expect(await isSecret(publicKey)).toBe(false);
    const line = await unwrap(publicKey);
    expect(line).toMatch(/^ssh-ed25519 AAAA\S+ root@node-2$/);
    // The pair handed out belongs together: ssh-keygen derives this node's public key from its private key.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-hostkeys-"));
    try {
      const file = path.join(dir, "ssh_host_ed25519_key");
      fs.writeFileSync(file, await unwrap(privateKey), { mode: 0o600 });
      expect(execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim()).toBe(
        line,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a node listed twice, naming it", async () => {
    const { NodeHostKeys } = await import("./node-host-keys");
    expect(() => new NodeHostKeys("dup", { nodes: ["a", "b", "a"] })).toThrow(
      'host keys dup: node name "a" is listed twice',
    );
  });
});
