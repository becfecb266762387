/**
 * The controller's node watcher against a real OpenSSH server on loopback: it accepts only the pinned host key,
 * stops at once on another key once the install began (before anything authenticates), and names the last
 * stage when it times out. Log lines are in the formats dnsmasq and python3's HTTP server wrote in a real run.
 */
import { spawnSync } from "child_process";
import {
  DNSMASQ_LINES,
  fingerprint,
  HTTP_INSTALL,
  HTTP_REPORTED,
  HTTP_SCRIPT,
  MAC,
  other,
  port,
  served,
  sshdLog,
  watch,
} from "../../test/node-wait-harness";
import { freePort } from "../../test/sshd";
import { WAIT_EXIT, waitCommand } from "./node-wait";

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
