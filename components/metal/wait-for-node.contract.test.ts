/**
 * The controller's node watcher against a real OpenSSH server on loopback: it accepts only the pinned host key,
 * stops at once on another key once the install began (before anything authenticates), and names the last
 * stage when it times out. Log lines are in the formats dnsmasq and python3's HTTP server wrote in a real run.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { freePort } from "../../test/sshd";
import { generateEd25519KeyPair } from "../secrets/openssh";
import { NodeWaitSpec, WAIT_EXIT, waitArguments, waitCommand, waitProgram } from "./node-wait";

const MAC = "52:54:00:77:00:50";
const DNSMASQ_LINES = [
  "dnsmasq-dhcp[27383]: 848366194 PXE(br0) 52:54:00:77:00:50 proxy",
  "dnsmasq-dhcp[27383]: 0 PXE(br0) 10.77.0.50 52:54:00:77:00:50 http://10.77.0.2:8080/boot.ipxe",
];
const HTTP_SCRIPT =
  '10.77.0.50 - - [24/Nov/2026 12:33:07] "GET /nodes/52-54-00-77-00-50.ipxe HTTP/1.1" 200 -';
const HTTP_INSTALL =
  '10.77.0.50 - - [24/Nov/2026 12:33:48] "GET /nodes/52-54-00-77-00-50.preseed HTTP/1.1" 200 -';
const HTTP_REPORTED = [
  "10.77.0.50 - - [24/Nov/2026 12:51:02] code 404, message File not found",
  '10.77.0.50 - - [24/Nov/2026 12:51:02] "GET /nodes/52-54-00-77-00-50.installed HTTP/1.1" 404 -',
];

let dir: string;
let sshd: ChildProcess;
let port: number;
/** What sshd logged (-e), kept in memory: it may still write while the directory is removed. */
let sshdLog = "";
const served = generateEd25519KeyPair("node-a");
const other = generateEd25519KeyPair("someone-else");

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
function watch(overrides: Partial<NodeWaitSpec>, logs: { dnsmasq: string[]; http: string[] }) {
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

function fingerprint(publicKey: string): string {
  const file = join(dir, "fp.pub");
  writeFileSync(file, `${publicKey}\n`);
  return spawnSync("ssh-keygen", ["-l", "-f", file], { encoding: "utf8" }).stdout.split(" ")[1];
}

describe("wait-for-node.py against a real sshd", () => {
  it("finishes once the node answers with the pinned host key", () => {
    const r = watch({}, { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT, HTTP_INSTALL] });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(WAIT_EXIT.ready);
    expect(r.stdout).toContain(
      "hearth: node-a: installing (the installer fetched its install file)",
    );
    expect(r.stdout).toContain("hearth: node-a: SSH answers with the pinned host key");
  });

  it("stops at once, before authenticating, when another key answers after the install began", async () => {
    // Let earlier tests' connections finish logging (sshd's output is read between tests), so what follows
    // is this watcher's alone.
    for (let quiet = 0, seen = -1; quiet < 5; quiet = sshdLog.length === seen ? quiet + 1 : 0) {
      seen = sshdLog.length;
      await new Promise((r2) => setTimeout(r2, 100));
    }
    const before = sshdLog.length;
    const r = watch(
      { hostKey: other.publicKey, timeoutMinutes: 1 },
      { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT, HTTP_INSTALL] },
    );
    expect(r.status).toBe(WAIT_EXIT.otherHostKey);
    expect(r.ms).toBeLessThan(30000);
    expect(r.stderr).toContain(
      `127.0.0.1:${port} answers with host key ssh-ed25519 ${fingerprint(served.publicKey)}, not the pinned ssh-ed25519 key`,
    );
    expect(r.stderr).toContain("Stopping before any command runs on it");
    // sshd saw the connection close during key exchange: no user, key or password ever reached it.
    // The watcher ran synchronously: let sshd's log lines arrive.
    for (let i = 0; i < 30 && !/\[preauth\]/.test(sshdLog.slice(before)); i++) {
      await new Promise((r2) => setTimeout(r2, 100));
    }
    const during = sshdLog.slice(before);
    expect(during).toMatch(/Connection (closed|reset) by 127\.0\.0\.1 port \d+ \[preauth\]/);
    expect(during).not.toMatch(/Accepted|Failed (publickey|password|none)|Invalid user/);
  });

  it("waits through another key before the install began (the old system), then names the last stage", () => {
    const r = watch({ hostKey: other.publicKey }, { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT] });
    expect(r.status).toBe(WAIT_EXIT.timeout);
    expect(r.stdout).toContain(
      `hearth: node-a: SSH answers with another host key (ssh-ed25519 ${fingerprint(served.publicKey)})`,
    );
    expect(r.stderr).toMatch(
      /no SSH answer with the pinned host key within 0\.05 minutes\. Last stage reached: iPXE fetched its install script \(0m0\ds ago\)/,
    );
  });

  it("names the network boot as the last stage when the controller never heard from the MAC", async () => {
    const closed = await freePort();
    const r = watch(
      { port: closed },
      { dnsmasq: ["dnsmasq-dhcp[1]: 1 PXE(br0) 52:54:00:00:00:01 proxy"], http: [] },
    );
    expect(r.status).toBe(WAIT_EXIT.timeout);
    expect(r.stderr).toContain(
      "Last stage reached: waiting for the network boot (nothing from this MAC yet)",
    );
    expect(r.stderr).toContain(`port ${closed}: Connection refused`);
  });

  it("counts the proxy-DHCP answer as the first stage", () => {
    const r = watch({ port: 1 }, { dnsmasq: DNSMASQ_LINES, http: [] });
    expect(r.stderr).toContain(
      "Last stage reached: network boot answered (proxy-DHCP sent the boot server)",
    );
  });

  it("sees the installer's end-of-install report as the node rebooting into its new system", () => {
    const r = watch(
      {},
      { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT, HTTP_INSTALL, ...HTTP_REPORTED] },
    );
    expect(r.status).toBe(WAIT_EXIT.ready);
    expect(r.stdout).toContain(
      "hearth: node-a: installed, rebooting: the installer planted the host key and reported; booting the new system",
    );
  });

  it("names the boot-order fix when a node that reported its install never answers from its disk", () => {
    const r = watch(
      { port: 1 },
      { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT, HTTP_INSTALL, ...HTTP_REPORTED] },
    );
    expect(r.status).toBe(WAIT_EXIT.timeout);
    expect(r.stderr).toContain("Last stage reached: installed, rebooting");
    expect(r.stderr).toContain("make the firmware boot the disk before the network");
  });

  it("says so when the node boots from the network again after its install", () => {
    const again = HTTP_SCRIPT.replace("12:33:07", "12:52:10");
    const r = watch(
      { port: 1 },
      { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT, HTTP_INSTALL, ...HTTP_REPORTED, again] },
    );
    expect(r.status).toBe(WAIT_EXIT.timeout);
    expect(r.stderr).toContain(
      "Last stage reached: booted from the network again after its install and will install once more: put the disk before the network in its boot order",
    );
  });

  it("refuses a pinned key that is not ed25519", () => {
    const r = watch({ hostKey: "ssh-rsa AAAAB3NzaC1yc2E node-a" }, { dnsmasq: [], http: [] });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("--host-key must be an ssh-ed25519 public key line");
  });
});

