/**
 * The PXE controller on the LAN: a debootstrapped Debian 12 set up by the scripts `PxeController`
 * runs, its units started from their own lines, and the node's files published (and republished per run).
 */
import { spawnSync } from "child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import {
  dnsmasqConfigScript,
  publicFileScript,
  secretFileScript,
} from "../../../components/metal/controller-scripts";
import { renderInstallFile } from "../../../components/metal/pxe-plan";
import { PxeNodeSpec } from "../../../components/metal/spec";
import { imageCache, NS, scratch, work } from "./lab";
import { debootstrap, readText, run, say } from "./host";
import { mounts, start } from "./processes";
import { figures } from "./report";
import { planFor } from "./plan";

/** The `ExecStart=` (and `ExecStartPre=`) command lines of a unit, as systemd would run them. */
function execLines(unit: string, key: "ExecStart" | "ExecStartPre"): string[][] {
  return unit
    .split("\n")
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1).split(" "));
}

/** The controller: a Debian 12 root on the LAN, set up by the scripts `PxeController` runs over SSH. */
export interface Controller {
  root: string;
  /** Runs a step's script as `RemoteCommand` would (a root shell; `stdin` is the command's stdin). */
  step(name: string, script: string, stdin?: string): string;
  /** Host paths of the service logs, and the same files as the controller sees them. */
  logs: { dnsmasq: string; http: string };
  logsInside: { dnsmasq: string; http: string };
}

/**
 * Deploys the controller the way `PxeController` does, into a debootstrapped Debian 12 on the LAN: the setup
 * script (packages through the LAN's proxy, the HTTP user, directories, iPXE binaries, Debian's netboot
 * installer, both systemd units), then dnsmasq.conf, the boot script, the node's install file and iPXE script,
 * each through its own script with the content on stdin. A chroot has no systemd, so a `systemctl` stand-in
 * records the calls; the units the setup wrote are then started by their own `User=`, `ExecStartPre=` and
 * `ExecStart=` lines. The one difference from systemd: logs go to files instead of the journal.
 */
