/**
 * What the metal components are given, built from the validated config in one place: `buildNodes` builds the
 * PXE controller and its nodes from these, and config validation runs the components' own checks on exactly
 * the same values, naming the key each field comes from. Pure: no Pulumi imports.
 */
import type { ControllerSettings } from "../components/metal/controller-checks";
import type { PxeNodeSpec } from "../components/metal/spec";
import type { HearthConfig, NodeConfig } from "./schema";

/** What a node's install spec is built from besides the node itself. */
export interface InstallContext {
  domain: string;
  timezone: string;
  network: NonNullable<HearthConfig["network"]>;
  pxe: NonNullable<HearthConfig["pxe"]>;
  ssh?: HearthConfig["ssh"];
}

/** The install spec of a node the PXE controller installs, all but its host key (made at run time). */
export function installSpecOf(n: NodeConfig, c: InstallContext): Omit<PxeNodeSpec, "hostKey"> {
  return {
    name: n.name,
    mac: n.mac,
    ip: n.dhcp ? undefined : n.ip,
    network: {
      cidr: c.network.cidr,
      gateway: c.network.gateway,
      dns: c.network.dns ?? [c.network.gateway],
    },
    domain: c.domain,
    disk: n.disk,
    arch: n.arch,
    os: n.os,
    ...(n.installer ? { installer: n.installer } : {}),
    ...(n.reinstall ? { reinstall: n.reinstall } : {}),
    sshUser: c.ssh?.user ?? "hearth",
    authorizedKeys: c.ssh?.authorizedKeys ?? [],
    timezone: c.timezone,
    packages: n.packages,
    selinux: n.selinux,
    wakeOnLan: n.wakeOnLan,
    mirrors: {
      debian: { host: c.pxe.debianMirror, directory: "/debian" },
      fedora: c.pxe.fedoraMirror,
    },
    proxy: c.pxe.proxy,
  };
}

// The config key each install spec field comes from; `node` fields are the node's own.
const INSTALL_SPEC_KEYS: Record<string, string> = {
  "network.cidr": "network.cidr",
  "network.gateway": "network.gateway",
  "network.dns": "network.dns",
  domain: "domain",
  sshUser: "ssh.user",
  authorizedKeys: "ssh.authorizedKeys",
  timezone: "timezone",
  "mirrors.debian.host": "pxe.debianMirror",
  "mirrors.fedora": "pxe.fedoraMirror",
  proxy: "pxe.proxy",
};
const NODE_FIELDS = ["name", "mac", "ip", "disk", "installer", "reinstall", "packages"];

/**
 * The key path (without `hearth:`) that an install spec field of node `i` comes from, e.g. `ip` ->
 * `nodes[2].ip`, `sshUser` -> `ssh.user`; undefined for fields config does not set.
 */
export function installSpecKey(field: string, i: number): string | undefined {
  if (NODE_FIELDS.includes(field)) return `nodes[${i}].${field}`;
  const key = /^authorizedKeys\[(\d+)\]$/.exec(field);
  if (key) return `ssh.authorizedKeys[${key[1]}]`;
  return INSTALL_SPEC_KEYS[field];
}

/** The PXE controller's own settings from hearth:pxe and hearth:network. */
export function controllerSettingsOf(
  pxe: NonNullable<HearthConfig["pxe"]>,
  network: NonNullable<HearthConfig["network"]>,
): ControllerSettings {
  return {
    serverAddress: pxe.address,
    network: network.cidr,
    interface: pxe.interface,
    httpPort: pxe.httpPort,
    rootDir: pxe.rootDir,
    installTimeoutMinutes: pxe.installTimeoutMinutes,
  };
}

/** The key path each controller setting comes from. */
export const CONTROLLER_SETTING_KEYS: Record<keyof ControllerSettings, string> = {
  serverAddress: "pxe.address",
  network: "network.cidr",
  interface: "pxe.interface",
  httpPort: "pxe.httpPort",
  rootDir: "pxe.rootDir",
  installTimeoutMinutes: "pxe.installTimeoutMinutes",
};
