/**
 * Hearth's remote command against a real OpenSSH server when a command never ends or the host stops
 * answering: its customTimeouts stop it, every command has a default limit, and a connection gone silent
 * mid-command fails (keepalives unanswered) instead of hanging. The harness is test/remote-command-harness.ts.
 */
import { AddressInfo, connect as connectTcp, createServer, Socket } from "node:net";
import { host, inputs, operator, recorder, sshd, URN } from "../test/remote-command-harness";
import {
  commandTimeoutSeconds,
  DEFAULT_COMMAND_TIMEOUT_SECONDS,
  remoteCommandHandlers,
} from "./remote-command";
import { runOverSsh } from "./ssh-run";

describe("a command that never ends, on a host that stops answering", () => {
  it("stops a command past its customTimeouts, naming the limit", async () => {
    const cmd = remoteCommandHandlers(recorder());
    const started = Date.now();
    await expect(
      cmd.create(URN, inputs({ create: "sleep 30", timeouts: { create: 1 } })),
    ).rejects.toThrow(
      /did not finish within 1 s and was stopped; raise the resource's customTimeouts/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("has a default limit, and refresh's read gets five minutes", () => {
    expect(commandTimeoutSeconds({}, "create")).toBe(DEFAULT_COMMAND_TIMEOUT_SECONDS);
    expect(commandTimeoutSeconds({ timeouts: { update: 120 } }, "update")).toBe(120);
    expect(commandTimeoutSeconds({ timeouts: { update: 120 } }, "read")).toBe(300);
  });

  it("fails, instead of hanging, when the connection goes silent mid-command (keepalives unanswered)", async () => {
    // A TCP relay in front of the sshd that stops passing bytes once the command runs: a node that lost power
    // or its network, with no FIN or RST ever arriving.
    let frozen = false;
    const sockets: Socket[] = [];
    const relay = createServer((client) => {
      const upstream = connectTcp(sshd.port, "127.0.0.1");
      sockets.push(client, upstream);
      client.on("data", (d) => frozen || upstream.write(d));
      upstream.on("data", (d) => frozen || client.write(d));
      client.on("error", () => undefined);
      upstream.on("error", () => undefined);
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    const port = (relay.address() as AddressInfo).port;
    try {
      const started = Date.now();
      const run = runOverSsh(
        {
          host: "127.0.0.1",
          port,
          user: "root",
          privateKey: operator.privateKey,
          hostKey: host.publicKey,
          dialTimeoutSeconds: 5,
          keepaliveIntervalMs: 200,
        },
        { command: "echo started; sleep 60" },
        (_stream, line) => {
          if (line === "started") frozen = true;
        },
      );
      await expect(run).rejects.toThrow(/SSH connection was lost while the command ran/);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => relay.close(() => r()));
    }
  });
});
