/**
 * The login user's authorized keys on a node, kept equal to `hearth:ssh.authorizedKeys` plus the key Hearth
 * itself logs in with, so adding or removing a key in config grants or revokes access on the next `up`, and
 * Hearth can never lock itself out.
 */
import { utils } from "ssh2";
import { shellQuote } from "../shell";

/** The `<type> <base64>` public key line of an OpenSSH or PEM private key. */
export function publicKeyOf(privateKey: string): string {
  const parsed = utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error) throw new Error(`the SSH private key cannot be read: ${key.message}`);
  return `${key.type} ${key.getPublicSSH().toString("base64")}`;
}

/** The key part of a public key line (type and base64, without the comment). */
function keyOf(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(" ");
}

/** The authorized_keys text: the configured keys, then Hearth's own login key unless already listed. */
export function authorizedKeysFile(configured: string[], loginKey: string): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const line of [...configured, loginKey]) {
    if (seen.has(keyOf(line))) continue;
    seen.add(keyOf(line));
    lines.push(line.trim());
  }
  return lines.join("\n") + "\n";
}

/** Replaces the login user's authorized_keys atomically with the text on stdin (run as that user). */
export const INSTALL_AUTHORIZED_KEYS = [
  "set -eu",
  "umask 077",
  'mkdir -p "$HOME/.ssh"',
  'cat > "$HOME/.ssh/authorized_keys.hearth-new"',
  'mv "$HOME/.ssh/authorized_keys.hearth-new" "$HOME/.ssh/authorized_keys"',
].join("\n");

/** Prints the login user's authorized_keys, so `refresh` reports a key added or removed by hand. */
export const READ_AUTHORIZED_KEYS = 'cat "$HOME/.ssh/authorized_keys" 2>/dev/null || true';

/** What `destroy` leaves: only the key Hearth logged in with, as a freshly installed node has. */
export function restoreAuthorizedKeys(loginKey: string): string {
  return [
    "set -eu",
    "umask 077",
    'mkdir -p "$HOME/.ssh"',
    `printf '%s\\n' ${shellQuote(keyOf(loginKey))} > "$HOME/.ssh/authorized_keys.hearth-new"`,
    'mv "$HOME/.ssh/authorized_keys.hearth-new" "$HOME/.ssh/authorized_keys"',
  ].join("\n");
}
