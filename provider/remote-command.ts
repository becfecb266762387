/**
 * The `hearth:ssh:RemoteCommand` resource inside Hearth's provider plugin: create, update and delete
 * commands run over SSH with a mandatory pinned host key, stdin and environment, triggers that re-run it,
 * and every output line streamed to the engine's log for the resource.
 */
import { randomBytes } from "node:crypto";
import { HostKeyMismatch, hostKeyBlob, runOverSsh, SshResult, SshTarget } from "./ssh-run";
import {
  containsUnknown,
  isSecret,
  reveal,
  sameValue,
  secret,
  urnName,
  withoutUndefined,
} from "./wire";

/** Which output streams go to the Pulumi log; a stream kept out is also left out of error messages. */
export type CommandLogging = "stdout" | "stderr" | "stdoutAndStderr" | "none";

/** Inputs of a remote command, secrets revealed. */
export interface RemoteCommandInputs {
  connection: {
    host: string;
    port?: number;
    user: string;
    privateKey: string;
    hostKey: string;
    /** Seconds to keep dialling while the host boots. @default 300 */
    dialTimeoutSeconds?: number;
  };
  create: string;
  update?: string;
  delete?: string;
  /**
   * Prints what `stdin` put in place (e.g. the file it wrote), so `refresh` can see drift. Its output must hold no
   * secret: refresh logs the lines that differ from stdin.
   */
  read?: string;
  stdin?: string;
  environment?: Record<string, string>;
  triggers?: unknown[];
  logging?: CommandLogging;
  /**
   * Seconds each command may run, from the resource's `customTimeouts` (the provider SDK does not hand the
   * engine's own timeout to a Node provider). @default DEFAULT_COMMAND_TIMEOUT_SECONDS
   */
  timeouts?: { create?: number; update?: number; delete?: number };
}

/** How long a command may run when the resource sets no `customTimeouts`: an hour, then it fails. */
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 3600;

/** The time limit of one of a resource's commands; `read` (refresh) looks, so it gets five minutes. */
export function commandTimeoutSeconds(
  i: Pick<RemoteCommandInputs, "timeouts">,
  which: "create" | "update" | "delete" | "read",
): number {
  if (which === "read") return 300;
  const given = i.timeouts?.[which];
  return typeof given === "number" && given > 0 ? given : DEFAULT_COMMAND_TIMEOUT_SECONDS;
}

/** Where the provider sends a resource's progress. */
export interface CommandLog {
  info(urn: string, message: string, ephemeral?: boolean): void;
}

const LOGGING = ["stdout", "stderr", "stdoutAndStderr", "none"];
/** Inputs whose change re-runs the command (with `update` when given, else by replacement). */
const RUN_INPUTS = ["create", "update", "delete", "read", "stdin", "environment"] as const;
/** Where the command runs: another host is another resource. */
const TARGET_INPUTS = ["host", "port", "user", "hostKey"] as const;

/** Every problem with the inputs, each naming its property. Unknown values (previews) pass. */
export function checkCommand(raw: Record<string, unknown>): { property: string; reason: string }[] {
  const i = reveal(raw);
  const failures: { property: string; reason: string }[] = [];
  const need = (value: unknown, property: string, what: string, how = "") => {
    if (value === undefined || value === null || value === "") {
      failures.push({ property, reason: `${what} is required${how}` });
    }
  };
  const c = i.connection ?? {};
  need(i.connection, "connection", "connection");
  need(c.host, "connection.host", "the host");
  need(c.user, "connection.user", "the login user");
  need(c.privateKey, "connection.privateKey", "the private key (a secret)");
  need(
    c.hostKey,
    "connection.hostKey",
    "the pinned host key",
    ": there is no unpinned mode; give the host's `ssh-ed25519 AAAA...` line",
  );
  need(i.create, "create", "the create command");
  if (typeof c.hostKey === "string" && c.hostKey && !containsUnknown(c.hostKey)) {
    try {
      hostKeyBlob(c.hostKey);
    } catch (e) {
      failures.push({ property: "connection.hostKey", reason: (e as Error).message });
    }
  }
  if (i.logging !== undefined && !LOGGING.includes(i.logging)) {
    failures.push({ property: "logging", reason: `logging must be one of ${LOGGING.join(", ")}` });
  }
  if (c.port !== undefined && !containsUnknown(c.port) && !(c.port > 0 && c.port < 65536)) {
    failures.push({ property: "connection.port", reason: "port must be 1-65535" });
  }
  return failures;
}

