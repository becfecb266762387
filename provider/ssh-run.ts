/**
 * One command over SSH with a pinned host key, on the `ssh2` library: dial (retrying while the host boots),
 * refuse any host key but the pinned one before authenticating, write stdin, and hand every output line to
 * `onLine` as it arrives.
 */
import { createHash } from "node:crypto";
import { Client, type ClientChannel } from "ssh2";

/** How to reach the host. */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** OpenSSH or PEM private key. */
  privateKey: string;
  /** The host's public key, `<type> <base64>` as in known_hosts (a trailing comment is ignored). */
  hostKey: string;
  /** Seconds to keep dialling while the host is unreachable. */
  dialTimeoutSeconds: number;
  /**
   * Milliseconds between SSH keepalives once connected; after KEEPALIVE_COUNT_MAX unanswered ones the connection
   * counts as lost (a node that died or dropped off the network mid-command). @default KEEPALIVE_INTERVAL_MS
   */
  keepaliveIntervalMs?: number;
}

/** Keepalive every 15 s, and 4 unanswered mean the host is gone: a dead node fails its command in about a minute. */
export const KEEPALIVE_INTERVAL_MS = 15_000;
export const KEEPALIVE_COUNT_MAX = 4;

/** What to run. */
export interface SshCommand {
  command: string;
  stdin?: string;
  /** Sent as SSH environment requests; the server's `AcceptEnv` decides which it keeps. */
  environment?: Record<string, string>;
  /**
   * Seconds the command may run; past them the channel and connection are closed and the run fails naming the
   * limit. @default none: only a lost connection ends it
   */
  timeoutSeconds?: number;
}

/** What a finished command left. */
export interface SshResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The error for a host that answered with another key: never retried, nothing was run. */
export class HostKeyMismatch extends Error {
  constructor(
    readonly expected: string,
    readonly seen: string,
  ) {
    super(`host key mismatch: expected ${expected}, the host offered ${seen}`);
  }
}

/** OpenSSH's fingerprint of a public key blob: `SHA256:<base64 without padding>`. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The key blob of a `<type> <base64> [comment]` line; throws on anything else. */
export function hostKeyBlob(line: string): Buffer {
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2 || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1])) {
    throw new Error(`not an OpenSSH public key line ("<type> <base64>"): ${line.slice(0, 40)}`);
  }
  const blob = Buffer.from(parts[1], "base64");
  // The blob starts with its own type name; a key line whose parts disagree was pasted wrong.
  const typeLen = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  const type = typeLen > 0 ? blob.subarray(4, 4 + typeLen).toString("latin1") : "";
  if (type !== parts[0]) {
    throw new Error(
      `public key line says "${parts[0]}" but its key data is "${type || "unreadable"}"`,
    );
  }
  return blob;
}

/** Errors worth another dial: the host is booting, its sshd is not up yet, or the network is not. */
const RETRYABLE =
  /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN|Timed out while waiting for handshake|ENOTFOUND/;

function connectOnce(target: SshTarget, expected: Buffer): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let mismatch: HostKeyMismatch | undefined;
    client
      .on("ready", () => resolve(client))
      .on("error", (e) => {
        client.end();
        reject(mismatch ?? e);
      })
      .connect({
        host: target.host,
        port: target.port,
        username: target.user,
        privateKey: target.privateKey,
        readyTimeout: 20_000,
        keepaliveInterval: target.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: KEEPALIVE_COUNT_MAX,
        // Runs before authentication: a host with another key never sees our key, let alone a command.
        hostVerifier: (key: Buffer) => {
          if (key.equals(expected)) return true;
          mismatch = new HostKeyMismatch(fingerprint(expected), fingerprint(key));
          return false;
        },
      });
  });
}

