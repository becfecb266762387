/**
 * What the bare-metal renderers and the PXE controller know about a machine. The checks run on it are in
 * spec-checks.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Arch } from "../types";

/** Operating systems the PXE controller installs: Debian 12 (bookworm) or a Fedora release tree. */
export type InstallOs = "debian" | "fedora";

/**
 * How a node is installed: `image` writes Hearth's Debian image from an in-memory installer (the default for
 * Debian), `debian-installer` runs Debian's own installer with a preseed, `kickstart` runs Fedora's Anaconda.
 */
export type Installer = "image" | "debian-installer" | "kickstart";

/** The installer a node gets when its config names none. */
export function defaultInstaller(os: InstallOs): Installer {
  return os === "debian" ? "image" : "kickstart";
}

/** SELinux mode a Fedora install boots into. */
export type SelinuxMode = "enforcing" | "permissive" | "disabled";

/** The LAN a node is installed on. */
export interface NetworkSpec {
  /** The LAN as an IPv4 CIDR, e.g. `192.168.1.0/24`. */
  cidr: string;
  /** Default gateway (usually the home router). */
  gateway: string;
  /** Name servers for a static address; ignored when the node uses DHCP. */
  dns: string[];
}

/** Where installers fetch the OS from. Both are plain HTTP: the iPXE Debian ships has no TLS. */
export interface MirrorSpec {
  /** A Debian mirror, e.g. host `deb.debian.org` and directory `/debian`. */
  debian: { host: string; directory: string };
  /**
   * A Fedora release tree up to, not including, the architecture, e.g.
   * `http://dl.fedoraproject.org/pub/fedora/linux/releases/42/Everything`; `/<x86_64|aarch64>/os` is appended.
   */
  fedora: string;
}

/** The node's SSH host key pair, generated before install so the first SSH connection is already pinned. */
export interface HostKeyPair<Secret = string> {
  /** OpenSSH private key text (`-----BEGIN OPENSSH PRIVATE KEY-----`); a secret at the Pulumi level. */
  privateKey: Secret;
  /** `ssh-ed25519 AAAA...`; what every later connection pins. */
  publicKey: string;
}

/** Everything the renderers need to install one machine. `Secret` is the private key's type. */
export interface InstallSpec<Secret = string> {
  /** Host name, an RFC 1123 label. */
  name: string;
  /** MAC address of the NIC that PXE boots, lowercase with colons. */
  mac: string;
  /** Static IPv4 address inside `network.cidr`; when absent the node takes its address from DHCP. */
  ip?: string;
  network: NetworkSpec;
  /** DNS domain of the host. @default none: the host has a bare name */
  domain?: string;
  /** Whole disk the OS is installed on and wiped, e.g. `/dev/sda` or `/dev/disk/by-id/...`. */
  disk: string;
  arch: Arch;
  os: InstallOs;
  /** How the node is installed. @default "image" for Debian, "kickstart" for Fedora */
  installer?: Installer;
  /**
   * Any text; changing it reinstalls a node that was installed before (with the image installer, which
   * otherwise never wipes a disk it installed itself). @default none
   */
  reinstall?: string;
  /** The one login user; it gets the authorized keys and password-less sudo, and has no password. */
  sshUser: string;
  authorizedKeys: string[];
  hostKey: HostKeyPair<Secret>;
  /** IANA time zone, e.g. `Europe/Paris`. */
  timezone: string;
  /** Extra packages installed with the OS. */
  packages: string[];
  /** SELinux mode (Fedora only; Debian does not enable SELinux). */
  selinux: SelinuxMode;
  /** Whether the controller sends a Wake-on-LAN packet to start the install. */
  wakeOnLan: boolean;
  mirrors: MirrorSpec;
  /** HTTP proxy URL the installer fetches packages through. @default none: direct */
  proxy?: string;
  /**
   * URL the installer requests once the install ended well (after the host key is planted); the controller's
   * HTTP log then shows the node rebooting into its new system. Only the request matters: the answer is a 404.
   * @default none: nothing is reported
   */
  reportUrl?: string;
  /** Serial console for the installer and the installed system, e.g. `ttyS0,115200n8`. @default none */
  serialConsole?: string;
  /** Installer and system locale. @default "en_US.UTF-8" */
  locale?: string;
  /** Console keyboard layout. @default "us" */
  keyboard?: string;
}

/** A node as the PXE controller takes it: the host private key may be a (secret) Pulumi Input. */
export type PxeNodeSpec = Omit<InstallSpec<pulumi.Input<string>>, "hostKey"> & {
  /** The node's key pair; a key generated in the same run is an Output, checked once it is known. */
  hostKey: { privateKey: pulumi.Input<string>; publicKey: pulumi.Input<string> };
};

/** Where the controller's HTTP server answers; every script and install file points there. */
export interface BootServer {
  /** Controller address on the LAN. */
  serverAddress: string;
  /** Port of the controller's HTTP server. */
  httpPort: number;
}

/** Default locale when a node names none. */
export const DEFAULT_LOCALE = "en_US.UTF-8";
/** Default keyboard layout when a node names none. */
export const DEFAULT_KEYBOARD = "us";

/** `aa:bb:cc:dd:ee:ff` -> `aa-bb-cc-dd-ee-ff`, the form iPXE's `${mac:hexhyp}` produces and files are named by. */
export function macFileStem(mac: string): string {
  return mac.replace(/:/g, "-");
}

/** The installer a node really gets: its own setting, or the default for its OS. */
export function installerOf(node: Pick<InstallSpec<unknown>, "os" | "installer">): Installer {
  return node.installer ?? defaultInstaller(node.os);
}

/**
 * File name of a node's install file under `nodes/`: the image installer's plan, the Debian preseed or the
 * Fedora kickstart.
 */
export function installFileName(
  node: Pick<InstallSpec<unknown>, "mac" | "os" | "installer">,
): string {
  const kind = installerOf(node);
  const ext = kind === "image" ? "plan" : kind === "debian-installer" ? "preseed" : "ks";
  return `${macFileStem(node.mac)}.${ext}`;
}

/** Base URL of the controller's HTTP server. */
export function serverUrl(server: BootServer): string {
  return `http://${server.serverAddress}:${server.httpPort}`;
}

/** The Debian release the preseed and the netboot images target. */
export const DEBIAN_SUITE = "bookworm";

/** Fedora's name for an architecture in its trees. */
export function fedoraArch(arch: Arch): string {
  return arch === "amd64" ? "x86_64" : "aarch64";
}

/** The Fedora install tree for one architecture (what `inst.repo` and the kickstart `url` point at). */
export function fedoraTree(node: Pick<InstallSpec<unknown>, "mirrors" | "arch">): string {
  return `${node.mirrors.fedora.replace(/\/+$/, "")}/${fedoraArch(node.arch)}/os`;
}

/** Whether text looks like an OpenSSH private key (the armour the installers write out verbatim). */
export function isOpenSshPrivateKey(text: string): boolean {
  const trimmed = text.trim();
  return (
    trimmed.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----") &&
    trimmed.endsWith("-----END OPENSSH PRIVATE KEY-----")
  );
}

/** The private key text with exactly one trailing newline, as OpenSSH writes (and requires) it. */
export function normalizedPrivateKey(text: string): string {
  return `${text.trim()}\n`;
}