/**
 * Replace when the target host or the pinned key changes, or when a run input or a trigger changes and there
 * is no update command; with one, those re-run it in place (a replacement would run the new `create`, then
 * the old `delete`, which may undo what the new one did). A new private key or dial timeout is stored
 * without running anything.
 */
export function diffCommand(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): { changes: boolean; replaces: string[] } {
  const o = reveal(olds) as RemoteCommandInputs;
  const n = reveal(news) as RemoteCommandInputs;
  const replaces: string[] = [];
  for (const k of TARGET_INPUTS) {
    if (!sameValue(o.connection?.[k] ?? defaultPort(k), n.connection?.[k] ?? defaultPort(k))) {
      replaces.push(`connection.${k}`);
    }
  }
  const runChanged: string[] = RUN_INPUTS.filter((k) => !sameValue(o[k], n[k]));
  if (!sameValue(o.triggers ?? [], n.triggers ?? [])) runChanged.push("triggers");
  // A refresh saw the host differ from what stdin put there: put it back.
  if ((o as { drift?: unknown }).drift !== undefined) runChanged.push("drift");
  if (!n.update) replaces.push(...runChanged);
  const other =
    !sameValue(o.connection?.privateKey, n.connection?.privateKey) ||
    !sameValue(o.connection?.dialTimeoutSeconds, n.connection?.dialTimeoutSeconds) ||
    !sameValue(o.logging, n.logging);
  return { changes: replaces.length > 0 || runChanged.length > 0 || other, replaces };
}

function defaultPort(k: string): number | undefined {
  return k === "port" ? 22 : undefined;
}

/** The state of a command: its inputs with every credential and the stdin wrapped as secrets. */
function stateOf(raw: Record<string, unknown>, result?: SshResult): Record<string, unknown> {
  // A connection sent whole as a secret is kept whole as one; otherwise its key alone is.
  const wholeSecret = isSecret(raw.connection);
  const connection = { ...(reveal(raw.connection) as Record<string, unknown>) };
  connection.privateKey = secret(connection.privateKey);
  const outs: Record<string, unknown> = {
    ...raw,
    connection: wholeSecret ? secret(connection) : connection,
  };
  if (raw.stdin !== undefined) outs.stdin = secret(raw.stdin);
  if (raw.environment !== undefined) outs.environment = secret(raw.environment);
  if (result) {
    outs.stdout = result.stdout;
    outs.stderr = result.stderr;
  }
  return withoutUndefined(outs);
}

function targetOf(i: RemoteCommandInputs): SshTarget {
  return {
    host: i.connection.host,
    port: i.connection.port ?? 22,
    user: i.connection.user,
    privateKey: i.connection.privateKey,
    hostKey: i.connection.hostKey,
    dialTimeoutSeconds: i.connection.dialTimeoutSeconds ?? 300,
  };
}

