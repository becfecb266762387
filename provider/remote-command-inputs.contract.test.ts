/**
 * Hearth's remote command's inputs: what `diffCommand` replaces, updates or leaves, and what `checkCommand`
 * refuses. Contract tier as they were beside the real-sshd tests: the harness (test/remote-command-harness.ts)
 * starts its sshd for this file too.
 */
import { host, inputs, other } from "../test/remote-command-harness";
import { checkCommand, diffCommand } from "./remote-command";
import { secret } from "./wire";

describe("diffCommand", () => {
  const base = inputs({ create: "a" }, host.publicKey, 22);
  it("finds nothing to do for unchanged inputs, secrets wrapped or not", () => {
    expect(diffCommand(base, JSON.parse(JSON.stringify(base)))).toEqual({
      changes: false,
      replaces: [],
    });
  });
  it("replaces on a new trigger, host or pinned key, and on a new create, without update", () => {
    expect(diffCommand(base, { ...base, triggers: ["x"] }).replaces).toEqual(["triggers"]);
    expect(diffCommand(base, { ...base, create: "b" }).replaces).toEqual(["create"]);
    const moved = { ...base, connection: { ...base.connection, host: "10.0.0.9" } };
    expect(diffCommand(base, moved).replaces).toEqual(["connection.host"]);
    const rekeyed = { ...base, connection: { ...base.connection, hostKey: other.publicKey } };
    expect(diffCommand(base, rekeyed).replaces).toEqual(["connection.hostKey"]);
  });
  it("updates in place when there is an update command, and for a new private key", () => {
    const withUpdate = { ...base, update: "u" };
    expect(diffCommand(withUpdate, { ...withUpdate, create: "b" })).toEqual({
      changes: true,
      replaces: [],
    });
    expect(diffCommand(withUpdate, { ...withUpdate, triggers: ["x"] })).toEqual({
      changes: true,
      replaces: [],
    });
    // Only the host, port, user and pinned key still replace.
    const moved = { ...withUpdate, connection: { ...withUpdate.connection, host: "10.0.0.9" } };
    expect(diffCommand(withUpdate, moved).replaces).toEqual(["connection.host"]);
    const newKey = { ...base, connection: { ...base.connection, privateKey: secret("other") } };
    expect(diffCommand(base, newKey)).toEqual({ changes: true, replaces: [] });
  });
});

describe("checkCommand", () => {
  it("requires a pinned host key and names every missing input at once", () => {
    expect(checkCommand({ connection: { host: "h" } })).toEqual([
      { property: "connection.user", reason: "the login user is required" },
      { property: "connection.privateKey", reason: "the private key (a secret) is required" },
      {
        property: "connection.hostKey",
        reason:
          "the pinned host key is required: there is no unpinned mode; give the host's `ssh-ed25519 AAAA...` line",
      },
      { property: "create", reason: "the create command is required" },
    ]);
  });
  it("refuses a host key line whose type and data disagree", () => {
    const forged = host.publicKey.replace("ssh-ed25519", "ssh-rsa");
    expect(checkCommand(inputs({}, forged, 22))).toEqual([
      {
        property: "connection.hostKey",
        reason: 'public key line says "ssh-rsa" but its key data is "ssh-ed25519"',
      },
    ]);
  });
});
