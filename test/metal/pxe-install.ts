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
import { ChildProcess } from "child_process";
import { existsSync, mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { generateEd25519KeyPair } from "../../components/secrets/openssh";
import { WAIT_EXIT } from "../../components/metal/node-wait";
import { renderInstallFile } from "../../components/metal/pxe-plan";
import { INSTALLER, KVM_PROBE_SECONDS, TIMEOUT_MINUTES, work } from "./pxe-install/lab";
import { preflight, readText, run, say, sleep, waitFor } from "./pxe-install/host";
import { died, stopChild } from "./pxe-install/processes";
import { setupNetwork, startRouter } from "./pxe-install/network";
import { kvmAvailable, startMachine } from "./pxe-install/machine";
import { planFor } from "./pxe-install/plan";
import { deployController, Installed } from "./pxe-install/controller";
import { waitSpec, watch } from "./pxe-install/watch";
import { checkInstalled, lockToDisk } from "./pxe-install/checks";
import { imageRuns } from "./pxe-install/image-runs";
import {
  archiveBlock,
  Blocked,
  missingInstallerFile,
  postInstallStandIn,
  Refused,
} from "./pxe-install/debian-installer";
import { cleanup } from "./pxe-install/cleanup";

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
