import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { find, installMocks, settle, unwrap } from "../../test/mocks";
import { generateEd25519KeyPair } from "./openssh";

const KEY_PAIR_TYPE = "pulumi-nodejs:dynamic/hearth:SshKeyPair";

// The mock engine does not run dynamic providers; answer as the provider would.
installMocks((args) =>
  args.type === KEY_PAIR_TYPE
    ? { ...generateEd25519KeyPair(String(args.inputs.comment)) }
    : undefined,
);

// The mock monitor ignores `additionalSecretOutputs` (the engine applies it), so record what is asked for.
const secretOutputsByName = new Map<string, string[]>();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (
  req: { getName(): string; getAdditionalsecretoutputsList(): string[] },
  cb: unknown,
) => {
  secretOutputsByName.set(req.getName(), req.getAdditionalsecretoutputsList());
  return register(req, cb);
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-keypair-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("sshKeyPairProvider", () => {
  it("survives closure serialization and creates a key ssh-keygen accepts in a fresh node process", async () => {
    const { sshKeyPairProvider } = await import("./ssh-key-pair");
    // Exactly what pulumi.dynamic.Resource does with a provider before it goes into the state.
    const serialized = await pulumi.runtime.serializeFunction(() => sshKeyPairProvider, {
      allowSecrets: true,
    });
    expect(serialized.containsSecrets).toBe(false);
    const module = path.join(dir, "provider.js");
    fs.writeFileSync(module, serialized.text);
    // A plain node process, as the dynamic provider host: no jest module registry, no TypeScript.
    const script = `
      const provider = require(${JSON.stringify(module)}).${serialized.exportName}();
      provider.create({ comment: "root@serialized" }).then((r) => process.stdout.write(JSON.stringify(r)));
    `;
    const result = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
    expect(result.outs.comment).toBe("root@serialized");
    expect(result.outs.publicKey).toMatch(/^ssh-ed25519 AAAA\S+ root@serialized$/);
    expect(result.id).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const keyFile = path.join(dir, "serialized");
    fs.writeFileSync(keyFile, result.outs.privateKey, { mode: 0o600 });
    const derived = execFileSync("ssh-keygen", ["-y", "-f", keyFile], { encoding: "utf8" });
    expect(derived.trim()).toBe(result.outs.publicKey);
  });

  it("keeps the key unless the comment changes", async () => {
    const { sshKeyPairProvider } = await import("./ssh-key-pair");
    const olds = { comment: "a", ...generateEd25519KeyPair("a") };
    const same = await sshKeyPairProvider.diff!("id", olds, {
      comment: "a",
      __provider: "changed",
    });
    expect(same).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    const renamed = await sshKeyPairProvider.diff!("id", olds, { comment: "b" });
    expect(renamed.changes).toBe(true);
    expect(renamed.replaces).toEqual(["comment"]);
  });

  it("refuses a multi-line comment at check time", async () => {
    const { sshKeyPairProvider } = await import("./ssh-key-pair");
    const result = await sshKeyPairProvider.check!({}, { comment: "a\nb" });
    expect(result.failures?.[0].property).toBe("comment");
    expect((await sshKeyPairProvider.check!({}, { comment: "ok" })).inputs).toEqual({
      comment: "ok",
    });
  });
});

describe("SshKeyPair", () => {
  it("registers a dynamic resource with its provider and a secret private key", async () => {
    const { SshKeyPair } = await import("./ssh-key-pair");
    const pair = new SshKeyPair("admin-key", { comment: "admin@hearth" });
    await settle();
    const reg = find(KEY_PAIR_TYPE, "admin-key");
    expect(reg.custom).toBe(true);
    expect(reg.inputs.comment).toBe("admin@hearth");
    expect(String(reg.inputs.__provider)).toContain("exports.handler");
    expect(secretOutputsByName.get("admin-key")).toEqual(["privateKey"]);
    expect(await unwrap(pair.publicKey)).toMatch(/^ssh-ed25519 AAAA\S+ admin@hearth$/);
    expect(await unwrap(pair.privateKey)).toContain("-----BEGIN OPENSSH PRIVATE KEY-----");
  });

  it("keeps the caller's additional secret outputs", async () => {
    const { SshKeyPair } = await import("./ssh-key-pair");
    new SshKeyPair("other-key", { comment: "x" }, { additionalSecretOutputs: ["comment"] });
    await settle();
    expect(secretOutputsByName.get("other-key")?.sort()).toEqual(["comment", "privateKey"]);
  });
});
