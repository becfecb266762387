/**
 * The checks run on a machine's install spec (spec.ts): every problem by field, for config validation, and the
 * one error the renderers throw.
 */
import { DNS_LABEL_PATTERN, isDnsLabel, isHostIn, isIpv4, isMac, parseCidr } from "../net";
import { InstallSpec, installerOf, isOpenSshPrivateKey } from "./spec";

/** A DNS name: labels joined by dots (a single label is one). */
const DOMAIN = new RegExp(`^(${DNS_LABEL_PATTERN}\\.)*${DNS_LABEL_PATTERN}$`);
const DISK = /^\/dev\/[A-Za-z0-9._:/+-]+$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const AUTHORIZED_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;
const ED25519_PUBLIC = /^ssh-ed25519 [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;
const TIMEZONE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;
const PACKAGE = /^@?\^?[A-Za-z0-9][A-Za-z0-9+._-]*$/;
const MIRROR_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;
const MIRROR_DIR = /^\/[A-Za-z0-9._~/-]*$/;
const HTTP_URL = /^http:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~%/+-]*)?$/;
// No user:password@: the proxy URL reaches the iPXE script (served to anyone on the LAN), the installers' command
// lines and the image build's environment on the controller (ps), and Pulumi's state in plain text.
const PROXY_URL = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/;
const CONSOLE = /^tty[A-Za-z0-9]+(,\d+([noe]\d?)?)?$/;
const LOCALE = /^[a-z]{2,3}_[A-Z]{2}\.UTF-8$/;
const KEYBOARD = /^[a-z]{2,}([_-][a-z0-9]+)*$/;

// What "not a host address" means, for the operator.
const NOT_A_HOST = " (inside it, neither its network nor its broadcast address)";

/** One problem of an install spec: the spec's field (`ip`, `mirrors.fedora`, `authorizedKeys[0]`) and what. */
export interface InstallSpecProblem {
  field: string;
  message: string;
}

/**
 * Every problem of a node's install spec, by field; config validation runs this on each node the PXE
 * controller would install. The private key is checked only when it is a plain string (renderers get it
 * unwrapped); fields in `skip` are not checked.
 */
