/**
 * The lab's fixed settings and this run's folders: the LAN's names and addresses, the knobs read from the
 * environment (installer, firmware, time-out), the work and scratch directories, and the UEFI firmware files.
 */
import { homedir } from "os";
import { join } from "path";
import { Installer } from "../../../components/metal/spec";
import { LAB } from "../../../scripts/lab-network";

/** The lab's network namespace: the LAN's bridge, the controller and the machine's tap. */
export const NS = "hearth-metal";
/** The router's end of the veth pair, in the host's namespace. */
export const HOST_IF = "hmetal0";
/** The LAN's end of the veth pair, on the bridge. */
export const LAN_IF = "hmetal1";
/** The home router's address: leases, DNS and the apt proxy (the lab network's, shared with the sandbox). */
export const ROUTER = LAB.router;
/** The PXE controller's address, on the bridge. */
export const CONTROLLER = "10.77.0.2";
/** The machine's address, reserved for its MAC. */
export const NODE_IP = "10.77.0.50";
/** The LAN. */
export const CIDR = LAB.cidr;
/** The machine's MAC address. */
export const MAC = "52:54:00:77:00:50";
/** apt-cacher-ng's port on the router. */
export const PROXY_PORT = 3142;
/** The port of the controller's HTTP server. */
export const HTTP_PORT = 8080;
/** How long a machine may take to install (HEARTH_METAL_TIMEOUT_MINUTES). */
export const TIMEOUT_MINUTES = Number(process.env.HEARTH_METAL_TIMEOUT_MINUTES ?? 150);
/** How long a machine under KVM gets to fetch its boot script before the run falls back to TCG. */
export const KVM_PROBE_SECONDS = 90;
/** The installer under test: Hearth's image installer (the default), or Debian's with a preseed. */
export const INSTALLER: Installer =
  process.env.HEARTH_METAL_INSTALLER === "debian-installer" ? "debian-installer" : "image";
/** Firmware to install under, in order (image installer). */
export const FIRMWARES = (process.env.HEARTH_METAL_FIRMWARE ?? "bios,uefi")
  .split(",")
  .map((f) => f.trim()) as Firmware[];

/** Hearth's cache (HEARTH_CACHE): the runs' folders, the apt cache and the node images. */
export const cache = process.env.HEARTH_CACHE ?? join(homedir(), ".cache", "hearth");
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
/** This run's folder: logs, timeline, keys and figures (and the disks until the end). */
export const work = join(cache, "metal", `run-${stamp}`);
/** Root file systems and the disk: world-traversable (dnsmasq drops root), removed at the end. */
export const scratch = join("/var/tmp", `hearth-metal-${stamp}`);

/** Node images the controller built, kept between runs: a warm run does not rebuild them. */
export const imageCache = join(cache, "metal", "images");

/** The firmware a machine boots with. */
export type Firmware = "bios" | "uefi";
/** Debian's OVMF (UEFI): its code, and the variable store each machine gets a copy of. */
export const OVMF = {
  code: "/usr/share/OVMF/OVMF_CODE_4M.fd",
  vars: "/usr/share/OVMF/OVMF_VARS_4M.fd",
};
