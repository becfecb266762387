/**
 * The virtual machine: QEMU on the LAN's tap, BIOS (SeaBIOS) or UEFI (OVMF), disk first then network,
 * under KVM or TCG as the caller chooses (`kvmAvailable` says whether KVM can be tried).
 */
import { ChildProcess } from "child_process";
import { closeSync, copyFileSync, openSync } from "fs";
import { join } from "path";
import { Firmware, MAC, OVMF, work } from "./lab";
import { inNs } from "./host";
import { start } from "./processes";

/** Whether this machine's /dev/kvm can be opened at all. */
export function kvmAvailable(): boolean {
  try {
    closeSync(openSync("/dev/kvm", "r+"));
    return true;
  } catch {
    return false;
  }
}

/** Powers on the machine on the tap: QEMU under `accel` and `firmware`, disk first unless `netFirst`. */
export function startMachine(
  accel: "kvm" | "tcg",
  disk: string,
  firmware: Firmware = "bios",
  netFirst = false,
): ChildProcess {
  const serial = join(work, `serial-${firmware}-${accel}.log`);
  const uefi: string[] = [];
  if (firmware === "uefi") {
    // OVMF from Debian's ovmf package: its code read-only, a fresh copy of its variable store per machine.
    const vars = join(work, `OVMF_VARS-${firmware}.fd`);
    copyFileSync(OVMF.vars, vars);
    uefi.push(
      "-drive",
      `if=pflash,format=raw,readonly=on,file=${OVMF.code}`,
      "-drive",
      `if=pflash,format=raw,file=${vars}`,
    );
  }
  return start(
    `qemu-${firmware}-${accel}`,
    ...inNs("qemu-system-x86_64", [
      "-accel",
      accel,
      "-m",
      "2048",
      "-smp",
      "2",
      "-display",
      "none",
      "-monitor",
      "none",
      "-serial",
      `file:${serial}`,
      ...uefi,
      "-netdev",
      "tap,id=lan,ifname=tap0,script=no,downscript=no",
      // Disk first, then the network (bootindex, which SeaBIOS and OVMF both honour): the empty disk falls
      // through to PXE, the installed one boots itself.
      "-device",
      `virtio-net-pci,netdev=lan,mac=${MAC},bootindex=${netFirst ? 1 : 2}`,
      "-drive",
      `file=${disk},if=none,id=disk0,format=qcow2`,
      // The serial gives the disk a second name, /dev/disk/by-id/virtio-hearth-metal (the respelled-disk run).
      "-device",
      `virtio-blk-pci,drive=disk0,serial=hearth-metal,bootindex=${netFirst ? 2 : 1}`,
      "-device",
      "virtio-rng-pci",
    ]),
  );
}
