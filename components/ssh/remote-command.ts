import * as pulumi from "@pulumi/pulumi";
import type { SshConnection } from "../types";

/** Which output streams go to the Pulumi log; a stream kept out is also left out of error messages. */
export type CommandLogging = "stdout" | "stderr" | "stdoutAndStderr" | "none";

/** Where a remote command runs: an `SshConnection` plus how long to keep dialling a booting host. */
export interface RemoteConnection extends SshConnection {
  /** Seconds to keep dialling while the host is unreachable (booting, sshd not up yet). @default 300 */
  dialTimeoutSeconds?: pulumi.Input<number>;
}

/** Arguments of `RemoteCommand`. */
export interface RemoteCommandArgs {
  /** The host, with its pinned host key: there is no unpinned mode. The private key is sent as a secret. */
  connection: RemoteConnection;
  /** Runs when the resource is created, and again whenever it is replaced. */
  create: pulumi.Input<string>;
  /**
   * Runs instead of a replacement when `create`, `stdin`, `environment` or a trigger change, so a new run never
   * sits beside an old `delete` that would undo it. @default none: such a change replaces
   */
  update?: pulumi.Input<string>;
  /** Runs when the resource is deleted (or before its replacement is created). @default none */
  delete?: pulumi.Input<string>;
  /**
   * Prints what `stdin` put in place, so `pulumi refresh` reports drift (lines added or removed by hand) and the
   * next `up` re-runs `update`. It must print nothing secret: refresh logs the lines that differ. @default none:
   * refresh reads nothing back
   */
  read?: pulumi.Input<string>;
  /** Written to the command's standard input; always kept secret and never logged. @default none */
  stdin?: pulumi.Input<string>;
  /** Sent as SSH environment requests (the server's `AcceptEnv` decides); kept secret. @default none */
  environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Any change of these values re-runs the command: `update` when given, else `create` by replacement. @default [] */
  triggers?: pulumi.Input<unknown[]>;
  /** Streams shown in the Pulumi log, line by line as they arrive. @default "stdoutAndStderr" */
  logging?: CommandLogging;
}

/**
 * A command run over SSH by Hearth's own provider plugin (`provider/`): the host key is checked before
 * authenticating, each output line reaches the Pulumi log under this resource as it is printed, and the
 * private key, stdin and environment are secrets in state.
 */
export class RemoteCommand extends pulumi.CustomResource {
  /** What the last run printed on standard output. */
  declare readonly stdout: pulumi.Output<string>;
  /** What the last run printed on standard error. */
  declare readonly stderr: pulumi.Output<string>;

  constructor(name: string, args: RemoteCommandArgs, opts?: pulumi.CustomResourceOptions) {
    const c = args.connection;
    // Only the key is secret: the host, user and pinned key stay readable in previews and state.
    const connection = {
      host: c.host,
      port: c.port,
      user: c.user,
      hostKey: c.hostKey,
      dialTimeoutSeconds: c.dialTimeoutSeconds,
      privateKey: pulumi.secret(c.privateKey),
    };
    super(
      "hearth:ssh:RemoteCommand",
      name,
      {
        connection,
        create: args.create,
        update: args.update,
        delete: args.delete,
        read: args.read,
        stdin: args.stdin === undefined ? undefined : pulumi.secret(args.stdin),
        environment: args.environment === undefined ? undefined : pulumi.secret(args.environment),
        triggers: args.triggers,
        logging: args.logging,
        // The engine sends customTimeouts to a provider, but the Node provider SDK drops them before our
        // handlers: they travel as an input instead, and the provider stops a command that runs past them.
        timeouts: timeoutsOf(opts?.customTimeouts),
        stdout: undefined,
        stderr: undefined,
      },
      opts,
    );
  }
}

/** A Go duration as `customTimeouts` takes it (`90s`, `10m`, `1h30m`) in seconds; undefined when unreadable. */
export function durationSeconds(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const parts = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(
    text.trim(),
  );
  if (!parts || parts[0] === "") return undefined;
  const [h, m, sec] = parts.slice(1).map((p) => Number(p ?? 0));
  return Math.round(h * 3600 + m * 60 + sec);
}

/** The per-command limits of a resource's `customTimeouts`, in seconds; undefined when it sets none. */
export function timeoutsOf(
  t: pulumi.CustomTimeouts | undefined,
): { create?: number; update?: number; delete?: number } | undefined {
  if (!t) return undefined;
  const out = Object.fromEntries(
    (["create", "update", "delete"] as const)
      .map((k) => [k, durationSeconds(t[k])] as const)
      .filter(([, v]) => v !== undefined),
  );
  return Object.keys(out).length > 0 ? out : undefined;
}
