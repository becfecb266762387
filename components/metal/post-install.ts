/** The shell script both installers run inside the new system: pinned host key, login user, sudo. */
import { shellQuote } from "../shell";
import { InstallSpec, normalizedPrivateKey } from "./spec";

/** What the post-install script does besides the host key. */
export interface PostInstallOptions {
  /** Write the user's authorized_keys. */
  authorizedKeys: boolean;
  /** Write /etc/resolv.conf with every name server (Debian's boot parameters can carry only one). */
  resolvConf: boolean;
  /** Relabel what was written (SELinux systems). */
  restorecon: boolean;
}

const KEY_PATH = "/etc/ssh/ssh_host_ed25519_key";

/**
 * Renders a POSIX shell script run as root inside the installed system. It replaces the ed25519 host key pair
 * with the pinned one and restricts sshd to it, so the first connection already matches the pinned key whatever
 * host key type a client prefers; and it gives the login user password-less sudo (the user has no password).
 */
export function renderPostInstallScript(node: InstallSpec, options: PostInstallOptions): string {
  const user = node.sshUser;
  const home = `/home/${user}`;
  const lines = [
    "#!/bin/sh",
    `# Hearth post-install for ${node.name}: pinned SSH host key, login user, sudo.`,
    "set -eu",
    "umask 077",
    "install -d -m 0755 /etc/ssh /etc/ssh/sshd_config.d",
    `cat > ${KEY_PATH} <<'HEARTH_HOST_KEY'`,
    normalizedPrivateKey(node.hostKey.privateKey).trimEnd(),
    "HEARTH_HOST_KEY",
    `printf '%s\\n' ${shellQuote(node.hostKey.publicKey.trim())} > ${KEY_PATH}.pub`,
    `chown root:root ${KEY_PATH} ${KEY_PATH}.pub`,
    `chmod 0600 ${KEY_PATH}`,
    `chmod 0644 ${KEY_PATH}.pub`,
    "# Offer only the pinned key: a client preferring another type would otherwise see a key it cannot check.",
    `printf '%s\\n' 'HostKey ${KEY_PATH}' > /etc/ssh/sshd_config.d/10-hearth-host-key.conf`,
    "chmod 0644 /etc/ssh/sshd_config.d/10-hearth-host-key.conf",
    "# The login user has no password, so sudo must not ask for one.",
    "install -d -m 0750 /etc/sudoers.d",
    `printf '%s\\n' ${shellQuote(`${user} ALL=(ALL) NOPASSWD: ALL`)} > /etc/sudoers.d/90-hearth`,
    "chmod 0440 /etc/sudoers.d/90-hearth",
  ];
  if (options.authorizedKeys) {
    lines.push(
      `install -d -m 0700 -o ${user} -g "$(id -gn ${user})" ${home}/.ssh`,
      `printf '%s\\n' ${node.authorizedKeys.map((k) => shellQuote(k.trim())).join(" ")} > ${home}/.ssh/authorized_keys`,
      `chown ${user}:"$(id -gn ${user})" ${home}/.ssh/authorized_keys`,
      `chmod 0600 ${home}/.ssh/authorized_keys`,
    );
  }
  if (options.resolvConf && node.ip !== undefined) {
    const resolv = [
      ...(node.domain ? [`search ${node.domain}`] : []),
      ...node.network.dns.map((d) => `nameserver ${d}`),
    ];
    lines.push(
      "rm -f /etc/resolv.conf",
      `printf '%s\\n' ${resolv.map(shellQuote).join(" ")} > /etc/resolv.conf`,
      "chmod 0644 /etc/resolv.conf",
    );
  }
  if (options.restorecon) {
    lines.push(
      `if command -v restorecon >/dev/null 2>&1; then restorecon -R /etc/ssh /etc/sudoers.d${options.authorizedKeys ? ` ${home}/.ssh` : ""}; fi`,
    );
  }
  lines.push("");
  return lines.join("\n");
}
