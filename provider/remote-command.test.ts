/**
 * Hearth's remote command against a real OpenSSH server on loopback: the pinned key is the only one
 * accepted, lines reach the log in order as they are printed, stdin is delivered and never logged or kept
 * in plain text, delete runs the delete command, dialling waits for a host that comes up late, and an
 * unchanged input changes nothing.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startSshd } from "../test/sshd";
import {
  dir,
  host,
  inputs,
  operator,
  other,
  recorder,
  sshd,
  URN,
} from "../test/remote-command-harness";
import { diffCommand, remoteCommandHandlers } from "./remote-command";
import { fingerprint, hostKeyBlob } from "./ssh-run";
import { isSecret, secret } from "./wire";

describe("RemoteCommand over a real sshd", () => {
  it("runs with the pinned key and streams each line, in order, to the resource's log", async () => {
    const log = recorder();
    const cmd = remoteCommandHandlers(log);
    const res = await cmd.create(
      URN,
      inputs({ create: "for i in 1 2 3; do echo out-$i; echo err-$i >&2; sleep 0.2; done" }),
    );
    const shown = log.lines.filter((l) => !l.ephemeral).map((l) => l.message);
    expect(shown).toEqual(["out-1", "err-1", "out-2", "err-2", "out-3", "err-3"]);
    expect(log.lines.every((l) => l.urn === URN)).toBe(true);
    expect(res.outs.stdout).toBe("out-1\nout-2\nout-3\n");
    expect(res.outs.stderr).toBe("err-1\nerr-2\nerr-3\n");
    expect(isSecret((res.outs.connection as Record<string, unknown>).privateKey)).toBe(true);
  });

  it("refuses another host key before authenticating, naming both fingerprints, and runs nothing", async () => {
    const marker = join(dir, "must-not-exist");
    const cmd = remoteCommandHandlers(recorder());
    const before = sshd.log().length;
    await expect(
      cmd.create(URN, inputs({ create: `touch ${marker}` }, other.publicKey)),
    ).rejects.toThrow(
      new RegExp(
        `node-a-prepare: 127\\.0\\.0\\.1:${sshd.port} answered with host key ` +
          `${escape(fingerprint(hostKeyBlob(host.publicKey)))}, but ` +
          `${escape(fingerprint(hostKeyBlob(other.publicKey)))} is pinned\\. Nothing was run`,
      ),
    );
    expect(existsSync(marker)).toBe(false);
    // sshd saw the connection end during key exchange: no user and no key was ever offered.
    await new Promise((r) => setTimeout(r, 200));
    const seen = sshd.log().slice(before);
    expect(seen).not.toMatch(/Accepted publickey|Failed publickey|Postponed publickey/);
  });

  it("writes stdin to the command, never logs it and keeps it secret in state", async () => {
    const canary = "canary-7f3a91c2-stdin";
    const file = join(dir, "from-stdin");
    const log = recorder();
    const res = await remoteCommandHandlers(log).create(
      URN,
      inputs({ create: `cat > ${file}; echo wrote`, stdin: secret(canary) }),
    );
    expect(readFileSync(file, "utf8")).toBe(canary);
    expect(JSON.stringify(log.lines)).not.toContain(canary);
    expect(isSecret(res.outs.stdin)).toBe(true);
    expect(res.outs.stdout).toBe("wrote\n");
  });

  it("runs the delete command on delete, with the connection kept in state", async () => {
    const file = join(dir, "deleted");
    const cmd = remoteCommandHandlers(recorder());
    const res = await cmd.create(URN, inputs({ delete: `echo gone > ${file}` }));
    expect(existsSync(file)).toBe(false);
    await cmd.delete(URN, res.outs);
    expect(readFileSync(file, "utf8")).toBe("gone\n");
  });

  it("fails with the command's last lines and exit code", async () => {
    const cmd = remoteCommandHandlers(recorder());
    await expect(
      cmd.create(URN, inputs({ create: "echo step one; echo broken >&2; exit 7" })),
    ).rejects.toThrow(
      /node-a-prepare: the create command exited with 7 on root@127\.0\.0\.1; its last lines:\nstep one\nbroken/,
    );
  });

  it("keeps a hidden stream out of the log and the error", async () => {
    const log = recorder();
    const cmd = remoteCommandHandlers(log);
    await expect(
      cmd.create(URN, inputs({ create: "echo top-secret; exit 1", logging: "stderr" })),
    ).rejects.toThrow(/its output is not logged/);
    expect(JSON.stringify(log.lines)).not.toContain("top-secret");
  });

  it("keeps dialling a host that comes up late, and says so in ephemeral lines", async () => {
    const port = await freePort();
    const log = recorder();
    const pending = remoteCommandHandlers(log).create(
      URN,
      inputs({ create: "echo up" }, host.publicKey, port),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const late = await startSshd({
      hostPrivateKey: host.privateKey,
      authorizedKeys: [operator.publicKey],
      port,
    });
    try {
      const res = await pending;
      expect(res.outs.stdout).toBe("up\n");
      expect(
        log.lines.some((l) => l.ephemeral && /waiting for SSH on 127\.0\.0\.1/.test(l.message)),
      ).toBe(true);
    } finally {
      late.stop();
    }
  });

  it("gives up dialling at the deadline, naming the address", async () => {
    const port = await freePort();
    await expect(
      remoteCommandHandlers(recorder()).create(URN, {
        ...inputs({}, host.publicKey, port),
        connection: { ...inputs({}, host.publicKey, port).connection, dialTimeoutSeconds: 2 },
      }),
    ).rejects.toThrow(
      new RegExp(`cannot reach root@127\\.0\\.0\\.1:${port} after \\d+ attempts: .*ECONNREFUSED`),
    );
  });

  it("updates with the update command only when a run input changed", async () => {
    const file = join(dir, "updated");
    const cmd = remoteCommandHandlers(recorder());
    const first = inputs({ create: "echo v1", update: `echo v2 > ${file}` });
    const res = await cmd.create(URN, first);
    const sameKeyNewDial = {
      ...first,
      connection: { ...first.connection, dialTimeoutSeconds: 9 },
    };
    await cmd.update(URN, res.outs, sameKeyNewDial);
    expect(existsSync(file)).toBe(false);
    await cmd.update(URN, res.outs, { ...first, create: "echo v1b" });
    expect(readFileSync(file, "utf8")).toBe("v2\n");
  });

  it("re-runs the update command, not a replacement, when a trigger changes", async () => {
    const file = join(dir, "triggered");
    const cmd = remoteCommandHandlers(recorder());
    const first = inputs({ create: "true", update: `echo again >> ${file}`, triggers: ["a"] });
    const res = await cmd.create(URN, first);
    const next = { ...first, triggers: ["b"] };
    expect(diffCommand(res.outs, next)).toEqual({ changes: true, replaces: [] });
    await cmd.update(URN, res.outs, next);
    expect(readFileSync(file, "utf8")).toBe("again\n");
  });

  it("reads back what stdin put in place: refresh logs a line added by hand, and the next update restores", async () => {
    const file = join(dir, "keys");
    const log = recorder();
    const cmd = remoteCommandHandlers(log);
    const write = `cat > ${file}`;
    const first = inputs({
      create: write,
      update: write,
      read: `cat ${file}`,
      stdin: secret("ssh-ed25519 AAAA one\nssh-ed25519 BBBB two\n"),
    });
    const res = await cmd.create(URN, first);
    // Unchanged: nothing recorded, nothing logged.
    expect(await cmd.read(URN, res.outs)).toEqual(res.outs);
    expect(log.lines.filter((l) => !l.ephemeral)).toEqual([]);

    appendFileSync(file, "ssh-ed25519 CCCC by-hand\n");
    const refreshed = await cmd.read(URN, res.outs);
    expect(refreshed.drift).toEqual({ extra: ["ssh-ed25519 CCCC by-hand"], missing: [] });
    const shown = log.lines.filter((l) => !l.ephemeral).map((l) => l.message);
    expect(shown[0]).toBe(
      "root@127.0.0.1 has a line Hearth did not put there: ssh-ed25519 CCCC by-hand",
    );
    // The next up sees a change, updates in place, and the file is what stdin says again.
    expect(diffCommand(refreshed, first)).toEqual({ changes: true, replaces: [] });
    const updated = await cmd.update(URN, refreshed, first);
    expect(readFileSync(file, "utf8")).toBe("ssh-ed25519 AAAA one\nssh-ed25519 BBBB two\n");
    expect(updated.outs.drift).toBeUndefined();
    expect(await cmd.read(URN, updated.outs)).toEqual(updated.outs);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
