/**
 * The respelled-disk run: the installed BIOS machine's plan names its disk by id, and the installer
 * must find its system and leave the disk whole.
 */
import { join } from "path";
import { WAIT_EXIT } from "../../../components/metal/node-wait";
import { work } from "./lab";
import { readText, say, sleep, waitFor } from "./host";
import { stopChild } from "./processes";
import { startMachine } from "./machine";
import { Installed, publishPlanNaming } from "./controller";
import { imageWaitSpec, watch } from "./watch";
import { nodeSsh } from "./checks";

/**
 * The installed BIOS machine, its plan now naming the same disk by id (`/dev/disk/by-id/virtio-hearth-metal`, as
 * an operator might respell `/dev/vda`), booted from the network: the install id is the same, so the installer
 * must find the system on the disk and boot it, not wipe it. What the engine's preparation wrote stays.
 */
export async function respelledDiskRun(ctx: Installed, operatorPublic: string): Promise<string[]> {
  const respelled = "/dev/disk/by-id/virtio-hearth-metal";
  const plan = publishPlanNaming(ctx, operatorPublic, respelled, "respelled-disk");
  const problems: string[] = [];
  if (plan.nodes[0].installId !== ctx.plan.nodes[0].installId)
    problems.push("the install id changed with the disk's spelling");
  say(
    `respelled disk: booting the installed BIOS machine from the network with a plan naming ${respelled}`,
  );
  // The firmware tries the network first for this boot only: once the installer has found its system and
  // reported it (or has not within 8 minutes), the machine is started again disk first, the order a home's
  // machines keep (docs/bare-metal.md), where the wait finds it answering SSH if the disk was left whole.
  let gaveUp = false;
  const waiting = watch(
    ctx.controller,
    imageWaitSpec({ ...ctx, plan }, plan.nodes[0].installId!, 15),
    () => gaveUp,
  );
  const fromNetwork = startMachine("tcg", join(work, "disk-bios.qcow2"), "bios", true);
  const reported = await waitFor(
    () => /installed\?already=1/.test(readText(ctx.controller.logs.http)),
    8 * 60,
  );
  stopChild(fromNetwork);
  // QEMU holds the disk image's lock until it has exited.
  await waitFor(() => fromNetwork.exitCode !== null || fromNetwork.signalCode !== null, 30);
  const machine = startMachine("tcg", join(work, "disk-bios.qcow2"), "bios");
  if (!reported) gaveUp = true;
  const code = await waiting;
  const log = readText(ctx.controller.logs.http);
  const already = /installed\?already=1/.test(log);
  const kept =
    code === WAIT_EXIT.ready
      ? String(nodeSsh(ctx, "test -f /etc/sysctl.d/90-hearth-k3s.conf && echo kept").stdout).trim()
      : "";
  stopChild(machine);
  await sleep(2000);
  say(
    `respelled disk: watcher exit ${code}; the installer reported ${already ? "already installed" : "no such thing"}; the preparation's files ${kept === "kept" ? "are still there" : "are gone"}`,
  );
  if (code !== WAIT_EXIT.ready) problems.push(`the watcher exited ${code}, not ${WAIT_EXIT.ready}`);
  if (!already) problems.push("the installer did not report the node as already installed");
  if (kept !== "kept") problems.push("the disk was wiped: the preparation's files are gone");
  return problems;
}
