/**
 * `npm run test:metal`: a virtual machine with an empty disk installs Debian 12 from the PXE controller as
 * Hearth deploys it, and answers SSH with the host key the stack pinned. Opt-in and long (tens of minutes under
 * software emulation); needs root, QEMU, dnsmasq, apt-cacher-ng and debootstrap (`bash scripts/metal-setup.sh`
 * installs them). Exit 0: passed; 1: Hearth's part failed; 77: blocked outside Hearth, with the evidence.
 *
 * The LAN is a bridge in a network namespace. On it:
 *   - the "router" (10.77.0.1, in the host's namespace over a veth pair): a plain dnsmasq handing out leases and
 *     DNS, and apt-cacher-ng, the caching proxy the installer fetches every package through. The namespace has no
 *     route anywhere else, so the machine fetches nothing directly.
 *   - the controller (10.77.0.2): a debootstrapped Debian 12 set up by the scripts `PxeController` runs over
 *     SSH, its two units started from the lines the setup wrote (see `deployController`).
 *   - the machine: QEMU on a tap device, disk first then network (as Hearth asks of real machines), KVM when a
 *     short probe shows it booting, TCG otherwise.
 * The wait is the component's wait command, run on the controller with `wait-for-node.py` on stdin. When the
 * archive lacks the installer's udebs, a stand-in checks Hearth's post-install part (`postInstallStandIn`).
 *
 * The harness is split by concern into pxe-install/ (each file's header says what it holds); this file is
 * the entry point: `main`, the verdict and exit code, and the clean-up at the end or on SIGINT and SIGTERM.
 */
import { ChildProcess, spawnSync } from "child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "fs";
import { join } from "path";
import { generateEd25519KeyPair } from "../../components/secrets/openssh";
import { WAIT_EXIT } from "../../components/metal/node-wait";
import { renderInstallFile } from "../../components/metal/pxe-plan";
import {
  cache,
  Firmware,
  FIRMWARES,
  INSTALLER,
  KVM_PROBE_SECONDS,
  MAC,
  NODE_IP,
  NS,
  scratch,
  TIMEOUT_MINUTES,
  work,
} from "./pxe-install/lab";
import {
  debootstrap,
  inNs,
  preflight,
  readText,
  run,
  say,
  sleep,
  waitFor,
} from "./pxe-install/host";
import { died, mounts, start, stopAll, stopChild } from "./pxe-install/processes";
import { setupNetwork, startRouter, teardownNetwork } from "./pxe-install/network";
import { kvmAvailable, startMachine } from "./pxe-install/machine";
import { figures, stageTimes } from "./pxe-install/report";
import { planFor } from "./pxe-install/plan";
import {
  deployController,
  Installed,
  publishNode,
  publishPlanNaming,
  rotateLogs,
} from "./pxe-install/controller";
import { imageWaitSpec, waitSpec, watch, watchOnce } from "./pxe-install/watch";
import { checkIdentity, checkInstalled, lockToDisk, nodeSsh } from "./pxe-install/checks";
import { prepareThroughEngine } from "./pxe-install/prepare";