export function installSpecProblems(
  node: InstallSpec<unknown>,
  skip: string[] = [],
): InstallSpecProblem[] {
  const problems: InstallSpecProblem[] = [];
  const bad = (field: string, message: string) => problems.push({ field, message });

  if (!isDnsLabel(node.name)) {
    bad(
      "name",
      "use lowercase letters, digits and hyphens (a host name label, at most 63 characters)",
    );
  }
  if (!isMac(node.mac)) {
    bad(
      "mac",
      `"${node.mac}" is not a MAC address in lowercase colon form, e.g. 52:54:00:12:34:56`,
    );
  }
  let cidrOk = true;
  try {
    parseCidr(node.network.cidr);
  } catch (e) {
    cidrOk = false;
    bad("network.cidr", (e as Error).message);
  }
  if (cidrOk && !isHostIn(node.network.cidr, node.network.gateway)) {
    bad(
      "network.gateway",
      `"${node.network.gateway}" is not a host address in ${node.network.cidr}${NOT_A_HOST}`,
    );
  }
  if (node.ip !== undefined) {
    if (cidrOk && !isHostIn(node.network.cidr, node.ip)) {
      bad("ip", `"${node.ip}" is not a host address in ${node.network.cidr}${NOT_A_HOST}`);
    }
    if (node.network.dns.length === 0) {
      bad("network.dns", "a static address needs at least one name server");
    }
  }
  for (const dns of node.network.dns) {
    if (!isIpv4(dns)) bad("network.dns", `"${dns}" is not an IPv4 address`);
  }
  if (node.domain !== undefined && !DOMAIN.test(node.domain)) {
    bad("domain", `"${node.domain}" is not a DNS domain in lowercase, e.g. home.arpa`);
  }
  const installer = installerOf(node);
  if (!["image", "debian-installer", "kickstart"].includes(installer)) {
    bad("installer", `"${installer}" is not one of image, debian-installer, kickstart`);
  } else if (installer === "kickstart" && node.os !== "fedora") {
    bad("installer", "kickstart installs Fedora; use image or debian-installer for Debian");
  } else if (installer !== "kickstart" && node.os !== "debian") {
    bad("installer", `${installer} installs Debian; use kickstart for Fedora`);
  } else if (installer === "image" && node.arch !== "amd64") {
    bad(
      "installer",
      "the image installer is proven on amd64 only so far; use installer: debian-installer for arm64",
    );
  }
  if (node.reinstall !== undefined && !/^[A-Za-z0-9._:-]{1,64}$/.test(node.reinstall)) {
    bad(
      "reinstall",
      "use up to 64 letters, digits, dots, colons, hyphens or underscores, e.g. 2026-12-01",
    );
  }
  if (!DISK.test(node.disk)) {
    bad("disk", `"${node.disk}" must be a device path under /dev/, e.g. /dev/sda or /dev/nvme0n1`);
  }
  if (!USER.test(node.sshUser) || node.sshUser === "root") {
    bad("sshUser", `"${node.sshUser}" must be a lowercase login name other than root`);
  }
  if (node.authorizedKeys.length === 0) {
    bad(
      "authorizedKeys",
      "give at least one SSH public key, or nobody can log in after the install",
    );
  }
  node.authorizedKeys.forEach((key, i) => {
    if (!AUTHORIZED_KEY.test(key)) {
      bad(
        `authorizedKeys[${i}]`,
        "expected one OpenSSH public key line, e.g. ssh-ed25519 AAAA... me@laptop",
      );
    }
  });
  if (!skip.includes("hostKey.publicKey") && !ED25519_PUBLIC.test(node.hostKey.publicKey)) {
    bad("hostKey.publicKey", "expected an ssh-ed25519 public key line");
  }
  if (
    typeof node.hostKey.privateKey === "string" &&
    !isOpenSshPrivateKey(node.hostKey.privateKey)
  ) {
    bad(
      "hostKey.privateKey",
      "expected an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----)",
    );
  }
  if (!TIMEZONE.test(node.timezone)) {
    bad("timezone", `"${node.timezone}" is not an IANA time zone name, e.g. Europe/Paris`);
  }
  for (const pkg of node.packages) {
    if (!PACKAGE.test(pkg)) bad("packages", `"${pkg}" is not a package name`);
  }
  if (!MIRROR_HOST.test(node.mirrors.debian.host)) {
    bad(
      "mirrors.debian.host",
      `"${node.mirrors.debian.host}" must be a bare host name, e.g. deb.debian.org`,
    );
  }
  if (!MIRROR_DIR.test(node.mirrors.debian.directory)) {
    bad(
      "mirrors.debian.directory",
      `"${node.mirrors.debian.directory}" must be a path, e.g. /debian`,
    );
  }
  if (!HTTP_URL.test(node.mirrors.fedora)) {
    bad(
      "mirrors.fedora",
      `"${node.mirrors.fedora}" must be a plain http:// URL: iPXE fetches the kernel from it and has no TLS (host, port and path only; no query, user or fragment)`,
    );
  }
  if (node.reportUrl !== undefined && !HTTP_URL.test(node.reportUrl)) {
    bad("reportUrl", `"${node.reportUrl}" must be a plain http:// URL on the controller`);
  }
  if (node.proxy !== undefined && !PROXY_URL.test(node.proxy)) {
    bad(
      "proxy",
      /^[a-z]+:\/\/[^/]*@/.test(node.proxy)
        ? "carries a user and password, which would be served in the nodes' iPXE scripts, shown in the controller's process list and kept in Pulumi's state in plain text; use a proxy that needs no login on the home network (apt-cacher-ng needs none)"
        : `"${node.proxy}" must be a proxy URL such as http://proxy.lan:3128/`,
    );
  }
  if (node.serialConsole !== undefined && !CONSOLE.test(node.serialConsole)) {
    bad("serialConsole", `"${node.serialConsole}" must look like ttyS0,115200n8`);
  }
  if (node.locale !== undefined && !LOCALE.test(node.locale)) {
    bad("locale", `"${node.locale}" must be a UTF-8 locale such as en_US.UTF-8`);
  }
  if (node.keyboard !== undefined && !KEYBOARD.test(node.keyboard)) {
    bad("keyboard", `"${node.keyboard}" must be a keyboard layout such as us or de`);
  }
  return problems;
}

/**
 * Checks a node's install spec and throws one error listing every problem, each naming the node and field.
 * The private key is checked only when it is a plain string (renderers get it unwrapped).
 */
export function validateInstallSpec(node: InstallSpec<unknown>, skip: string[] = []): void {
  const problems = installSpecProblems(node, skip).map((p) => `${p.field}: ${p.message}`);
  if (problems.length > 0) {
    throw new Error(
      `metal node "${node.name}" cannot be installed:\n  - ${problems.join("\n  - ")}`,
    );
  }
}
