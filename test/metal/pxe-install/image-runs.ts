/**
 * The image installer's runs: one machine per firmware (BIOS, UEFI) from an empty disk to SSH, checks
 * and the engine's preparation, then the respelled-disk and missing-disk runs, and the figures.
 */
import { rmSync, writeFileSync } from "fs";
import { join } from "path";
import { WAIT_EXIT } from "../../../components/metal/node-wait";
import { cache, Firmware, FIRMWARES, MAC, TIMEOUT_MINUTES, work } from "./lab";
import { readText, run, say, sleep } from "./host";
import { died, stopChild } from "./processes";
import { startMachine } from "./machine";
import { figures, stageTimes } from "./report";
import { Installed, publishNode, rotateLogs } from "./controller";
import { imageWaitSpec, watch } from "./watch";
import { checkIdentity, checkInstalled, lockToDisk } from "./checks";
import { prepareThroughEngine } from "./prepare";
import { respelledDiskRun } from "./respelled-disk";
import { missingDiskRun } from "./missing-disk";

/**
 * The image installer, once per firmware, each from an empty disk: power-on -> DHCP -> iPXE -> Hearth's
 * installer -> written disk -> reboot from disk -> SSH with the pinned key -> login and checks -> the node
 * preparation over SSH -> the controller's "installed" step. Then one bad-input run: a disk the machine lacks.
 */
export async function imageRuns(
  ctx: Installed,
  installText: string,
  operatorPublic: string,
): Promise<void> {
  const problems: string[] = [];
  for (const firmware of FIRMWARES) {
    if (firmware !== "bios" && firmware !== "uefi") throw new Error(`unknown firmware ${firmware}`);
    problems.push(...(await imageRun(ctx, installText, firmware)).map((p) => `${firmware}: ${p}`));
  }
  if (FIRMWARES.includes("bios"))
    problems.push(
      ...(await respelledDiskRun(ctx, operatorPublic)).map((p) => `respelled disk: ${p}`),
    );
  if (process.env.HEARTH_METAL_BAD_DISK !== "0") {
    problems.push(...(await missingDiskRun(ctx, operatorPublic)).map((p) => `missing disk: ${p}`));
  }
  writeFileSync(join(work, "figures.json"), `${JSON.stringify(figures, null, 2)}\n`);
  writeFileSync(join(cache, "metal", "last-figures.json"), `${JSON.stringify(figures, null, 2)}\n`);
  for (const r of figures.runs) say(`figures: ${JSON.stringify(r)}`);
  if (problems.length > 0) throw new Error(`image installs:\n  - ${problems.join("\n  - ")}`);
  say("PASS");
}

async function imageRun(
  ctx: Installed,
  installText: string,
  firmware: Firmware,
): Promise<string[]> {
  const { node, controller } = ctx;
  const [n] = ctx.plan.nodes;
  // Each run is a new machine: its plan and install script are published again, and the record of what the
  // node last reported installed is dropped, so the wait must see this machine report.
  rmSync(
    join(controller.root, ctx.plan.layout.nodesDir, `${MAC.replace(/:/g, "-")}.installed-id`),
    {
      force: true,
    },
  );
  rotateLogs(ctx.controller, firmware);
  publishNode(controller.step, ctx.plan, installText);
  const disk = join(work, `disk-${firmware}.qcow2`);
  run("qemu-img", ["create", "-q", "-f", "qcow2", disk, "10G"]);
  say(`${firmware}: powering on under TCG with an empty 10 GiB disk`);
  const poweredOn = Date.now();
  const machine = startMachine("tcg", disk, firmware);
  const code = await watch(controller, imageWaitSpec(ctx, n.installId!, TIMEOUT_MINUTES));
  const sshReady = Date.now();
  if (died.length > 0) throw new Error(died.join("\n"));
  if (code !== WAIT_EXIT.ready) {
    stopChild(machine);
    const serial = readText(join(work, `serial-${firmware}-tcg.log`))
      .split("\n")
      .slice(-25)
      .join("\n");
    return [`the watcher exited with ${code}; last serial lines:\n${serial}`];
  }
  const timing = stageTimes(readText(controller.logs.http), poweredOn, sshReady);
  const seconds = Math.round((sshReady - poweredOn) / 1000);
  say(
    `${firmware}: power-on to SSH-ready ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s under TCG; ` +
      `stages: ${timing.stages.map((st) => `${st.name} ${st.seconds}s`).join(", ")}; slowest: ${timing.slowest}; ` +
      `${(timing.bytes / 1048576).toFixed(1)} MiB served to the node over HTTP in ${timing.requests} requests`,
  );
  const problems = [
    ...checkInstalled(ctx, { hostname: node.name, rootOn: "/dev/vda" }),
    ...checkIdentity(ctx, firmware),
    ...prepareThroughEngine(ctx, firmware),
    ...lockToDisk(ctx),
  ];
  figures.runs.push({
    firmware,
    accel: "tcg",
    powerOnToSshSeconds: seconds,
    stages: timing.stages,
    slowest: timing.slowest,
    bytesServed: timing.bytes,
    passed: problems.length === 0,
  });
  stopChild(machine);
  await sleep(2000);
  return problems;
}
