/**
 * Renders the cloud-init user-data a cloud server boots with: a pinned SSH host key (so the first SSH
 * connection is verified, never trusted on first use), key-only login for one admin user, time zone and
 * packages.
 */
import { isDnsLabel } from "../net";

/** The host key pair a server must present; the private half is a secret. */
export interface HostKeyPair {
  /** OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`), ed25519. */
  privateKey: string;
  /** Public key as `ssh-ed25519 AAAA...`. */
  publicKey: string;
}

/** What the server is told on first boot. */
export interface CloudInitOptions {
  hostname: string;
  hostKey: HostKeyPair;
  /** The one login account: key-only, passwordless sudo. */
  admin: { user: string; authorizedKeys: string[] };
  /** IANA time zone. @default "UTC" */
  timezone?: string;
  /** Packages installed on first boot. @default DEFAULT_PACKAGES */
  packages?: string[];
  /** Upgrade installed packages on first boot, so a fresh image starts patched. @default true */
  upgradePackages?: boolean;
}

/** Packages every node needs: the k3s installer uses curl, remote steps use sudo. */
export const DEFAULT_PACKAGES = ["ca-certificates", "curl", "sudo"];

const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const PACKAGE = /^[a-z0-9][a-z0-9+.-]*$/;
const TIMEZONE = /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/;

// sshd settings that must hold whatever the image ships: no passwords, no root.
const SSHD_HARDENING = `PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
`;

/** Cloud-init user-data (`#cloud-config`) for one server. */
export function renderCloudInit(opts: CloudInitOptions): string {
  assertCloudInitOptions(opts);
  const config = {
    hostname: opts.hostname,
    preserve_hostname: false,
    timezone: opts.timezone ?? "UTC",
    // Only the pinned ed25519 key: any other host key type could be offered first and fail the pin.
    // The image's keys are deleted; listing ed25519 alone generates nothing, since it is planted.
    ssh_deletekeys: true,
    ssh_genkeytypes: ["ed25519"],
    ssh_keys: {
      ed25519_private: ensureTrailingNewline(opts.hostKey.privateKey),
      ed25519_public: opts.hostKey.publicKey.trim(),
    },
    ssh_pwauth: false,
    disable_root: true,
    users: [
      {
        name: opts.admin.user,
        groups: ["sudo"],
        shell: "/bin/bash",
        lock_passwd: true,
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        ssh_authorized_keys: opts.admin.authorizedKeys.map((k) => k.trim()),
      },
    ],
    write_files: [
      {
        path: "/etc/ssh/sshd_config.d/10-hearth.conf",
        owner: "root:root",
        permissions: "0644",
        content: SSHD_HARDENING,
      },
    ],
    package_update: true,
    package_upgrade: opts.upgradePackages ?? true,
    packages: opts.packages ?? DEFAULT_PACKAGES,
    // sshd may have started before cloud-init wrote the keys and settings; reload to apply them.
    runcmd: [
      [
        "sh",
        "-c",
        "systemctl reload-or-restart ssh.service || systemctl reload-or-restart sshd.service",
      ],
    ],
  };
  return `#cloud-config\n${toYaml(config)}`;
}

/** What can be checked before the secret private key is known (and, in config validation, the host key). */
export type CloudInitCheck = Omit<CloudInitOptions, "hostKey"> & {
  hostKey?: { publicKey: string; privateKey?: string };
};

/** One option cloud-init would reject or that would lock us out, by field. */
export interface CloudInitProblem {
  field:
    | "hostname"
    | "admin.user"
    | "admin.authorizedKeys"
    | "hostKey.publicKey"
    | "hostKey.privateKey"
    | "timezone"
    | "packages";
  message: string;
}

