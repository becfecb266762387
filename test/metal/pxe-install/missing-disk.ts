/**
 * The missing-disk run (bad input): a plan naming a disk the machine lacks must stop the installer
 * before it writes, with the disks it saw reported.
 */
import { join } from "path";
import { WAIT_EXIT } from "../../../components/metal/node-wait";
import { work } from "./lab";
import { readText, run, say, sleep } from "./host";
import { stopChild } from "./processes";
import { startMachine } from "./machine";
import { Installed, publishPlanNaming } from "./controller";
import { imageWaitSpec, watch } from "./watch";

/**
 * Bad input: the plan names a disk the machine lacks. The installer must stop before writing, tell the
 * controller the disks it sees, and the wait must fail (exit 4) naming that stage and the disks.
 */
export async function missingDiskRun(ctx: Installed, operatorPublic: string): Promise<string[]> {
  const plan = publishPlanNaming(ctx, operatorPublic, "/dev/sdz", "missing-disk");
  const disk = join(work, "disk-missing.qcow2");
  run("qemu-img", ["create", "-q", "-f", "qcow2", disk, "10G"]);
  say("missing disk: powering on with a plan that names /dev/sdz");
  const machine = startMachine("tcg", disk, "bios");
  const code = await watch(
    ctx.controller,
    imageWaitSpec({ ...ctx, plan }, plan.nodes[0].installId!, 15),
  );
  stopChild(machine);
  await sleep(2000);
  const problems: string[] = [];
  if (code !== WAIT_EXIT.installerStopped)
    problems.push(`the watcher exited ${code}, not ${WAIT_EXIT.installerStopped}`);
  const told = readText(ctx.controller.logs.http).includes(
    "does_not_exist_on_this_machine._Disks_seen:_vda:10G",
  );
  if (!told)
    problems.push(
      "the controller's log does not show the installer's report of the disks it saw (vda:10G)",
    );
  const written = run("qemu-img", ["info", "--output=json", disk]);
  const used = JSON.parse(written)["actual-size"] as number;
  say(
    `missing disk: watcher exit ${code}; the disks reported: ${told ? "vda:10G" : "none"}; the disk image holds ${used} bytes`,
  );
  if (used > 1 << 20)
    problems.push(
      `the installer wrote to the disk (${used} bytes) although the plan named another`,
    );
  return problems;
}
