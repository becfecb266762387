/**
 * Hearth's image installer, rendered: the node image the PXE controller builds (once per Debian release and
 * architecture, cached by the hash of its inputs), each node's install plan, and the iPXE script that boots
 * the installer. The shell that runs on the controller and in the installer lives beside this file in
 * `image/`; see docs/bare-metal.md and ADR 12.
 */
import { readFileSync } from "fs";
import { join } from "path";
import type { Arch } from "../types";
import { parseCidr } from "../net";
import { renderPostInstallScript } from "./post-install";
import { asRoot, sha256, shellQuote } from "../shell";
import { BootServer, DEBIAN_SUITE, InstallSpec, macFileStem, serverUrl } from "./spec";

/**
 * What every node image holds besides the nodes' own `packages`: a kernel and initramfs-tools (which also
 * build the installer), udev and systemd with networkd and resolved, sshd and sudo, grub for both firmware
 * kinds (the install runs grub-install from the written system), the file-system and partitioning tools, and
 * what k3s needs on the host (iptables, nftables, conntrack, CA certificates, curl), plus dbus for hostnamectl
 * and timedatectl, which the node preparation calls.
 */
export const IMAGE_BASE_PACKAGES: Readonly<Record<Arch, readonly string[]>> = {
  amd64: [
    "busybox",
    "ca-certificates",
    "conntrack",
    "curl",
    "dbus",
    "dosfstools",
    "e2fsprogs",
    "fdisk",
    "grub-efi-amd64-bin",
    "grub-pc-bin",
    "grub2-common",
    "initramfs-tools",
    "iproute2",
    "iptables",
    "kmod",
    "linux-image-amd64",
    "nftables",
    "openssh-server",
    "procps",
    "sudo",
    "systemd-resolved",
    "systemd-sysv",
    "tzdata",
    "udev",
  ],
  // None: `validateInstallSpec` refuses arm64 image installs until one is proven on a VM.
  arm64: [],
};

/** One node image: the inputs of a build. Equal inputs give the same id, so the controller reuses the build. */
export interface ImageSpec {
  suite: string;
  arch: Arch;
  /** apt source lines the image is built from (and that the node keeps). */
  sources: string[];
  /** Proxy every package comes through. @default none */
  proxy?: string;
  /** Every package of the image, sorted: the base set and the nodes' own packages. */
  packages: string[];
}

const IMAGE_DIR = join(__dirname, "image");

let sources: { build: string; install: string; hook: string } | undefined;

/** The three shell files the controller and the installer run (read once); their text is in the image id. */
export function imageSources(): { build: string; install: string; hook: string } {
  sources ??= {
    build: readFileSync(join(IMAGE_DIR, "build-image.sh"), "utf8"),
    install: readFileSync(join(IMAGE_DIR, "install.sh"), "utf8"),
    hook: readFileSync(join(IMAGE_DIR, "initramfs-hook.sh"), "utf8"),
  };
  return sources;
}

/** The apt sources of an image: the release and its updates from the node's mirror, and security updates. */
export function imageSourceLines(mirror: { host: string; directory: string }): string[] {
  const base = `http://${mirror.host}${mirror.directory.replace(/\/+$/, "")}`;
  const lines = [`deb ${base} ${DEBIAN_SUITE} main`, `deb ${base} ${DEBIAN_SUITE}-updates main`];
  // deb.debian.org also serves the security archive; another mirror may not, so it is left to that mirror's
  // operator (docs/bare-metal.md).
  if (mirror.host === "deb.debian.org") {
    lines.push(`deb http://deb.debian.org/debian-security ${DEBIAN_SUITE}-security main`);
  }
  return lines;
}

/** The image the given image-installed nodes of one architecture share. */
export function imageSpecFor(
  arch: Arch,
  nodes: Pick<InstallSpec<unknown>, "packages" | "mirrors" | "proxy">[],
): ImageSpec {
  const [first] = nodes;
  const packages = new Set<string>(IMAGE_BASE_PACKAGES[arch]);
  for (const n of nodes) n.packages.forEach((p) => packages.add(p));
  return {
    suite: DEBIAN_SUITE,
    arch,
    sources: imageSourceLines(first.mirrors.debian),
    ...(first.proxy ? { proxy: first.proxy } : {}),
    packages: [...packages].sort(),
  };
}

/** The build's id: a hash of its inputs and of the scripts that build and install it (16 hex digits). */
export function imageId(spec: ImageSpec): string {
  const s = imageSources();
  return sha256(JSON.stringify({ spec, build: s.build, install: s.install, hook: s.hook })).slice(
    0,
    16,
  );
}

/** The image's directory under the HTTP root, e.g. `images/amd64-0123456789abcdef`. */
export function imagePath(spec: ImageSpec): string {
  return `images/${spec.arch}-${imageId(spec)}`;
}

/**
 * The controller's root script that builds the image when no finished build of the same id is there: the
 * variables, the installer's two files, then `build-image.sh`.
 */