/** Every option cloud-init would reject or that would lock us out; config validation runs this too. */
export function cloudInitProblems(opts: CloudInitCheck): CloudInitProblem[] {
  const where = `cloud-init for ${opts.hostname}`;
  const out: CloudInitProblem[] = [];
  const bad = (field: CloudInitProblem["field"], message: string) => out.push({ field, message });
  if (!isDnsLabel(opts.hostname)) {
    bad(
      "hostname",
      `${where}: "${opts.hostname}" is not a valid hostname (lowercase RFC 1123 label).`,
    );
  }
  if (!USER.test(opts.admin.user) || opts.admin.user === "root") {
    bad(
      "admin.user",
      `${where}: admin user "${opts.admin.user}" is not allowed; use a lowercase name other than root.`,
    );
  }
  if (opts.admin.authorizedKeys.length === 0) {
    bad(
      "admin.authorizedKeys",
      `${where}: the admin user has no authorized keys, so nobody could log in.`,
    );
  }
  for (const key of opts.admin.authorizedKeys) {
    if (
      !/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/.test(key.trim())
    ) {
      bad(
        "admin.authorizedKeys",
        `${where}: "${key.slice(0, 40)}" is not an OpenSSH public key line.`,
      );
    }
  }
  if (
    opts.hostKey !== undefined &&
    !/^ssh-ed25519 [A-Za-z0-9+/=]+( .*)?$/.test(opts.hostKey.publicKey.trim())
  ) {
    bad("hostKey.publicKey", `${where}: the host public key must be an ssh-ed25519 key line.`);
  }
  const privateKey = opts.hostKey?.privateKey;
  if (privateKey !== undefined && !privateKey.includes("-----BEGIN OPENSSH PRIVATE KEY-----")) {
    bad(
      "hostKey.privateKey",
      `${where}: the host private key is not in OpenSSH format; generate it with ` +
        `ssh-keygen -t ed25519 -N "" -f host_key.`,
    );
  }
  if (opts.timezone !== undefined && !TIMEZONE.test(opts.timezone)) {
    bad("timezone", `${where}: "${opts.timezone}" is not an IANA time zone such as Europe/Berlin.`);
  }
  for (const pkg of opts.packages ?? []) {
    if (!PACKAGE.test(pkg)) bad("packages", `${where}: "${pkg}" is not a package name.`);
  }
  return out;
}

/** Throws the first of `cloudInitProblems`, operator-facing. */
export function assertCloudInitOptions(opts: CloudInitCheck): void {
  const [first] = cloudInitProblems(opts);
  if (first) throw new Error(first.message);
}

function ensureTrailingNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

type Yaml = string | number | boolean | Yaml[] | { [key: string]: Yaml };

/**
 * A small YAML emitter for the shapes cloud-config uses: block mappings and sequences, literal blocks for
 * multi-line strings (keys stay readable) and JSON-style double quotes for every other string, which
 * YAML reads identically and which cannot be mistaken for a number, boolean or null.
 */
export function toYaml(value: Yaml, indent = 0): string {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]\n";
    return value.map((item) => `${pad}-${nested(item, indent + 2, true)}`).join("");
  }
  if (typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}\n";
    return entries.map(([k, v]) => `${pad}${yamlKey(k)}:${nested(v, indent + 2, false)}`).join("");
  }
  return `${scalar(value, indent)}\n`;
}

// Renders a value after `key:` or `-`: scalars inline, collections on following lines.
function nested(value: Yaml, indent: number, inSequence: boolean): string {
  if (Array.isArray(value) && value.length > 0) {
    // A sequence inside a sequence cannot start on the dash's line in block style; use flow style.
    if (inSequence) return ` [${value.map((v) => flowScalar(v)).join(", ")}]\n`;
    return `\n${toYaml(value, indent)}`;
  }
  if (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    if (inSequence) {
      // The first key shares the dash's line; the rest align under it.
      const body = toYaml(value, indent);
      return ` ${body.slice(indent)}`;
    }
    return `\n${toYaml(value, indent)}`;
  }
  return ` ${toYaml(value, indent)}`;
}

function flowScalar(value: Yaml): string {
  if (typeof value === "object")
    throw new Error("nested collections inside flow sequences are not supported");
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function scalar(value: string | number | boolean, indent: number): string {
  if (typeof value !== "string") return String(value);
  // Literal blocks only where they read back byte for byte: no tabs, CRs, trailing blanks, leading
  // spaces or runs of final newlines. Anything else is double-quoted, which is always exact.
  const literal =
    value.includes("\n") && !/[\t\r]|[ ]\n|[ ]$|\n\n$/.test(value) && !/^\n*[ ]/.test(value);
  if (!literal) return JSON.stringify(value);
  const chomp = value.endsWith("\n") ? "" : "-";
  const pad = " ".repeat(indent);
  const lines = value.replace(/\n$/, "").split("\n");
  return `|${chomp}\n${lines.map((line) => (line === "" ? "" : `${pad}${line}`)).join("\n")}`;
}

function yamlKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
}
