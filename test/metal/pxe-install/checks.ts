/**
 * The checks on an installed machine, over SSH with the pinned host key: login, host keys, sudo, the
 * changed-key stop, the node's identity, and the controller's `installed` step that locks it to its disk.
 */
import { spawnSync } from "child_process";
import { writeFileSync } from "fs";
import { join } from "path";
import { generateEd25519KeyPair } from "../../../components/secrets/openssh";
import { installedScript } from "../../../components/metal/controller-scripts";
import { WAIT_EXIT } from "../../../components/metal/node-wait";
import { installFileName } from "../../../components/metal/spec";
import { CIDR, CONTROLLER, Firmware, HTTP_PORT, NODE_IP, ROUTER, work } from "./lab";
import { inNs, run, say } from "./host";
import { Installed } from "./controller";
import { watchOnce } from "./watch";

/** ssh to the node as the login user, the pinned host key the only one known. */
export function nodeSsh(
  ctx: Installed,
  remote: string,
  input?: string,
): ReturnType<typeof spawnSync> {
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
export function checkIdentity(ctx: Installed, firmware: Firmware): string[] {
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
 * Logs in with the operator key, the pinned host key the only one known, and checks what the install left:
 * the served host key, that no other host key type is offered, password-less sudo; then pins another key and
 * expects the watcher to stop (exit 3). Returns the problems found.
 */
export function checkInstalled(
  ctx: Installed,
  expect: { hostname?: string; rootOn?: string },
): string[] {
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
export function lockToDisk(ctx: Installed): string[] {
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