async function main(): Promise<void> {
  mkdirSync(work, { recursive: true });
  preflight();
  say(`work directory ${work}`);

  const hostKey = generateEd25519KeyPair("metal-vm");
  const operator = generateEd25519KeyPair("operator@test-metal");
  const operatorKey = join(work, "operator_ed25519");
  writeFileSync(operatorKey, operator.privateKey, { mode: 0o600 });
  const { node, plan } = planFor(hostKey, operator.publicKey, INSTALLER);
  const installText = renderInstallFile(
    node,
    plan.server,
    hostKey.privateKey,
    hostKey.publicKey,
    plan.nodes[0].image,
  );

  setupNetwork();
  startRouter(node.mirrors.debian);
  const proxy = node.proxy ?? "";
  const mirror = `http://${node.mirrors.debian.host}${node.mirrors.debian.directory}`;
  const controller = deployController(plan, installText, mirror, proxy);
  const httpLog = controller.logs.http;
  await sleep(1500);
  if (died.length > 0) throw new Error(died.join("\n"));
  if (INSTALLER === "image") {
    await imageRuns(
      { node, hostKey, operatorKey, controller, plan },
      installText,
      operator.publicKey,
    );
    return;
  }

  const disk = join(work, "disk.qcow2");
  run("qemu-img", ["create", "-q", "-f", "qcow2", disk, "10G"]);

  // Power on. KVM only when a probe shows iPXE fetching the boot script in time: under some hosts' KVM the
  // firmware reboots in a loop or never starts.
  const scriptFetched = () => readText(httpLog).includes('"GET /boot.ipxe HTTP/1.1" 200');
  let accel: "kvm" | "tcg" = "tcg";
  let machine: ChildProcess | undefined;
  let poweredOn = Date.now();
  if (process.env.HEARTH_METAL_ACCEL !== "tcg" && kvmAvailable()) {
    say(
      `powering on under KVM (probe: the boot script must be fetched within ${KVM_PROBE_SECONDS}s)`,
    );
    poweredOn = Date.now();
    machine = startMachine("kvm", disk);
    if (await waitFor(scriptFetched, KVM_PROBE_SECONDS)) {
      accel = "kvm";
    } else {
      say("KVM probe failed: no boot script fetched; falling back to TCG on the same empty disk");
      stopChild(machine);
      await sleep(2000);
      machine = undefined;
    }
  }
  if (!machine) {
    say("powering on under TCG (software emulation)");
    poweredOn = Date.now();
    machine = startMachine("tcg", disk);
  }

  // Follow the install with the controller's own watcher, and the proxy's log for what the archive lacks.
  const acngLog = join(work, "apt-cacher-ng", "apt-cacher.log");
  let blockedBy: Refused | undefined;
  const code = await watch(
    controller,
    waitSpec(node, hostKey.publicKey, controller, TIMEOUT_MINUTES, 15),
    () => {
      blockedBy ??= missingInstallerFile(readText(acngLog));
      return blockedBy !== undefined;
    },
  );
  const sshReady = Date.now();
  if (died.length > 0) throw new Error(died.join("\n"));
  const ctx: Installed = { node, hostKey, operatorKey, controller, plan };
  if (blockedBy) {
    const why = await archiveBlock(blockedBy, node.mirrors.debian, accel, poweredOn);
    say(`BLOCKED: ${why}`);
    stopChild(machine);
    const standIn = await postInstallStandIn(ctx, installText);
    if (standIn.length > 0)
      throw new Error(`post-install stand-in:\n  - ${standIn.join("\n  - ")}`);
    throw new Blocked(
      "the full install could not run (see above); the post-install stand-in passed: the preseed's own late " +
        "command, run in a debootstrapped Debian, made its sshd answer with the pinned key only, let the " +
        "operator in and gave password-less sudo, and another pinned key stopped the watcher",
    );
  }
  if (code !== WAIT_EXIT.ready) {
    const serial = readText(join(work, `serial-bios-${accel}.log`))
      .split("\n")
      .slice(-25)
      .join("\n");
    throw new Error(`the watcher exited with ${code}; last serial lines:\n${serial}`);
  }

  const problems = [
    ...checkInstalled(ctx, { hostname: node.name, rootOn: "/dev/vda" }),
    ...lockToDisk(ctx),
  ];
  const stats = readText(join(work, "apt-cacher-ng", "apt-cacher.log"))
    .split("\n")
    .filter(Boolean).length;
  const seconds = Math.round((sshReady - poweredOn) / 1000);
  const summary = `power-on to SSH-ready: ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s under ${accel.toUpperCase()}; apt-cacher-ng served ${stats} requests`;
  say(summary);
  writeFileSync(join(work, "result.txt"), `${summary}\n`);
  if (problems.length > 0) throw new Error(`installed, but:\n  - ${problems.join("\n  - ")}`);
  say("PASS");
}

/**
 * The image installer, once per firmware, each from an empty disk: power-on -> DHCP -> iPXE -> Hearth's
 * installer -> written disk -> reboot from disk -> SSH with the pinned key -> login and checks -> the node
 * preparation over SSH -> the controller's "installed" step. Then one bad-input run: a disk the machine lacks.
 */
