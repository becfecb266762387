/** Renders the iPXE scripts: one entry script for every client, one install script per node. */
import { parseCidr } from "../net";
import {
  BootServer,
  DEBIAN_SUITE,
  DEFAULT_KEYBOARD,
  DEFAULT_LOCALE,
  InstallSpec,
  fedoraTree,
  installFileName,
  macFileStem,
  serverUrl,
} from "./spec";
import { validateInstallSpec } from "./spec-checks";

/** The fields of a node the boot script needs; the private key is not among them. */
export type BootNode = Omit<InstallSpec<unknown>, "hostKey">;

/**
 * The entry script every iPXE client fetches: it chains to the script named after the booting MAC, and boots
 * from the local disk when the controller has none (a machine that is not, or no longer, to be installed).
 */
export function renderBootScript(server: BootServer): string {
  const base = serverUrl(server);
  return [
    "#!ipxe",
    "# Hearth entry script: hand each machine the script named after its MAC.",
    `chain --autofree ${base}/nodes/\${mac:hexhyp}.ipxe || goto local`,
    ":local",
    "echo Hearth has no install for ${mac}, booting from the local disk",
    "exit",
    "",
  ].join("\n");
}

/** The URL of a node's install file (preseed or kickstart) on the controller. */
export function installFileUrl(node: Pick<BootNode, "mac" | "os">, server: BootServer): string {
  return `${serverUrl(server)}/nodes/${installFileName(node)}`;
}

/** The URL a node's installer requests when its install ended; the request in the HTTP log is the report. */
export function installedReportUrl(node: Pick<BootNode, "mac">, server: BootServer): string {
  return `${serverUrl(server)}/nodes/${macFileStem(node.mac)}.installed`;
}

/** Directory under the controller's HTTP root that holds Debian's netboot kernel and initrd for an architecture. */
export function debianInstallerDir(arch: BootNode["arch"]): string {
  return `debian-installer/${arch}`;
}

/**
 * Where Debian's netboot kernel and initrd live on the mirror for an architecture; the controller copies them
 * from there only when its own archive has no `debian-installer-12-netboot-<arch>` package.
 */
export function debianNetbootBase(node: Pick<BootNode, "mirrors" | "arch">): string {
  const { host, directory } = node.mirrors.debian;
  const dir = directory.replace(/\/+$/, "");
  return (
    `http://${host}${dir}/dists/${DEBIAN_SUITE}/main/installer-${node.arch}` +
    `/current/images/netboot/debian-installer/${node.arch}`
  );
}

/** Kernel parameters that bring the Debian installer's network up before it fetches the preseed. */
function debianNetworkParams(node: BootNode): string[] {
  const params = [`netcfg/hostname=${node.name}`];
  if (node.domain) params.push(`netcfg/get_domain=${node.domain}`);
  if (node.ip === undefined) return params;
  const net = parseCidr(node.network.cidr);
  return [
    ...params,
    "netcfg/disable_autoconfig=true",
    `netcfg/get_ipaddress=${node.ip}`,
    `netcfg/get_netmask=${net.netmask}`,
    `netcfg/get_gateway=${node.network.gateway}`,
    // A boot parameter cannot hold a space, so only the first name server goes here; the preseed lists all.
    `netcfg/get_nameservers=${node.network.dns[0]}`,
    "netcfg/confirm_static=true",
  ];
}

/** Kernel parameters passed on to the installed system (after `---` for Debian). */
function consoleParams(node: BootNode): string[] {
  return node.serialConsole ? [`console=${node.serialConsole}`] : [];
}

/** `BOOTIF` tells the installer which NIC booted, so it configures that one and not the first it finds. */
function bootIf(node: BootNode): string {
  return `BOOTIF=01-${macFileStem(node.mac)}`;
}

/** The per-node script: fetch the installer's kernel and initrd from the controller and boot them unattended. */
export function renderNodeScript(node: BootNode, server: BootServer): string {
  // The boot script carries no key: check everything else.
  validateInstallSpec({ ...node, hostKey: { privateKey: undefined, publicKey: "" } }, [
    "hostKey.publicKey",
  ]);
  const header = [
    "#!ipxe",
    `# Hearth install script for ${node.name} (${node.mac}); generated, local edits are overwritten.`,
    `echo Hearth: installing ${node.os === "debian" ? "Debian 12" : "Fedora"} on ${node.name}`,
    "imgfree",
  ];
  const retry = (cmd: string) => `${cmd} || goto failed`;
  const footer = [
    "boot || goto failed",
    ":failed",
    `echo Hearth: could not boot the ${node.os} installer for ${node.name}, retrying in 30 seconds`,
    "sleep 30",
    "reboot",
    "",
  ];

  if (node.os === "debian") {
    // The controller serves the installer itself: its kernel must match the installer modules on the mirror,
    // which holds for Debian's netboot package of the same point release.
    const base = `${serverUrl(server)}/${debianInstallerDir(node.arch)}`;
    const args = [
      "initrd=initrd.gz",
      "auto=true",
      "priority=critical",
      `url=${installFileUrl(node, server)}`,
      `locale=${node.locale ?? DEFAULT_LOCALE}`,
      `keymap=${node.keyboard ?? DEFAULT_KEYBOARD}`,
      bootIf(node),
      ...debianNetworkParams(node),
      "---",
      ...consoleParams(node),
    ];
    return [
      ...header,
      retry(`kernel ${base}/linux ${args.join(" ")}`),
      retry(`initrd ${base}/initrd.gz`),
      ...footer,
    ].join("\n");
  }

  const tree = fedoraTree(node);
  const args = [
    "initrd=initrd.img",
    `inst.ks=${installFileUrl(node, server)}`,
    `inst.repo=${tree}`,
    "inst.text",
    // The installer fetches the kickstart over the LAN's DHCP (PXE needs it anyway); the kickstart's network
    // command then gives the installed system its static address.
    "ip=dhcp",
    bootIf(node),
    ...(node.proxy ? [`inst.proxy=${node.proxy}`] : []),
    ...consoleParams(node),
  ];
  return [
    ...header,
    retry(`kernel ${tree}/images/pxeboot/vmlinuz ${args.join(" ")}`),
    retry(`initrd ${tree}/images/pxeboot/initrd.img`),
    ...footer,
  ].join("\n");
}

/** The script a node gets once installed: boot from disk, so a later network boot never reinstalls it. */
export function renderLocalBootScript(node: Pick<BootNode, "name" | "mac">): string {
  return [
    "#!ipxe",
    `# Hearth: ${node.name} (${node.mac}) is installed; boot it from its disk.`,
    `echo Hearth: ${node.name} is installed, booting from the local disk`,
    "exit",
    "",
  ].join("\n");
}
