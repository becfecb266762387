/**
 * The node wait, as the component runs it on the controller (`wait-for-node.py` on stdin): its arguments,
 * the long watch that follows an install, and a short one that pins a given host key.
 */
import { spawn, spawnSync } from "child_process";
import { NodeWaitSpec, waitCommand, waitProgram } from "../../../components/metal/node-wait";
import { PxeNodeSpec, installFileName } from "../../../components/metal/spec";
import { NODE_IP, NS } from "./lab";
import { say } from "./host";
import { children, died, stopChild } from "./processes";
import { Controller, Installed } from "./controller";

/**
 * The watcher the component runs, on the controller, until SSH answers with the pinned key (or it fails). It is
 * stopped early when a LAN service died or `stopWhen` says so.
 */
export function watch(
  controller: Controller,
  spec: NodeWaitSpec,
  stopWhen: () => boolean = () => false,
): Promise<number> {
  return new Promise<number>((resolve) => {
    const w = spawn(
      "ip",
      ["netns", "exec", NS, "chroot", controller.root, "sh", "-c", waitCommand(spec)],
      { stdio: ["pipe", "pipe", "pipe"], detached: true },
    );
    w.stdin.end(waitProgram());
    children.push(w);
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n").filter(Boolean)) say(`watcher: ${line}`);
    };
    w.stdout.on("data", relay);
    w.stderr.on("data", relay);
    const watchdog = setInterval(() => {
      if (died.length > 0 || stopWhen()) stopChild(w);
    }, 5000);
    w.on("exit", (c) => {
      clearInterval(watchdog);
      resolve(c ?? 1);
    });
  });
}

/** The image run's wait: the component's, with the plan's install id. */
export function imageWaitSpec(ctx: Installed, installId: string, minutes: number): NodeWaitSpec {
  return {
    ...waitSpec(ctx.node, ctx.hostKey.publicKey, ctx.controller, minutes, 10),
    install: { id: installId, nodesDir: ctx.plan.layout.nodesDir },
  };
}

/** The wait's arguments as the component builds them, reading the controller's log files. */
export function waitSpec(
  node: PxeNodeSpec,
  hostKey: string,
  controller: Controller,
  timeoutMinutes: number,
  intervalSeconds: number,
): NodeWaitSpec {
  return {
    name: node.name,
    mac: node.mac,
    installFile: installFileName(node),
    host: NODE_IP,
    port: 22,
    user: node.sshUser,
    hostKey,
    timeoutMinutes,
    logFiles: controller.logsInside,
    intervalSeconds,
  };
}

/** Runs the controller's wait for one minute at most, pinning `hostKey`, as the component's wait step does. */
export function watchOnce(ctx: Installed, hostKey: string, intervalSeconds: number) {
  const command = waitCommand(waitSpec(ctx.node, hostKey, ctx.controller, 1, intervalSeconds));
  return spawnSync(
    "ip",
    ["netns", "exec", NS, "chroot", ctx.controller.root, "sh", "-c", command],
    {
      input: waitProgram(),
      encoding: "utf8",
    },
  );
}
