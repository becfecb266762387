/**
 * Debian's installer with a preseed (HEARTH_METAL_INSTALLER=debian-installer): when the reachable
 * archive lacks the installer's udebs, the evidence (`archiveBlock`), the post-install stand-in, and the
 * `Blocked` verdict (exit 77).
 */
import { spawnSync } from "child_process";
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { WAIT_EXIT } from "../../../components/metal/node-wait";
import { NODE_IP, NS, scratch, work } from "./lab";
import { debootstrap, inNs, run, say } from "./host";
import { start } from "./processes";
import { Installed } from "./controller";
import { watchOnce } from "./watch";
import { checkInstalled, lockToDisk } from "./checks";

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
export async function postInstallStandIn(ctx: Installed, preseed: string): Promise<string[]> {
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
export class Blocked extends Error {}

/** A file the archive answered 404 for, and when (epoch ms, apt-cacher-ng's own time stamp). */
export interface Refused {
  file: string;
  at: number;
}

/** The first installer component (udeb) the archive answered 404 for, from apt-cacher-ng's transfer log. */
export function missingInstallerFile(log: string): Refused | undefined {
  const m = /^(\d+)\|E\|\d+\|[^|]*\|\w+\/(pool\/\S+\.udeb) \[HTTP error, code: 404\]/m.exec(log);
  return m ? { file: m[2], at: Number(m[1]) * 1000 } : undefined;
}

/**
 * The installer asked the archive for one of its own components and got 404. Counts how many of the
 * installer components the archive's index lists are really there, so the report says how much is missing.
 */
export async function archiveBlock(
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
