/**
 * Running things on the host: the timeline (`say`), commands to their end (`run`, in the lab's namespace
 * with `inNs`), the preflight that names missing tools, debootstrap, and small waits.
 */
import { spawnSync } from "child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { FIRMWARES, INSTALLER, NS, OVMF, work } from "./lab";
import { checkLab } from "../../../scripts/lab-network";

const t0 = Date.now();

/** Prints a line with the time since the run began, and adds it to timeline.log. */
export function say(message: string): void {
  const s = Math.round((Date.now() - t0) / 1000);
  const line = `[metal ${String(Math.floor(s / 60)).padStart(3)}m${String(s % 60).padStart(2, "0")}s] ${message}`;
  console.log(line);
  appendFileSync(join(work, "timeline.log"), `${line}\n`);
}

/** Runs a command to its end: its output, or an error with it when it fails (unless `allowFail`). */
export function run(cmd: string, args: string[], allowFail = false): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0 && !allowFail) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`);
  }
  return r.stdout;
}

/** A command as it runs inside the lab's network namespace. */
export const inNs = (cmd: string, args: string[]): [string, string[]] => [
  "ip",
  ["netns", "exec", NS, cmd, ...args],
];

/** Refuses to start without root and the tools the run uses, naming the packages that have them. */
export function preflight(): void {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) {
    problems.push("run as root (network namespaces, taps, chroots, dnsmasq)");
  }
  const tools: Record<string, string> = {
    "qemu-system-x86_64": "qemu-system-x86",
    "qemu-img": "qemu-utils",
    "/usr/sbin/dnsmasq": "dnsmasq-base",
    "/usr/sbin/apt-cacher-ng": "apt-cacher-ng",
    ssh: "openssh-client",
    debootstrap: "debootstrap",
    ip: "iproute2",
  };
  if (INSTALLER === "image" && FIRMWARES.includes("uefi")) {
    for (const f of Object.values(OVMF))
      if (!existsSync(f)) problems.push(`${f} is missing (apt-get install ovmf)`);
  }
  for (const [tool, pkg] of Object.entries(tools)) {
    const found = tool.startsWith("/")
      ? existsSync(tool)
      : run("sh", ["-c", `command -v ${tool} || true`]).trim() !== "";
    if (!found) problems.push(`${tool} is missing (apt-get install ${pkg})`);
  }
  // The lab network is the sandbox's too (scripts/lab-network.ts): one of them at a time.
  const held = checkLab("test:metal");
  if (held) problems.push(held);
  if (problems.length > 0) {
    throw new Error(
      `test:metal cannot run:\n  - ${problems.join("\n  - ")}\n(bash scripts/metal-setup.sh installs the packages)`,
    );
  }
}

/** Runs debootstrap (minbase, Debian 12) into `dir` through the proxy; its output goes to `<log>`. */
export function debootstrap(
  dir: string,
  packages: string[],
  mirror: string,
  proxy: string,
  log: string,
): void {
  const r = spawnSync(
    "debootstrap",
    [
      "--variant=minbase",
      ...(packages.length ? [`--include=${packages.join(",")}`] : []),
      "bookworm",
      dir,
      mirror,
    ],
    { encoding: "utf8", env: { ...process.env, http_proxy: proxy } },
  );
  writeFileSync(join(work, log), r.stdout + r.stderr);
  if (r.status !== 0)
    throw new Error(`debootstrap into ${dir} failed (${r.status}); see ${join(work, log)}`);
}

/** A file's text, or "" when it does not exist (yet). */
export function readText(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks `what` every two seconds for at most `seconds`; whether it came true. */
export async function waitFor(what: () => boolean, seconds: number): Promise<boolean> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (what()) return true;
    await sleep(2000);
  }
  return what();
}