// Lines in the format Hearth's HTTP server (pxe-http.py) logs the image installer's requests.
const IMAGE = {
  plan: '10.77.0.50 - - [01/Dec/2026 13:45:27] "GET /nodes/52-54-00-77-00-50.plan HTTP/1.1" 200 2336',
  writing:
    '10.77.0.50 - - [01/Dec/2026 13:45:33] "GET /nodes/52-54-00-77-00-50.progress?stage=writing_the_root_file_system_from_http://10.77.0.2:8080/images/amd64-a500b76b64399023/root.tar.gz HTTP/1.1" 200 9',
  failed:
    '10.77.0.50 - - [01/Dec/2026 13:40:40] "GET /nodes/52-54-00-77-00-50.failed?stage=disk&detail=disk_/dev/sdz_does_not_exist_on_this_machine._Disks_seen:_vda:10G HTTP/1.1" 200 9',
  installed: (id: string) =>
    `10.77.0.50 - - [01/Dec/2026 13:46:13] "GET /nodes/52-54-00-77-00-50.installed?firmware=bios&id=${id} HTTP/1.1" 200 9`,
};

describe("wait-for-node.py with the image installer's reports", () => {
  const image = { installFile: "52-54-00-77-00-50.plan" };

  it("shows the step the installer last reported", () => {
    const r = watch(
      { ...image, port: 1 },
      { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT, IMAGE.plan, IMAGE.writing] },
    );
    expect(r.stdout).toContain(
      "hearth: node-a: installing: writing the root file system from http://10.77.0.2:8080/images/amd64-a500b76b64399023/root.tar.gz",
    );
  });

  it("fails at once (exit 4) when the installer stopped, naming its stage and the disks it saw", () => {
    const r = watch(
      { ...image, timeoutMinutes: 1 },
      { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT, IMAGE.plan, IMAGE.failed] },
    );
    expect(r.status).toBe(WAIT_EXIT.installerStopped);
    expect(r.ms).toBeLessThan(20000);
    expect(r.stderr).toContain(
      "the installer stopped at stage disk: disk /dev/sdz does not exist on this machine. Disks seen: vda:10G",
    );
  });

  it("forgets an earlier attempt's failure once the node fetched its plan again", () => {
    const again = IMAGE.plan.replace("13:45:27", "13:50:00");
    const r = watch(
      { ...image, port: 1 },
      {
        dnsmasq: DNSMASQ_LINES,
        http: [HTTP_SCRIPT, IMAGE.plan, IMAGE.failed, again, IMAGE.writing],
      },
    );
    expect(r.status).toBe(WAIT_EXIT.timeout);
    expect(r.stderr).toContain("Last stage reached: installing: writing the root file system");
  });

  it("does not take the pinned key for this install until the node reports this install id", () => {
    const nodesDir = join(dir, "nodes");
    mkdirSync(nodesDir, { recursive: true });
    writeFileSync(join(nodesDir, "52-54-00-77-00-50.installed-id"), "1111111111111111\n");
    const install = { id: "2222222222222222", nodesDir };
    // The old install answers with the same pinned key: not enough.
    const old = watch({ ...image, install }, { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT] });
    expect(old.status).toBe(WAIT_EXIT.timeout);
    expect(old.stdout).toContain(
      "SSH answers with the pinned key, but the node has not reported install 2222222222222222",
    );
    // Its report of this install id is.
    const reported = watch(
      { ...image, install },
      { dnsmasq: DNSMASQ_LINES, http: [HTTP_SCRIPT, IMAGE.plan, IMAGE.installed(install.id)] },
    );
    expect(reported.status).toBe(WAIT_EXIT.ready);
    // A node whose record already holds this id (a later run of the same plan) needs no new report.
    writeFileSync(join(nodesDir, "52-54-00-77-00-50.installed-id"), "2222222222222222\n");
    const current = watch({ ...image, install }, { dnsmasq: DNSMASQ_LINES, http: [] });
    expect(current.status).toBe(WAIT_EXIT.ready);
  });

  it("takes an id an earlier Hearth recorded for the same install as this one: upgrading Hearth is no reinstall", () => {
    const nodesDir = join(dir, "legacy-nodes");
    mkdirSync(nodesDir, { recursive: true });
    writeFileSync(join(nodesDir, "52-54-00-77-00-50.installed-id"), "3333333333333333\n");
    const install = { id: "4444444444444444", nodesDir, alsoAccept: ["3333333333333333"] };
    const r = watch({ ...image, install }, { dnsmasq: DNSMASQ_LINES, http: [] });
    expect(r.status).toBe(WAIT_EXIT.ready);
  });
});

describe("waitCommand", () => {
  it("runs the program from stdin as root, reading the journal from five minutes back", () => {
    const cmd = waitCommand({
      name: "node-a",
      mac: MAC,
      installFile: "52-54-00-77-00-50.preseed",
      host: "192.168.1.21",
      port: 22,
      user: "hearth",
      hostKey: served.publicKey,
      timeoutMinutes: 60,
    });
    expect(cmd).toContain(
      `$hearth_root python3 - --since "$(($(date +%s) - 300))" '--name' 'node-a'`,
    );
    expect(cmd).toContain(`'--host-key' '${served.publicKey}'`);
    expect(cmd).not.toContain("--dnsmasq-log");
    expect(spawnSync("sh", ["-n", "-c", cmd]).status).toBe(0);
  });
});