async function imageRuns(
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

/**
 * Bad input: the plan names a disk the machine lacks. The installer must stop before writing, tell the
 * controller the disks it sees, and the wait must fail (exit 4) naming that stage and the disks.
 */

/**
 * The installed BIOS machine, its plan now naming the same disk by id (`/dev/disk/by-id/virtio-hearth-metal`, as
 * an operator might respell `/dev/vda`), booted from the network: the install id is the same, so the installer
 * must find the system on the disk and boot it, not wipe it. What the engine's preparation wrote stays.
 */
async function respelledDiskRun(ctx: Installed, operatorPublic: string): Promise<string[]> {
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

async function missingDiskRun(ctx: Installed, operatorPublic: string): Promise<string[]> {
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

/** One answer of the preseed, by question. */
function preseedAnswer(preseed: string, question: string): string {
  const line = preseed.split("\n").find((l) => l.startsWith(`d-i ${question} `));
  if (!line) throw new Error(`the preseed has no ${question}`);
  return line.split(" ").slice(3).join(" ");
}

/**
 * When the installer cannot run here, the part of the install Hearth writes is still checked for real: a
 * Debian 12 from debootstrap (through the same proxy), with the preseed's package list; the login user created
 * as the installer's user-setup does (locked password); then the preseed's own late command, its `in-target`
 * replaced by chroot; then that system's sshd, started the way its unit would, on the node's address.
 */
async function postInstallStandIn(ctx: Installed, preseed: string): Promise<string[]> {
  say(
    "post-install stand-in: debootstrap Debian 12 through the proxy, then the preseed's late command",
  );
  const target = join(scratch, "target");
  const packages = preseedAnswer(preseed, "pkgsel/include").split(" ");
  const proxy = preseedAnswer(preseed, "mirror/http/proxy");
  const mirror = `http://${preseedAnswer(preseed, "mirror/http/hostname")}${preseedAnswer(preseed, "mirror/http/directory")}`;
  debootstrap(target, packages, mirror, proxy, "debootstrap-node.log");
  run("chroot", [
    target,
    "useradd",
    "--create-home",
    "--shell",
    "/bin/bash",
    "--comment",
    "Hearth",
    ctx.node.sshUser,
  ]);

  const late = preseedAnswer(preseed, "preseed/late_command");
  if (!late.startsWith("in-target "))
    return [`the late command does not run in-target: ${late.slice(0, 40)}`];
  // On the LAN, as the installer runs it: the part after in-target (the end-of-install report) runs outside.
  const post = spawnSync(
    "ip",
    ["netns", "exec", NS, "sh", "-c", `chroot ${target} ${late.slice("in-target ".length)}`],
    { encoding: "utf8" },
  );
  if (post.status !== 0) return [`the late command failed (${post.status}): ${post.stderr}`];
  say("post-install stand-in: the late command ran");

  mkdirSync(join(target, "run", "sshd"), { recursive: true, mode: 0o755 });
  run(...inNs("ip", ["addr", "add", `${NODE_IP}/24`, "dev", "br0"]));
  start("stand-in-sshd", ...inNs("chroot", [target, "/usr/sbin/sshd", "-D", "-e"]));
  const watched = watchOnce(ctx, ctx.hostKey.publicKey, 2);
  for (const line of (watched.stdout + watched.stderr).split("\n").filter(Boolean))
    say(`watcher: ${line}`);
  if (watched.status !== WAIT_EXIT.ready)
    return [`the watcher exited ${watched.status} against the stand-in`];
  const problems = [...checkInstalled(ctx, {}), ...lockToDisk(ctx)];
  if (problems.length === 0) say("post-install stand-in: PASS");
  return problems;
}

/** The run could not finish for a reason outside Hearth (exit 77, "blocked"), with the evidence. */
class Blocked extends Error {}

/** A file the archive answered 404 for, and when (epoch ms, apt-cacher-ng's own time stamp). */
interface Refused {
  file: string;
  at: number;
}

/** The first installer component (udeb) the archive answered 404 for, from apt-cacher-ng's transfer log. */
function missingInstallerFile(log: string): Refused | undefined {
  const m = /^(\d+)\|E\|\d+\|[^|]*\|\w+\/(pool\/\S+\.udeb) \[HTTP error, code: 404\]/m.exec(log);
  return m ? { file: m[2], at: Number(m[1]) * 1000 } : undefined;
}

/**
 * The installer asked the archive for one of its own components and got 404. Counts how many of the
 * installer components the archive's index lists are really there, so the report says how much is missing.
 */
async function archiveBlock(
  first: Refused,
  mirror: { host: string; directory: string },
  accel: string,
  poweredOn: number,
): Promise<string> {
  const base = `http://${mirror.host}${mirror.directory.replace(/\/+$/, "")}`;
  const index = run("sh", [
    "-c",
    `curl -fsS ${base}/dists/bookworm/main/debian-installer/binary-amd64/Packages.xz | xz -dc`,
  ]);
  const files = [...index.matchAll(/^Filename: (\S+)$/gm)].map((m) => m[1]);
  const missing: string[] = [];
  for (let i = 0; i < files.length; i += 16) {
    const batch = files.slice(i, i + 16);
    const codes = await Promise.all(
      batch.map((f) =>
        fetch(`${base}/${f}`, { method: "HEAD" }).then(
          (r) => r.status,
          () => 0,
        ),
      ),
    );
    batch.forEach((f, j) => codes[j] !== 200 && missing.push(f));
  }
  const seconds = Math.round((first.at - poweredOn) / 1000);
  writeFileSync(join(work, "missing-udebs.txt"), `${missing.join("\n")}\n`);
  return [
    `the Debian archive reachable here lacks the installer's own components: it answered 404 for ${first.file},`,
    `and ${missing.length} of the ${files.length} udebs its debian-installer index lists are missing`,
    `(list in ${join(work, "missing-udebs.txt")}). The installer cannot partition or install without them.`,
    `That request came ${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s after power-on under ${accel.toUpperCase()}, past every earlier stage: DHCP, proxy-DHCP, iPXE, the installer's kernel and initrd, its preseed, and the archive's indexes through the proxy.`,
  ].join("\n");
}

function cleanup(): void {
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

main()
  .then(() => {
    cleanup();
    process.exit(0);
  })
  .catch((e: Error) => {
    const verdict = e instanceof Blocked ? "BLOCKED (exit 77)" : "FAIL";
    if (existsSync(work)) say(`${verdict}: ${e.message}`);
    else console.error(e.message);
    cleanup();
    // 77: the conventional "could not run here" status, distinct from a failure of Hearth's own parts.
    process.exit(e instanceof Blocked ? 77 : 1);
  });

// Ctrl-C, and a CI job cancelled (SIGTERM), still stop the machines and tear the network down.
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(code);
  });
}
