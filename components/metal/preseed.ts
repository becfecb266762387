/** Renders a Debian 12 preseed: an unattended install that ends with the pinned host key and SSH keys. */
import { parseCidr } from "../net";
import { renderPostInstallScript } from "./post-install";
import { DEBIAN_SUITE, DEFAULT_KEYBOARD, DEFAULT_LOCALE, InstallSpec } from "./spec";
import { validateInstallSpec } from "./spec-checks";

/** One debconf answer: `owner question type value`, the format `debconf-set-selections` reads. */
type Answer = [owner: string, question: string, type: string, value: string];

const d = (question: string, type: string, value: string): Answer => ["d-i", question, type, value];

/** Packages every Hearth node needs on top of the `standard` and `ssh-server` tasks. */
const BASE_PACKAGES = ["openssh-server", "sudo", "ca-certificates", "curl"];

/** Network answers; with a static address they repeat the boot parameters and add every name server. */
function networkAnswers(node: InstallSpec): Answer[] {
  const answers = [
    d("netcfg/hostname", "string", node.name),
    d("netcfg/get_hostname", "string", node.name),
    d("netcfg/get_domain", "string", node.domain ?? ""),
  ];
  if (node.ip === undefined) return answers;
  const net = parseCidr(node.network.cidr);
  return [
    ...answers,
    d("netcfg/disable_autoconfig", "boolean", "true"),
    d("netcfg/get_ipaddress", "string", node.ip),
    d("netcfg/get_netmask", "string", net.netmask),
    d("netcfg/get_gateway", "string", node.network.gateway),
    d("netcfg/get_nameservers", "string", node.network.dns.join(" ")),
    d("netcfg/confirm_static", "boolean", "true"),
  ];
}

/** Wipes the whole disk and lays out the `atomic` recipe (one root file system) without a question. */
function partitionAnswers(disk: string): Answer[] {
  return [
    d("partman-auto/disk", "string", disk),
    d("partman-auto/method", "string", "regular"),
    d("partman-lvm/device_remove_lvm", "boolean", "true"),
    d("partman-md/device_remove_md", "boolean", "true"),
    d("partman-lvm/confirm", "boolean", "true"),
    d("partman-lvm/confirm_nooverwrite", "boolean", "true"),
    d("partman-auto/choose_recipe", "select", "atomic"),
    d("partman-partitioning/confirm_write_new_label", "boolean", "true"),
    d("partman/choose_partition", "select", "finish"),
    d("partman/confirm", "boolean", "true"),
    d("partman/confirm_nooverwrite", "boolean", "true"),
    d("partman-efi/non_efi_system", "boolean", "true"),
  ];
}

/**
 * The late command: the post-install script travels base64-encoded, so neither debconf nor the shell ever
 * sees a quote or newline of the keys, and runs inside /target with the target's own base64 and sh. When it
 * succeeded and the node has a `reportUrl`, the installer requests that URL.
 */
export function lateCommand(node: InstallSpec): string {
  const script = renderPostInstallScript(node, {
    authorizedKeys: true,
    resolvConf: true,
    restorecon: false,
  });
  const encoded = Buffer.from(script, "utf8").toString("base64");
  const run =
    `in-target sh -c 'echo ${encoded} | base64 -d > /root/hearth-post-install.sh && ` +
    `sh /root/hearth-post-install.sh; rc=$?; rm -f /root/hearth-post-install.sh; exit $rc'`;
  // The installer's own busybox wget tells the controller the install ended; a failed request changes nothing.
  return node.reportUrl ? `${run} && { wget -q -O /dev/null ${node.reportUrl} || true; }` : run;
}

/**
 * Renders the preseed for one node. Every line is `owner question type value`, so the file passes
 * `debconf-set-selections --checkonly`. The file holds the host private key: serve it to that node only.
 */
export function renderPreseed(node: InstallSpec): string {
  validateInstallSpec(node);
  if (node.os !== "debian") {
    throw new Error(
      `metal node "${node.name}": a preseed is for Debian, but the node's os is ${node.os}`,
    );
  }
  const packages = [...new Set([...BASE_PACKAGES, ...node.packages])];
  const answers: Answer[] = [
    d("debian-installer/locale", "string", node.locale ?? DEFAULT_LOCALE),
    d("keyboard-configuration/xkb-keymap", "select", node.keyboard ?? DEFAULT_KEYBOARD),
    ...networkAnswers(node),
    d("hw-detect/load_firmware", "boolean", "true"),
    d("mirror/country", "string", "manual"),
    d("mirror/http/hostname", "string", node.mirrors.debian.host),
    d("mirror/http/directory", "string", node.mirrors.debian.directory),
    d("mirror/http/proxy", "string", node.proxy ?? ""),
    d("mirror/suite", "string", DEBIAN_SUITE),
    d("clock-setup/utc", "boolean", "true"),
    d("time/zone", "string", node.timezone),
    d("clock-setup/ntp", "boolean", "true"),
    d("passwd/root-login", "boolean", "false"),
    d("passwd/make-user", "boolean", "true"),
    d("passwd/user-fullname", "string", "Hearth"),
    d("passwd/username", "string", node.sshUser),
    // "!" locks the password: the user logs in with SSH keys only and sudo needs none.
    d("passwd/user-password-crypted", "password", "!"),
    ...partitionAnswers(node.disk),
    d("apt-setup/non-free-firmware", "boolean", "true"),
    d("apt-setup/services-select", "multiselect", "security, updates"),
    ["tasksel", "tasksel/first", "multiselect", "standard, ssh-server"],
    d("pkgsel/include", "string", packages.join(" ")),
    d("pkgsel/upgrade", "select", "safe-upgrade"),
    ["popularity-contest", "popularity-contest/participate", "boolean", "false"],
    d("grub-installer/only_debian", "boolean", "true"),
    d("grub-installer/with_other_os", "boolean", "false"),
    d("grub-installer/bootdev", "string", node.disk),
    d("preseed/late_command", "string", lateCommand(node)),
    d("finish-install/reboot_in_progress", "note", ""),
  ];
  return [
    `# Hearth preseed for ${node.name} (${node.mac}): Debian 12, disk ${node.disk} is wiped.`,
    "# Generated by Pulumi; local edits are overwritten. Holds the host private key.",
    ...answers.map((a) => a.join(" ").trimEnd()),
    "",
  ].join("\n");
}
