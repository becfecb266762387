/** hearth:nodes, hearth:network and hearth:pxe: the metal nodes, their LAN and the PXE controller host. */
import { z } from "zod";
import { MAC } from "../../components/net";
import { cidr, hostname, ipv4, sshPublicKey } from "./common";

/** One machine installed by the PXE controller (or already installed) and reached over SSH. */
export const nodeSchema = z.strictObject({
  name: hostname.describe("Host name; also the Kubernetes node name."),
  role: z
    .enum(["server", "agent"])
    .describe("server runs the control plane and etcd; agent runs workloads."),
  mac: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(
      z.string().regex(MAC, {
        error: (i) =>
          `${JSON.stringify(i.input)} is not a MAC address; write six hex pairs with colons, e.g. 52:54:00:12:34:56`,
      }),
    )
    .describe("MAC address of the NIC that PXE-boots; Wake-on-LAN targets it."),
  ip: ipv4.optional().describe("Static IPv4 address. Leave out for DHCP (then `dhcp: true`)."),
  dhcp: z.boolean().default(false).describe("Take the address from DHCP instead of `ip`."),
  disk: z
    .string()
    // As the installers take it (components/metal/spec-checks.ts): /dev/sda, /dev/nvme0n1, and the stable names
    // under /dev/disk/by-id/ and by-path/, which hold capitals, dots and colons.
    .regex(/^\/dev\/[A-Za-z0-9._:/+-]+$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a disk device; use a path such as /dev/sda, /dev/nvme0n1 or /dev/disk/by-id/<id>`,
    })
    .default("/dev/sda")
    .describe("Disk the installer wipes and installs onto."),
  arch: z.enum(["amd64", "arm64"]).default("amd64").describe("CPU architecture."),
  os: z
    .enum(["debian", "fedora"])
    .default("debian")
    .describe("Operating system the controller installs."),
  installer: z
    .enum(["image", "debian-installer", "kickstart"])
    .optional()
    .describe(
      "How the controller installs the node: image (Hearth's Debian image, written from an in-memory installer), debian-installer (Debian's installer with a preseed) or kickstart (Fedora). @default image for Debian, kickstart for Fedora",
    ),
  reinstall: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, {
      error: () =>
        "use up to 64 letters, digits, dots, colons, hyphens or underscores, e.g. 2026-12-01",
    })
    .optional()
    .describe(
      "Change this text to reinstall an image-installed node (which otherwise never wipes a disk it installed); the node must then boot from the network once.",
    ),
  selinux: z
    .enum(["enforcing", "permissive", "disabled"])
    .default("enforcing")
    .describe("SELinux mode (Fedora only)."),
  packages: z.array(z.string().min(1)).default([]).describe("Extra OS packages to install."),
  wakeOnLan: z
    .boolean()
    .default(true)
    .describe("Send a Wake-on-LAN packet; false for nodes powered by hand."),
  hostKey: sshPublicKey
    .optional()
    .describe(
      "Pinned SSH host public key of an already installed node. Leave out to have Hearth generate and plant one.",
    ),
  hostKeyPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "File holding the pinned host public key (one line), read at run time, instead of hostKey.",
    ),
});

/** The LAN the nodes live on. */
export const networkSchema = z.strictObject({
  cidr: cidr.describe("The home network, e.g. 192.168.1.0/24."),
  gateway: ipv4.describe("Default router."),
  dns: z.array(ipv4).min(1).optional().describe("DNS servers. @default [gateway]"),
});

/** The host that runs dnsmasq (proxy-DHCP + TFTP) and the HTTP server with install files. */
export const pxeSchema = z.strictObject({
  host: z.string().min(1).describe("SSH address of the controller host."),
  address: ipv4.describe(
    "The controller's IPv4 address on the nodes' LAN (served in PXE replies).",
  ),
  port: z.number().int().min(1).max(65535).default(22).describe("SSH port."),
  user: z.string().min(1).default("hearth").describe("SSH user with sudo on the controller."),
  hostKey: sshPublicKey.describe("The controller's pinned SSH host public key."),
  interface: z
    .string()
    .min(1)
    .optional()
    .describe("Network interface dnsmasq listens on. @default all"),
  httpPort: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(8080)
    .describe("Port of the install-file HTTP server."),
  rootDir: z
    .string()
    .startsWith("/")
    .default("/srv/hearth")
    .describe("Where boot and install files live."),
  debianMirror: z
    .string()
    .min(1)
    .default("deb.debian.org")
    .describe("Debian mirror host for installs."),
  fedoraMirror: z
    .string()
    .regex(/^http:\/\/\S+[^/\s]$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} must be a plain http:// URL without a trailing slash: iPXE fetches the kernel from it and has no TLS`,
    })
    .default("http://dl.fedoraproject.org/pub/fedora/linux/releases/42/Everything")
    .describe(
      "Fedora release tree up to the architecture (`/x86_64/os` or `/aarch64/os` is appended).",
    ),
  proxy: z
    .url()
    .optional()
    .describe("HTTP proxy the installers fetch packages through (e.g. apt-cacher-ng)."),
  installTimeoutMinutes: z
    .number()
    .int()
    .min(5)
    .default(60)
    .describe("How long to wait for a node's install."),
});