/** Dials until connected, the deadline passes, or a non-retryable error (wrong key, wrong login). */
export async function connect(
  target: SshTarget,
  onWait: (message: string) => void,
): Promise<Client> {
  const expected = hostKeyBlob(target.hostKey);
  const deadline = Date.now() + target.dialTimeoutSeconds * 1000;
  let delay = 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(target, expected);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (
        e instanceof HostKeyMismatch ||
        !RETRYABLE.test(message) ||
        Date.now() + delay > deadline
      ) {
        if (e instanceof HostKeyMismatch) throw e;
        const waited = attempt > 1 ? ` after ${attempt} attempts` : "";
        throw new Error(
          `cannot reach ${target.user}@${target.host}:${target.port}${waited}: ${message}`,
        );
      }
      onWait(`waiting for SSH on ${target.host}:${target.port} (${message}); attempt ${attempt}`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

/** Splits a stream into lines and hands each complete line to `onLine`; `flush` hands over the rest. */
export function lineSplitter(onLine: (line: string) => void): {
  push: (chunk: Buffer | string) => void;
  flush: () => void;
} {
  let pending = "";
  return {
    push(chunk) {
      pending += chunk.toString();
      let i: number;
      while ((i = pending.indexOf("\n")) >= 0) {
        onLine(pending.slice(0, i).replace(/\r$/, ""));
        pending = pending.slice(i + 1);
      }
    },
    flush() {
      if (pending) onLine(pending);
      pending = "";
    },
  };
}

/** Runs one command on a connected client; lines go to `onLine` as they arrive. */
export function exec(
  client: Client,
  cmd: SshCommand,
  onLine: (stream: "stdout" | "stderr", line: string) => void,
): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      client.end();
      reject(e);
    };
    // A connection that dies mid-command (keepalives unanswered, a reset) ends the run instead of hanging it.
    const lost = (e?: Error) =>
      fail(
        new Error(
          `the SSH connection was lost while the command ran${e?.message ? ` (${e.message})` : ""}; ` +
            "the host may have gone down or off the network: check it, then run pulumi up again",
        ),
      );
    client.on("error", lost);
    client.on("close", () => lost());
    if (cmd.timeoutSeconds !== undefined && cmd.timeoutSeconds > 0) {
      timer = setTimeout(
        () =>
          fail(
            new Error(
              `the command did not finish within ${cmd.timeoutSeconds} s and was stopped; ` +
                "raise the resource's customTimeouts if it needs longer",
            ),
          ),
        cmd.timeoutSeconds * 1000,
      );
    }
    client.exec(
      cmd.command,
      { env: cmd.environment },
      (err: Error | undefined, ch: ClientChannel) => {
        if (err) return fail(err);
        const out: Buffer[] = [];
        const errs: Buffer[] = [];
        const so = lineSplitter((l) => onLine("stdout", l));
        const se = lineSplitter((l) => onLine("stderr", l));
        let exitCode: number | undefined;
        ch.on("data", (d: Buffer) => {
          out.push(d);
          so.push(d);
        });
        ch.stderr.on("data", (d: Buffer) => {
          errs.push(d);
          se.push(d);
        });
        ch.on("exit", (code: number | null, signal?: string) => {
          exitCode = code ?? (signal ? 128 : -1);
        });
        ch.on("close", () => {
          so.flush();
          se.flush();
          // A channel closed without an exit status went down with its connection.
          if (exitCode === undefined) return lost();
          if (settled) return;
          settled = true;
          if (timer) clearTimeout(timer);
          resolve({
            stdout: Buffer.concat(out).toString(),
            stderr: Buffer.concat(errs).toString(),
            exitCode,
          });
        });
        if (cmd.stdin !== undefined) ch.end(cmd.stdin);
        else ch.end();
      },
    );
  });
}

/** Connects, runs one command and disconnects. */
export async function runOverSsh(
  target: SshTarget,
  cmd: SshCommand,
  onLine: (stream: "stdout" | "stderr" | "dial", line: string) => void,
): Promise<SshResult> {
  const client = await connect(target, (m) => onLine("dial", m));
  try {
    return await exec(client, cmd, onLine);
  } finally {
    client.end();
  }
}
