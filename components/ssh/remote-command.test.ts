/**
 * The RemoteCommand component under mocks: what it registers (connection with only the key secret, stdin and
 * environment secret) and its `customTimeouts` carried as an input, since the Node provider SDK drops the
 * engine's own timeout before the provider's handlers see it.
 */
import { find, installMocks, isSecretInput, reveal, settle } from "../../test/mocks";

installMocks();

describe("RemoteCommand", () => {
  it("registers its connection and commands, keeps the key and stdin secret, and carries customTimeouts", async () => {
    const { RemoteCommand } = await import("./remote-command");
    new RemoteCommand(
      "node-a-wait",
      {
        connection: {
          host: "192.168.1.11",
          port: 22,
          user: "hearth",
          privateKey: "PRIVATE",
          hostKey: "ssh-ed25519 AAAA",
        },
        create: "echo hi",
        stdin: "token",
      },
      { customTimeouts: { create: "70m", update: "1h30m", delete: "45s" } },
    );
    new RemoteCommand("node-a-plain", {
      connection: {
        host: "192.168.1.11",
        port: 22,
        user: "hearth",
        privateKey: "PRIVATE",
        hostKey: "ssh-ed25519 AAAA",
      },
      create: "true",
    });
    await settle();
    const wait = find("hearth:ssh:RemoteCommand", "node-a-wait");
    expect(reveal(wait.inputs.timeouts)).toEqual({ create: 4200, update: 5400, delete: 45 });
    expect(isSecretInput(wait, "connection.privateKey")).toBe(true);
    expect(isSecretInput(wait, "stdin")).toBe(true);
    expect(isSecretInput(wait, "connection.host")).toBe(false);
    // Without customTimeouts nothing is sent: the provider's default applies and older state sees no change.
    expect(find("hearth:ssh:RemoteCommand", "node-a-plain").inputs.timeouts).toBeUndefined();
  });
});

describe("durationSeconds", () => {
  it.each([
    ["90s", 90],
    ["10m", 600],
    ["1h30m", 5400],
    ["2h", 7200],
    ["1.5h", 5400],
  ])("reads %s", async (text, seconds) => {
    const { durationSeconds } = await import("./remote-command");
    expect(durationSeconds(text)).toBe(seconds);
  });

  it.each(["", "ten minutes", "10", "5d"])("ignores %j", async (text) => {
    const { durationSeconds } = await import("./remote-command");
    expect(durationSeconds(text)).toBeUndefined();
  });
});
