/**
 * The one shell module: quoting, running a script as root, and the pieces the remote commands of every layer
 * (metal, k3s) are built from. Before writing a quoting function or a sudo wrapper, use what is here.
 */
import { createHash } from "crypto";

/** Quotes a string for POSIX sh as one word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A line that leaves `$hearth_root` empty for root and sets it to `sudo -n` otherwise: a command that starts
 * with `$hearth_root` then runs as root (asRoot's sh spelling, and the node wait's `python3 -`).
 */
export const HEARTH_ROOT =
  'if [ "$(id -u)" -eq 0 ]; then hearth_root=; else hearth_root="sudo -n"; fi';

/** The interpreter of a script run by `asRoot`: POSIX sh, or bash for scripts that need it (pipefail, local). */
export type ScriptShell = "sh" | "bash";

/**
 * Wraps a script so it runs as root: directly when the SSH user is root, through `sudo -n` otherwise (never a
 * password prompt: a login without password-less sudo fails at once). Standard input passes through to the
 * script, so a file's content or a join token can come from the command's `stdin`, and the exit status is the
 * script's.
 *
 * Each interpreter keeps the spelling it had when it was two helpers (metal's `sh`, k3s's `bash`): the command
 * text is a `RemoteCommand` input in every running home's state, and a new spelling would re-run or replace
 * those commands on the next `up` (the k3s kubeconfig read among them, which leaves the Kubernetes provider's
 * config unknown in that preview). Both spellings behave alike (shell.test.ts runs them).
 */
export function asRoot(script: string, shell: ScriptShell = "sh"): string {
  if (shell === "bash")
    return `S=; [ "$(id -u)" -eq 0 ] || S="sudo -n"; exec $S bash -c ${shellQuote(script)}`;
  return [HEARTH_ROOT, `$hearth_root sh -c ${shellQuote(script)}`].join("\n");
}

/** Hex SHA-256 of a text, used as a command's trigger so it re-runs only when its content changes. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** How `installFromStdinScript` places a file. */
export interface StdinFile {
  /** Absolute path of the file. */
  path: string;
  /** Octal mode, e.g. `0600`. */
  mode: string;
  /** `user[:group]` to own it. @default root */
  owner?: string;
  /** Shell run after the file changed (e.g. a service restart). @default nothing */
  onChange?: string;
}

/**
 * A root script that reads the file's content from standard input and swaps it in atomically, only when it
 * differs, so the file never appears half-written or with looser permissions than `mode`.
 */
export function installFromStdinScript(file: StdinFile): string {
  const path = shellQuote(file.path);
  const owner = shellQuote(file.owner ?? "root");
  return asRoot(
    [
      "set -eu",
      "umask 077",
      `dir=$(dirname ${path})`,
      `[ -d "$dir" ] || install -d -m 0755 "$dir"`,
      `tmp=$(mktemp ${shellQuote(`${file.path}.XXXXXX`)})`,
      `trap 'rm -f "$tmp"' EXIT`,
      `cat > "$tmp"`,
      `chown ${owner} "$tmp"`,
      `chmod ${file.mode} "$tmp"`,
      `if cmp -s "$tmp" ${path} && [ "$(stat -c %a:%U ${path})" = "$(stat -c %a:%U "$tmp")" ]; then exit 0; fi`,
      `mv -f "$tmp" ${path}`,
      ...(file.onChange ? [file.onChange] : []),
    ].join("\n"),
  );
}
