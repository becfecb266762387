/**
 * The end of a run, passed or not, or cut short by a signal: the processes stopped, mounts undone, the
 * LAN removed, and (unless HEARTH_METAL_KEEP=1) the disks and root file systems.
 */
import { readdirSync, rmSync } from "fs";
import { join } from "path";
import { scratch, work } from "./lab";
import { readText, run } from "./host";
import { mounts, stopAll } from "./processes";
import { teardownNetwork } from "./network";

/** Stops the processes, undoes mounts, removes the LAN and (unless HEARTH_METAL_KEEP=1) disks and roots. */
export function cleanup(): void {
  stopAll();
  for (const m of mounts) run("umount", ["-l", m], true);
  teardownNetwork();
  // Never remove a tree that still has the host's /proc, /sys or /dev mounted inside it.
  const stillMounted = readText("/proc/mounts")
    .split("\n")
    .some((l) => l.split(" ")[1]?.startsWith(scratch));
  if (stillMounted) console.error(`test:metal: ${scratch} still has mounts; left in place`);
  if (process.env.HEARTH_METAL_KEEP !== "1" && !stillMounted) {
    for (const f of readdirSync(work).filter((x) => x.endsWith(".qcow2") || x.endsWith(".fd")))
      rmSync(join(work, f), { force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}
