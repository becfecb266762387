/**
 * The long-lived processes the run starts (and the mounts it makes): started with their logs, watched
 * for LAN services that die, and stopped at the end.
 */
import { ChildProcess, spawn } from "child_process";
import { closeSync, openSync } from "fs";
import { join } from "path";
import { work } from "./lab";
import { say } from "./host";

/** Every process the run started, stopped at the end. */
export const children: ChildProcess[] = [];
/** Mount points to undo at the end, innermost first. */
export const mounts: string[] = [];

/** Starts a long-lived process with its output in `log`; it is killed when the test ends. */
export function start(
  name: string,
  cmd: string,
  args: string[],
  log = join(work, `${name}.log`),
): ChildProcess {
  const out = openSync(log, "a");
  const child = spawn(cmd, args, { stdio: ["ignore", out, out], detached: true });
  closeSync(out);
  children.push(child);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    say(`${name} exited (${code ?? signal})`);
    if (name.startsWith("controller-") || name.startsWith("router-") || name === "apt-cacher-ng") {
      died.push(`${name} exited (${code ?? signal}); see ${log}`);
    }
  });
  return child;
}
let stopping = false;
/** Services of the LAN that stopped on their own: the run cannot go on without them. */
export const died: string[] = [];

/** Sends SIGTERM to a child's process group, unless it has exited. */
export function stopChild(child: ChildProcess): void {
  if (child.exitCode === null && child.pid) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
}

/** Stops every process the run started; from now on their exits are expected, not reported. */
export function stopAll(): void {
  stopping = true;
  for (const c of children) stopChild(c);
}
