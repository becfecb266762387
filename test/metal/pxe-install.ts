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
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "fs";
import { join } from "path";
import { generateEd25519KeyPair } from "../../components/secrets/openssh";
import { toolchainEnv } from "../../scripts/toolchain/env";
import { installedScript } from "../../components/metal/controller-scripts";
import { WAIT_EXIT } from "../../components/metal/node-wait";
import { renderInstallFile } from "../../components/metal/pxe-plan";
import { installFileName } from "../../components/metal/spec";
import {
  cache,
  CIDR,
  CONTROLLER,
  Firmware,
  FIRMWARES,
  HTTP_PORT,
  INSTALLER,
  KVM_PROBE_SECONDS,
  MAC,
  NODE_IP,
  NS,
  ROUTER,
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

/** ssh to the node as the login user, the pinned host key the only one known. */
function nodeSsh(ctx: Installed, remote: string, input?: string): ReturnType<typeof spawnSync> {
  const knownHosts = join(work, "known_hosts");
  writeFileSync(knownHosts, `${NODE_IP} ${ctx.hostKey.publicKey}\n`);
  const [cmd, args] = inNs("ssh", [
    "-F",
    "/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
    "-o",
    "IdentitiesOnly=yes",
    "-i",
    ctx.operatorKey,
    `${ctx.node.sshUser}@${NODE_IP}`,
    remote,
  ]);
  return spawnSync(cmd, args, { encoding: "utf8", input: input ?? "" });
}

/** The node's identity as configured: firmware, static address, route, name server, time zone, install id. */
function checkIdentity(ctx: Installed, firmware: Firmware): string[] {
  const out = (remote: string) => String(nodeSsh(ctx, remote).stdout).trim();
  const efi = out("[ -d /sys/firmware/efi ] && echo uefi || echo bios");
  const addr = out("ip -4 -o addr show scope global | awk '{print $4}'");
  const route = out("ip -4 route show default | awk '{print $3}'");
  const dns = out("resolvectl dns 2>&1 | tr '\\n' ' '");
  const network = out("cat /etc/systemd/network/10-hearth.network");
  const tz = out("timedatectl show -p Timezone --value");
  const id = out("cat /etc/hearth/install-id");
  const esp = out("findmnt -n -o SOURCE /boot/efi || true");
  say(
    `${firmware}: firmware=${efi} address=${addr} gateway=${route} dns=${dns} timezone=${tz} install-id=${id} esp=${esp || "none"}`,
  );
  const problems: string[] = [];
  if (efi !== firmware) problems.push(`the node booted under ${efi}, not ${firmware}`);
  const want = `${NODE_IP}/${CIDR.split("/")[1]}`;
  if (addr !== want) problems.push(`its address is ${addr}, not the configured ${want}`);
  if (!network.includes(`Address=${want}`))
    problems.push("its network file has no static Address=");
  if (route !== ROUTER) problems.push(`its default route is ${route}, not ${ROUTER}`);
  if (!dns.includes(ROUTER)) problems.push(`its name server is ${dns}, not ${ROUTER}`);
  if (tz !== ctx.node.timezone) problems.push(`its time zone is ${tz}, not ${ctx.node.timezone}`);
  if (id !== ctx.plan.nodes[0].installId) problems.push(`its install id is ${id}`);
  if (firmware === "uefi" && !esp.startsWith("/dev/vda1"))
    problems.push(`/boot/efi is ${esp || "not mounted"}`);
  return problems;
}

/**
 * `MetalNode`'s own preparation step through the real engine: `test/metal/prepare` is a one-resource program
 * (a `MetalNode` at the machine's address, the operator key and the pinned host key) run with the cached
 * Pulumi toolchain and Hearth's provider plugin, `pulumi up` then `pulumi up --expect-no-changes`; then the
 * step's effects on the machine, and that the operator key is in the state only encrypted.
 */
function prepareThroughEngine(ctx: Installed, firmware: Firmware): string[] {
  // A stack per machine: each is a new node, which a stack that already prepared another would skip.
  const stack = `metal-${firmware}`;
  const project = join(__dirname, "prepare");
  const configFile = join(work, `Pulumi.${stack}.yaml`);
  const env = toolchainEnv(join(work, "pulumi-state"), {
    ...process.env,
    PULUMI_CONFIG_PASSPHRASE: "test-metal (a throwaway stack)",
  });
  if (spawnSync("sh", ["-c", "command -v pulumi"], { env }).status !== 0) {
    return [
      `no Pulumi CLI in the toolchain (${env.HEARTH_TOOLCHAIN_BIN}): run bash scripts/toolchain/build.sh (npm run test:e2e builds it)`,
    ];
  }
  const pulumi = (args: string[], input?: string, withConfig = true) => {
    const flags = ["--stack", stack, ...(withConfig ? ["--config-file", configFile] : [])];
    const r = spawnSync("pulumi", [...args, ...flags], {
      cwd: project,
      env,
      encoding: "utf8",
      input: input ?? "",
    });
    appendFileSync(
      join(work, "pulumi.log"),
      `== pulumi ${args.join(" ")} (exit ${r.status})\n${r.stdout}${r.stderr}\n`,
    );
    return r;
  };
  const init = spawnSync("pulumi", ["stack", "init", stack], {
    cwd: project,
    env,
    encoding: "utf8",
  });
  if (init.status !== 0 && !/already exists/.test(init.stderr)) {
    return [`pulumi stack init failed: ${init.stderr.trim()}`];
  }
  const settings: Record<string, string> = {
    "metal:name": ctx.node.name,
    "metal:host": NODE_IP,
    "metal:user": ctx.node.sshUser,
    "metal:hostKey": ctx.hostKey.publicKey,
    "metal:timezone": ctx.node.timezone,
    "metal:packages": JSON.stringify(ctx.node.packages),
  };
  for (const [k, v] of Object.entries(settings)) pulumi(["config", "set", k, v]);
  pulumi(["config", "set", "--secret", "metal:privateKey"], readFileSync(ctx.operatorKey, "utf8"));
  const t = Date.now();
  const up = pulumi(["up", "--yes", "--skip-preview"]);
  const seconds = Math.round((Date.now() - t) / 1000);
  if (up.status !== 0) {
    return [
      `pulumi up of the preparation failed (${up.status}): ${(up.stdout + up.stderr).trim().split("\n").slice(-8).join("\n")}`,
    ];
  }
  const again = pulumi(["up", "--yes", "--expect-no-changes"]);
  // The needle is first shown to be in the decrypted state, so its absence from the plain export counts.
  const exported = pulumi(["stack", "export"], undefined, false);
  const decrypted = pulumi(["stack", "export", "--show-secrets"], undefined, false);
  const keyLine = readFileSync(ctx.operatorKey, "utf8").split("\n")[1];
  if (exported.status !== 0 || !decrypted.stdout.includes(keyLine)) {
    return [
      `pulumi stack export did not give the state with the operator key in it (exit ${exported.status}, ${decrypted.status})`,
    ];
  }
  say(
    `prepared through the engine (MetalNode, pulumi up) in ${seconds}s; a second up ${again.status === 0 ? "changed nothing" : `failed (${again.status})`}; the operator key is ${exported.stdout.includes(keyLine) ? "IN PLAIN TEXT in" : "only encrypted in"} the state`,
  );
  // `stack init` leaves the stack's encryption salt beside the project; the stack lives in the run's state.
  rmSync(join(project, `Pulumi.${stack}.yaml`), { force: true });
  const engineProblems: string[] = [];
  if (again.status !== 0)
    engineProblems.push("a second pulumi up of the preparation was not a no-op");
  if (exported.stdout.includes(keyLine))
    engineProblems.push("the operator's private key is in the state in plain text");
  // Read from /proc and dpkg: the login user's PATH has no sbin.
  const check = String(
    nodeSsh(
      ctx,
      [
        "cat /proc/sys/net/ipv4/ip_forward",
        "cat /proc/sys/net/bridge/bridge-nf-call-iptables",
        "grep -c -E '^(overlay|br_netfilter) ' /proc/modules",
        "tail -n +2 /proc/swaps | wc -l",
        "dpkg-query -W -f='${Status}\\n' htop",
      ].join("; "),
    ).stdout,
  )
    .trim()
    .split("\n");
  say(
    `after the preparation: ip_forward=${check[0]} bridge-nf-call-iptables=${check[1]} k3s modules loaded=${check[2]} swaps=${check[3]} htop: ${check[4]}`,
  );
  const problems: string[] = [...engineProblems];
  if (check[0] !== "1" || check[1] !== "1")
    problems.push("the k3s sysctls are not set after the preparation");
  if (check[2] !== "2") problems.push("overlay and br_netfilter are not both loaded");
  if (check[3] !== "0") problems.push("swap is on");
  if (!String(check[4]).includes("install ok installed"))
    problems.push("the node's package htop is not installed");
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

/**
 * Logs in with the operator key, the pinned host key the only one known, and checks what the install left:
 * the served host key, that no other host key type is offered, password-less sudo; then pins another key and
 * expects the watcher to stop (exit 3). Returns the problems found.
 */
function checkInstalled(ctx: Installed, expect: { hostname?: string; rootOn?: string }): string[] {
  const { node, hostKey } = ctx;
  const ssh = (remote: string) => {
    const r = nodeSsh(ctx, remote);
    if (r.status !== 0) throw new Error(`ssh ${remote} failed (${r.status}): ${String(r.stderr)}`);
    return String(r.stdout).trim();
  };
  const hostname = ssh("hostname");
  const served = ssh("cat /etc/ssh/ssh_host_ed25519_key.pub");
  const version = ssh("cat /etc/debian_version");
  const sudo = ssh("sudo -n id -u");
  const root = ssh("findmnt -n -o SOURCE / || true");
  const offered = run(...inNs("ssh-keyscan", ["-T", "10", NODE_IP]), true)
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(" ")[1]);
  say(
    `logged in as ${node.sshUser}: hostname=${hostname} debian=${version} root=${root} sudo uid=${sudo}; host keys offered: ${offered.join(", ")}`,
  );
  const problems: string[] = [];
  if (expect.hostname && hostname !== expect.hostname) {
    problems.push(`hostname is ${hostname}, expected ${expect.hostname}`);
  }
  const same = (a: string, b: string) =>
    a.split(" ").slice(0, 2).join(" ") === b.split(" ").slice(0, 2).join(" ");
  if (!same(served, hostKey.publicKey)) problems.push("the ed25519 host key is not the pinned one");
  if (offered.join(",") !== "ssh-ed25519") {
    problems.push(
      `sshd offers ${offered.join(", ") || "nothing"}, not the pinned ed25519 key alone`,
    );
  }
  if (sudo !== "0") problems.push("password-less sudo does not work");
  if (expect.rootOn && !root.startsWith(expect.rootOn)) {
    problems.push(`root is mounted from ${root}, not ${expect.rootOn}`);
  }

  // A changed host key stops the wait before any command: pin another key and ask again.
  const other = generateEd25519KeyPair("not-metal-vm");
  const mismatch = watchOnce(ctx, other.publicKey, 5);
  say(
    `with another pinned key the watcher exits ${mismatch.status}: ${mismatch.stderr.trim().split("\n").pop()}`,
  );
  if (mismatch.status !== WAIT_EXIT.otherHostKey) {
    problems.push(`a changed host key gave exit ${mismatch.status}, not ${WAIT_EXIT.otherHostKey}`);
  }
  return problems;
}

/**
 * The controller's last step for the node, as `PxeController` runs it once the wait succeeded: the node's iPXE
 * script now boots the disk, and the install file (it holds the host private key) leaves the HTTP server.
 */
function lockToDisk(ctx: Installed): string[] {
  const [n] = ctx.plan.nodes;
  ctx.controller.step("installed", installedScript(n.scriptPath, n.installPath), n.localBootText);
  const base = `http://${CONTROLLER}:${HTTP_PORT}/nodes`;
  const get = (file: string) =>
    run(...inNs("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", `${base}/${file}`]), true);
  const script = run(...inNs("curl", ["-fsS", `${base}/${n.scriptPath.split("/").pop()}`]), true);
  const install = get(installFileName(ctx.node));
  say(
    `controller: after the install the node's script ${script.includes("booting from the local disk") ? "boots the disk" : "still installs"}; its install file answers ${install}`,
  );
  const problems: string[] = [];
  if (script !== n.localBootText)
    problems.push("the node's iPXE script was not switched to local boot");
  if (install !== "404")
    problems.push(`the install file still answers ${install} after the install`);
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
