/** Small shell-building helpers for the scripts remote commands run. */
import { createHash } from "crypto";

/** Quotes a string for POSIX sh as one word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Wraps a script so it runs as root: directly when the SSH user is root, through password-less sudo otherwise.
 * Standard input passes through, so a file's content can come from the command's `stdin`.
 */
export function asRoot(script: string): string {
  return [
    'if [ "$(id -u)" -eq 0 ]; then hearth_root=; else hearth_root="sudo -n"; fi',
    `$hearth_root sh -c ${shellQuote(script)}`,
  ].join("\n");
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
