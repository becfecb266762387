/**
 * The wait that follows one node's install from the controller: `wait-for-node.py` (shipped beside this file),
 * run by python3 on the controller with the program on standard input. `npm run test:metal` runs the same
 * program with the same arguments against a virtual machine.
 */
import { readFileSync } from "fs";
import { join } from "path";
import { HEARTH_ROOT, shellQuote } from "../shell";

/** The watcher's source; it travels as the wait command's standard input. */
export function waitProgram(): string {
  return readFileSync(join(__dirname, "wait-for-node.py"), "utf8");
}

/** Exit codes of the watcher, and what each means. */
export const WAIT_EXIT = { ready: 0, timeout: 2, otherHostKey: 3, installerStopped: 4 } as const;

/** What the watcher needs to know about a node. */
export interface NodeWaitSpec {
  name: string;
  mac: string;
  /** File name of the node's install file under `nodes/` (image plan, preseed or kickstart). */
  installFile: string;
  host: string;
  port: number;
  user: string;
  /** The pinned `ssh-ed25519 AAAA...` line. */
  hostKey: string;
  timeoutMinutes: number;
  /** Read these files instead of the controller's journal (tests). */
  logFiles?: { dnsmasq: string; http: string };
  /** Seconds between polls. @default 10 */
  intervalSeconds?: number;
  /**
   * Image installs: the plan's install id, and the controller's nodes/ directory where the HTTP server records
   * the id each node last reported. Another recorded id means the node must report this install first.
   */
  install?: { id: string; nodesDir: string; alsoAccept?: string[] };
  /**
   * The install file as the HTTP server serves it and a root-only copy the wait keeps of it: a wait that fails
   * (timeout, another host key, the installer stopped) removes the served file, which holds the node's host
   * private key, and the next wait serves it again from the copy before it watches. @default the file is left
   * alone
   */
  republish?: { served: string; kept: string; owner: string };
}

/** The watcher's command-line arguments. */
export function waitArguments(spec: NodeWaitSpec): string[] {
  return [
    "--name",
    spec.name,
    "--mac",
    spec.mac,
    "--install-file",
    spec.installFile,
    "--host",
    spec.host,
    "--port",
    String(spec.port),
    "--user",
    spec.user,
    "--host-key",
    spec.hostKey.trim(),
    "--timeout-minutes",
    String(spec.timeoutMinutes),
    ...(spec.intervalSeconds !== undefined ? ["--interval", String(spec.intervalSeconds)] : []),
    ...(spec.logFiles
      ? ["--dnsmasq-log", spec.logFiles.dnsmasq, "--http-log", spec.logFiles.http]
      : []),
    ...(spec.install
      ? [
          "--install-id",
          spec.install.id,
          "--nodes-dir",
          spec.install.nodesDir,
          ...(spec.install.alsoAccept ?? []).flatMap((id) => ["--accept-id", id]),
        ]
      : []),
  ];
}

/**
 * The wait command for the controller: python3 reads the program from standard input. It runs as root because
 * the controller's journal (dnsmasq and HTTP logs) is readable by root and the adm group only.
 */
export function waitCommand(spec: NodeWaitSpec): string {
  const args = waitArguments(spec).map(shellQuote).join(" ");
  const wait = `$hearth_root python3 - --since "$(($(date +%s) - 300))" ${args}`;
  const lines = [HEARTH_ROOT];
  if (!spec.republish) {
    // Five minutes back: Wake-on-LAN went out just before, and the machine may have answered already.
    lines.push(wait);
    return lines.join("\n");
  }
  const served = shellQuote(spec.republish.served);
  const kept = shellQuote(spec.republish.kept);
  const owner = shellQuote(spec.republish.owner);
  const keptDir = shellQuote(spec.republish.kept.replace(/\/[^/]+$/, ""));
  lines.push(
    // Root keeps a copy outside the HTTP root; a failed wait took the served file away: serve it again.
    `$hearth_root install -d -m 0700 ${keptDir}`,
    `if $hearth_root test -e ${served}; then`,
    `  $hearth_root install -m 0600 -o root -g root ${served} ${kept}`,
    `elif $hearth_root test -f ${kept}; then`,
    `  $hearth_root install -m 0600 -o ${owner} -g ${owner} ${kept} ${served}`,
    "fi",
    "status=0",
    `${wait} || status=$?`,
    // The node did not come up as it should: its host private key leaves the HTTP server until the next try.
    `if [ "$status" -ne 0 ]; then $hearth_root rm -f ${served}; echo "the install file, which holds the node's host key, is no longer served; the next pulumi up serves it again" >&2; fi`,
    'exit "$status"',
  );
  return lines.join("\n");
}