export function deployController(
  plan: ReturnType<typeof planFor>["plan"],
  installText: string,
  mirror: string,
  proxy: string,
): Controller {
  const root = join(scratch, "controller");
  say("controller: debootstrap Debian 12, then Hearth's setup and file scripts");
  debootstrap(root, [], mirror, proxy, "debootstrap-controller.log");
  writeFileSync(
    join(root, "etc/apt/sources.list"),
    [
      "deb http://deb.debian.org/debian bookworm main",
      "deb http://deb.debian.org/debian bookworm-updates main",
      "deb http://deb.debian.org/debian-security bookworm-security main",
      "",
    ].join("\n"),
  );
  writeFileSync(join(root, "etc/apt/apt.conf.d/90proxy"), `Acquire::http::Proxy "${proxy}";\n`);
  writeFileSync(
    join(root, "usr/local/bin/systemctl"),
    [
      "#!/bin/sh",
      'echo "systemctl $*" >> /var/log/hearth-systemctl.log',
      // Nothing runs until the harness starts the units, so "is-active" says inactive.
      'case "$1" in is-active) exit 3;; esac',
      "exit 0",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  const step = (name: string, script: string, stdin?: string): string => {
    const r = spawnSync("ip", ["netns", "exec", NS, "chroot", root, "sh", "-c", script], {
      input: stdin ?? "",
      encoding: "utf8",
    });
    appendFileSync(
      join(work, "controller-steps.log"),
      `== ${name} (exit ${r.status})\n${r.stdout}${r.stderr}\n`,
    );
    if (r.status !== 0) {
      throw new Error(
        `controller step ${name} failed (${r.status}): ${r.stderr.trim().split("\n").slice(-5).join("\n")}`,
      );
    }
    return r.stdout + r.stderr;
  };
  // A real controller has /proc, /sys and /dev; mmdebstrap needs them. The node images live in the cache,
  // mounted where the setup puts the HTTP root, so a warm run finds its build there.
  for (const m of ["proc", "sys", "dev", "dev/pts"]) {
    mkdirSync(join(root, m), { recursive: true });
    run("mount", ["--bind", `/${m}`, join(root, m)]);
    mounts.unshift(join(root, m));
  }
  const imagesDir = join(root, plan.layout.httpRoot, "images");
  mkdirSync(imagesDir, { recursive: true });
  mkdirSync(imageCache, { recursive: true });
  run("mount", ["--bind", imageCache, imagesDir]);
  mounts.unshift(imagesDir);
  const started = Date.now();
  step("setup", plan.setupText);
  say(`controller: setup done in ${Math.round((Date.now() - started) / 1000)}s`);
  for (const image of plan.images) {
    const t = Date.now();
    say(`controller: building ${image.path} (skipped when the cache holds that build)`);
    const out = step(`image-${image.spec.arch}`, image.buildText);
    const seconds = Math.round((Date.now() - t) / 1000);
    const cached = /built already/.test(out);
    figures.imageBuild = { seconds, cached };
    say(
      `controller: image step ${cached ? "found the build cached" : "built the image"} in ${seconds}s: ${out
        .split("\n")
        .filter((l) => l.startsWith("Hearth:"))
        .pop()}`,
    );
  }
  step("dnsmasq", dnsmasqConfigScript(plan.layout), plan.dnsmasqConf);
  step("boot-script", publicFileScript(plan.bootPath), plan.bootText);
  publishNode(step, plan, installText);
  say(
    `controller: systemctl was asked: ${readText(join(root, "var/log/hearth-systemctl.log")).trim().split("\n").join("; ")}`,
  );

  const logsInside = { dnsmasq: "/var/log/hearth-dnsmasq.log", http: "/var/log/hearth-http.log" };
  const logs = { dnsmasq: join(root, logsInside.dnsmasq), http: join(root, logsInside.http) };
  const unit = (name: string) => readFileSync(join(root, "etc/systemd/system", name), "utf8");
  const inRoot = (user: string | undefined, cmd: string[]): [string, string[]] => [
    "ip",
    [
      "netns",
      "exec",
      NS,
      "chroot",
      ...(user ? [`--userspec=${uidOf(root, user)}`] : []),
      root,
      ...cmd,
    ],
  ];
  const dnsmasqUnit = unit("hearth-dnsmasq.service");
  for (const cmd of execLines(dnsmasqUnit, "ExecStartPre")) {
    say(`controller: ${cmd.join(" ")} -> ${run(...inRoot(undefined, cmd)).trim() || "ok"}`);
  }
  const [dnsmasqCmd] = execLines(dnsmasqUnit, "ExecStart");
  start(
    "controller-dnsmasq",
    ...inRoot(unitUser(dnsmasqUnit), [...dnsmasqCmd, "--log-facility=-"]),
    logs.dnsmasq,
  );
  const httpUnit = unit("hearth-http.service");
  const [[python, ...httpArgs]] = execLines(httpUnit, "ExecStart");
  start("controller-http", ...inRoot(unitUser(httpUnit), [python, "-u", ...httpArgs]), logs.http);
  return { root, step, logs, logsInside };
}

/** The node's two files, as `PxeController` publishes them: its install file first, then its iPXE script. */
export function publishNode(
  step: Controller["step"],
  plan: ReturnType<typeof planFor>["plan"],
  installText: string,
): void {
  const [n] = plan.nodes;
  step("install-file", secretFileScript(n.installPath), installText);
  step("ipxe", publicFileScript(n.scriptPath), n.scriptText);
}

/** A unit's `User=`, when it has one. */
function unitUser(unit: string): string | undefined {
  return /^User=(\S+)$/m.exec(unit)?.[1];
}

/** `uid:gid` of a user in a root file system's passwd (chroot's --userspec then needs no lookup). */
function uidOf(root: string, user: string): string {
  const line = readFileSync(join(root, "etc/passwd"), "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`the controller has no user ${user}`);
  const [, , uid, gid] = line.split(":");
  return `${uid}:${gid}`;
}

/**
 * Starts each machine's run with empty controller logs (the old ones are kept beside them), as the journal's
 * `--since` does on a real controller: the watcher reads the log files whole.
 */
export function rotateLogs(controller: Controller, label: string): void {
  for (const log of [controller.logs.dnsmasq, controller.logs.http]) {
    const text = readText(log);
    if (text) appendFileSync(`${log}.before-${label}`, text);
    // The services write with O_APPEND, so their next line lands at the new end.
    if (existsSync(log)) writeFileSync(log, "");
  }
}

/** Publishes the node's plan naming `disk`, with fresh controller logs labelled `label`; returns the plan. */
export function publishPlanNaming(
  ctx: Installed,
  operatorPublic: string,
  disk: string,
  label: string,
) {
  const { plan } = planFor(ctx.hostKey, operatorPublic, "image", disk);
  const installText = renderInstallFile(
    plan.nodes[0].node,
    plan.server,
    ctx.hostKey.privateKey,
    ctx.hostKey.publicKey,
    plan.nodes[0].image,
  );
  rotateLogs(ctx.controller, label);
  publishNode(ctx.controller.step, plan, installText);
  return plan;
}

/** What the checks after SSH-ready need. */
export interface Installed {
  node: PxeNodeSpec;
  hostKey: { privateKey: string; publicKey: string };
  operatorKey: string;
  controller: Controller;
  plan: ReturnType<typeof planFor>["plan"];
}