export function renderImageBuildScript(spec: ImageSpec, httpRoot: string): string {
  const s = imageSources();
  const vars: Record<string, string> = {
    HEARTH_IMAGE_ID: imageId(spec),
    HEARTH_IMAGES: `${httpRoot}/images`,
    HEARTH_SUITE: spec.suite,
    HEARTH_ARCH: spec.arch,
    HEARTH_SOURCES: spec.sources.join("\n"),
    HEARTH_PROXY: spec.proxy ?? "",
    HEARTH_PACKAGES: spec.packages.join(","),
  };
  const file = (name: string, text: string) => {
    const mark = `HEARTH_${name.replace(/\W/g, "_").toUpperCase()}_EOF`;
    if (text.split("\n").includes(mark)) throw new Error(`${name} contains its own end marker`);
    return [`cat > "$HEARTH_SRC/${name}" <<'${mark}'`, text.replace(/\n$/, ""), mark];
  };
  return asRoot(
    [
      "set -eu",
      ...Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(v)}`),
      "HEARTH_SRC=$(mktemp -d)",
      `trap 'rm -rf "$HEARTH_SRC"' EXIT`,
      ...file("install.sh", s.install),
      ...file("initramfs-hook.sh", s.hook),
      // A subshell, so the build's own EXIT trap does not replace the one above.
      "(",
      s.build.replace(/\n$/, ""),
      ")",
      "",
    ].join("\n"),
  );
}

/** The file name of a node's install plan under `nodes/`. */
export function planFileName(node: Pick<InstallSpec<unknown>, "mac">): string {
  return `${macFileStem(node.mac)}.plan`;
}

/**
 * The node's install id: what its installed system records in /etc/hearth/install-id. An installer that
 * finds the same id on any disk does not wipe. It changes with the host name, OS or `reinstall`, never with the
 * disk's spelling: `/dev/sda` respelled as `/dev/disk/by-id/...` is the same disk, and only `reinstall` wipes.
 */
export function installId(
  node: Pick<InstallSpec<unknown>, "name" | "os"> & { reinstall?: string },
): string {
  return sha256(
    JSON.stringify({ name: node.name, os: node.os, again: node.reinstall ?? "" }),
  ).slice(0, 16);
}

/**
 * The id an earlier Hearth recorded for the same install, when the id still held the disk's path: a node
 * installed then counts as installed now, as long as its disk is spelled as it was.
 */
export function legacyInstallId(
  node: Pick<InstallSpec<unknown>, "name" | "disk" | "os"> & { reinstall?: string },
): string {
  return sha256(
    JSON.stringify({ name: node.name, disk: node.disk, os: node.os, again: node.reinstall ?? "" }),
  ).slice(0, 16);
}

/** The node's plan: shell variables the install script sources. It holds the host private key. */
export function renderInstallPlan(
  node: InstallSpec & { reinstall?: string },
  server: BootServer,
  image: ImageSpec,
): string {
  const prefix = parseCidr(node.network.cidr).prefix;
  const vars: Record<string, string> = {
    HEARTH_NAME: node.name,
    HEARTH_MAC: node.mac,
    HEARTH_DISK: node.disk,
    HEARTH_INSTALL_ID: installId(node),
    HEARTH_LEGACY_INSTALL_ID: legacyInstallId(node),
    HEARTH_IMAGE_URL: `${serverUrl(server)}/${imagePath(image)}/root.tar.gz`,
    HEARTH_DOMAIN: node.domain ?? "",
    HEARTH_ADDRESS: node.ip !== undefined ? `${node.ip}/${prefix}` : "",
    HEARTH_GATEWAY: node.network.gateway,
    HEARTH_DNS: node.ip !== undefined ? node.network.dns.join(" ") : "",
    HEARTH_TIMEZONE: node.timezone,
    HEARTH_USER: node.sshUser,
    HEARTH_CONSOLE: node.serialConsole ?? "",
    HEARTH_POST_INSTALL: renderPostInstallScript(node, {
      authorizedKeys: true,
      // systemd-resolved writes resolv.conf from the .network file's DNS= lines.
      resolvConf: false,
      restorecon: false,
    }),
  };
  return [
    `# Hearth install plan for ${node.name} (${node.mac}); generated. It holds the node's host private key:`,
    "# the controller serves it to this MAC until the node reports installed, then answers 404.",
    ...Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(v)}`),
    "",
  ].join("\n");
}

/** The per-node iPXE script for the image installer: Hearth's installer kernel and initramfs, then the plan. */
export function renderImageNodeScript(
  node: Pick<InstallSpec<unknown>, "name" | "mac" | "serialConsole">,
  server: BootServer,
  image: ImageSpec,
): string {
  const base = `${serverUrl(server)}/${imagePath(image)}`;
  const args = [
    "initrd=installer.img",
    "boot=hearth",
    `hearth.plan=${serverUrl(server)}/nodes/${planFileName(node)}`,
    `BOOTIF=01-${macFileStem(node.mac)}`,
    "ip=dhcp",
    ...(node.serialConsole ? [`console=${node.serialConsole}`] : []),
  ];
  return [
    "#!ipxe",
    `# Hearth install script for ${node.name} (${node.mac}); generated, local edits are overwritten.`,
    `echo Hearth: installing the Debian 12 image on ${node.name}`,
    "imgfree",
    `kernel ${base}/linux ${args.join(" ")} || goto failed`,
    `initrd ${base}/installer.img || goto failed`,
    "boot || goto failed",
    ":failed",
    `echo Hearth: could not boot the image installer for ${node.name}, retrying in 30 seconds`,
    "sleep 30",
    "reboot",
    "",
  ].join("\n");
}