/** Runs one of the resource's commands, streaming lines, and fails with the tail of what it printed. */
export async function runCommand(
  urn: string,
  raw: Record<string, unknown>,
  which: "create" | "update" | "delete" | "read",
  log: CommandLog,
): Promise<SshResult> {
  const i = reveal(raw) as RemoteCommandInputs;
  const command = i[which] as string;
  const logging = i.logging ?? "stdoutAndStderr";
  const shows = (s: "stdout" | "stderr") => logging === "stdoutAndStderr" || logging === s;
  const node = urnName(urn);
  const target = targetOf(i);
  // The last lines shown, in the order they were printed, for the error message.
  const tail: string[] = [];
  let result: SshResult;
  try {
    result = await runOverSsh(
      target,
      {
        command,
        stdin: i.stdin,
        environment: i.environment,
        timeoutSeconds: commandTimeoutSeconds(i, which),
      },
      (stream, line) => {
        if (stream === "dial") log.info(urn, line, true);
        else if (shows(stream)) {
          log.info(urn, line);
          tail.push(line);
          if (tail.length > 20) tail.shift();
        }
      },
    );
  } catch (e) {
    if (e instanceof HostKeyMismatch) {
      throw new Error(
        `${node}: ${target.host}:${target.port} answered with host key ${e.seen}, but ${e.expected} is ` +
          "pinned. Nothing was run. If the machine was reinstalled on purpose, pin its new key; " +
          "otherwise find out who answers at that address.",
      );
    }
    throw new Error(`${node}: ${(e as Error).message}`);
  }
  if (result.exitCode !== 0) {
    const printed =
      tail.length > 0 ? `; its last lines:\n${tail.join("\n")}` : " (its output is not logged)";
    throw new Error(
      `${node}: the ${which} command exited with ${result.exitCode} on ` +
        `${target.user}@${target.host}${printed}`,
    );
  }
  return result;
}

/** The provider's handlers for `hearth:ssh:RemoteCommand`. */
export function remoteCommandHandlers(log: CommandLog) {
  return {
    check: (news: Record<string, unknown>) => checkCommand(news),
    diff: diffCommand,
    async create(urn: string, inputs: Record<string, unknown>) {
      const result = await runCommand(urn, inputs, "create", log);
      return { id: randomBytes(8).toString("hex"), outs: stateOf(inputs, result) };
    },
    async update(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
      const o = reveal(olds);
      const n = reveal(news);
      const rerun =
        RUN_INPUTS.some((k) => !sameValue(o[k], n[k])) ||
        !sameValue(o.triggers ?? [], n.triggers ?? []) ||
        o.drift !== undefined;
      if (!rerun || !n.update) {
        return {
          outs: stateOf(news, { stdout: o.stdout ?? "", stderr: o.stderr ?? "", exitCode: 0 }),
        };
      }
      return { outs: stateOf(news, await runCommand(urn, news, "update", log)) };
    },
    async delete(urn: string, props: Record<string, unknown>) {
      if (reveal(props).delete) await runCommand(urn, props, "delete", log);
    },
    read: (urn: string, props: Record<string, unknown>) => readCommand(urn, props, log),
  };
}

/** The lines of `text`, without the blank ones and trailing spaces, for an order-free comparison. */
function linesOf(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "");
}

/**
 * What `refresh` sees of a command with a `read`: it runs it and, when the output is not what stdin put in place,
 * logs the lines that differ and records them as `drift`, so the next `up` shows a change and re-runs `update`.
 * A command without `read` has nothing to read back: its state is the truth.
 */
export async function readCommand(
  urn: string,
  props: Record<string, unknown>,
  log: CommandLog,
): Promise<Record<string, unknown>> {
  const p = reveal(props) as RemoteCommandInputs;
  if (!p.read) return props;
  const seen = (await runCommand(urn, { ...props, logging: "none" }, "read", log)).stdout;
  const want = linesOf(p.stdin ?? "");
  const have = linesOf(seen);
  const extra = have.filter((l) => !want.includes(l));
  const missing = want.filter((l) => !have.includes(l));
  const rest = { ...props };
  delete rest.drift;
  if (extra.length === 0 && missing.length === 0) return rest;
  const where = `${p.connection.user}@${p.connection.host}`;
  for (const line of extra) log.info(urn, `${where} has a line Hearth did not put there: ${line}`);
  for (const line of missing) log.info(urn, `${where} lacks a line Hearth put there: ${line}`);
  log.info(urn, "the next `pulumi up` puts back what the configuration says");
  return { ...rest, drift: { extra, missing } };
}
