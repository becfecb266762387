/**
 * What the node watcher's contract tests (components/metal/wait-for-node*.contract.test.ts) share: a real
 * OpenSSH server on loopback serving a pinned host key, started before the importing test file's tests and
 * stopped after them (the hooks below run in the importing file), log lines in the formats dnsmasq and
 * python3's HTTP server wrote in a real run, and `watch`, which runs the watcher as the controller would.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { generateEd25519KeyPair } from "../components/secrets/openssh";
import { NodeWaitSpec, waitArguments, waitProgram } from "../components/metal/node-wait";
import { freePort } from "./sshd";

/** The node's MAC, as the log lines name it. */
export const MAC = "52:54:00:77:00:50";
/** dnsmasq's lines for the node's network boot. */
export const DNSMASQ_LINES = [
  "dnsmasq-dhcp[27383]: 848366194 PXE(br0) 52:54:00:77:00:50 proxy",
  "dnsmasq-dhcp[27383]: 0 PXE(br0) 10.77.0.50 52:54:00:77:00:50 http://10.77.0.2:8080/boot.ipxe",
];
/** The HTTP server's line for the node's boot script. */
export const HTTP_SCRIPT =
  '10.77.0.50 - - [24/Nov/2026 12:33:07] "GET /nodes/52-54-00-77-00-50.ipxe HTTP/1.1" 200 -';
/** The HTTP server's line for the node's install file: the install began. */
export const HTTP_INSTALL =
  '10.77.0.50 - - [24/Nov/2026 12:33:48] "GET /nodes/52-54-00-77-00-50.preseed HTTP/1.1" 200 -';
/** The HTTP server's lines for the installer's end-of-install report. */
export const HTTP_REPORTED = [
  "10.77.0.50 - - [24/Nov/2026 12:51:02] code 404, message File not found",
  '10.77.0.50 - - [24/Nov/2026 12:51:02] "GET /nodes/52-54-00-77-00-50.installed HTTP/1.1" 404 -',
];

/** A scratch folder: the host key, the log files. */
export let dir: string;
let sshd: ChildProcess;
/** The sshd's port. */
export let port: number;
/** What sshd logged (-e), kept in memory: it may still write while the directory is removed. */
export let sshdLog = "";
/** The host key the sshd serves, and the one pinned. */
export const served = generateEd25519KeyPair("node-a");
/** Another host key. */
export const other = generateEd25519KeyPair("someone-else");

async function waitListening(p: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = spawnSync("sh", ["-c", `ss -ltn | grep -q '127.0.0.1:${p} '`]);
    if (r.status === 0) return;
    await new Promise((r2) => setTimeout(r2, 100));
  }
  throw new Error(`sshd did not listen on ${p}: ${sshdLog}`);
}

beforeAll(async () => {
  if (!existsSync("/usr/sbin/sshd")) {
    throw new Error("OpenSSH's sshd is missing: scripts/test-setup.sh installs openssh-server");
  }
  dir = mkdtempSync(join(tmpdir(), "hearth-wait-"));
  writeFileSync(join(dir, "host_key"), served.privateKey, { mode: 0o600 });
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  port = await freePort();
  sshd = spawn(
    "/usr/sbin/sshd",
    [
      "-D",
      "-e",
      "-f",
      "/dev/null",
      "-o",
      `Port=${port}`,
      "-o",
      "ListenAddress=127.0.0.1",
      "-o",
      `HostKey=${join(dir, "host_key")}`,
      "-o",
      "PidFile=none",
      "-o",
      "LogLevel=VERBOSE",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  sshd.stderr?.on("data", (c: Buffer) => {
    sshdLog += c.toString();
  });
  await waitListening(port);
});

afterAll(() => {
  sshd?.stderr?.removeAllListeners("data");
  sshd?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the watcher as the controller would (program on stdin), with log files instead of the journal. */
export function watch(
  overrides: Partial<NodeWaitSpec>,
  logs: { dnsmasq: string[]; http: string[] },
) {
  const dnsmasq = join(dir, "dnsmasq.log");
  const http = join(dir, "http.log");
  writeFileSync(dnsmasq, logs.dnsmasq.join("\n"));
  writeFileSync(http, logs.http.join("\n"));
  const spec: NodeWaitSpec = {
    name: "node-a",
    mac: MAC,
    installFile: "52-54-00-77-00-50.preseed",
    host: "127.0.0.1",
    port,
    user: "hearth",
    hostKey: served.publicKey,
    timeoutMinutes: 0.05,
    intervalSeconds: 0.5,
    logFiles: { dnsmasq, http },
    ...overrides,
  };
  const started = Date.now();
  const r = spawnSync("python3", ["-", ...waitArguments(spec)], {
    input: waitProgram(),
    encoding: "utf8",
    timeout: 60000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

/** The SHA-256 fingerprint ssh-keygen gives a public key. */
export function fingerprint(publicKey: string): string {
  const file = join(dir, "fp.pub");
  writeFileSync(file, `${publicKey}\n`);
  return spawnSync("ssh-keygen", ["-l", "-f", file], { encoding: "utf8" }).stdout.split(" ")[1];
}
