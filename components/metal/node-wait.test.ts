/**
 * The node wait's command on the controller, run by bash with python3 replaced by a stub that exits as the
 * watcher would: a failed wait takes the install file (the node's host private key) off the HTTP server, and
 * the next wait serves it again from root's copy before it watches.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitCommand } from "./node-wait";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function controller(exitCode: number) {
  const dir = mkdtempSync(join(tmpdir(), "hearth-wait-"));
  dirs.push(dir);
  writeFileSync(join(dir, "python3"), `#!/bin/sh\ncat >/dev/null\nexit ${exitCode}\n`);
  chmodSync(join(dir, "python3"), 0o755);
  const served = join(dir, "52-54-00-12-34-56.plan");
  const kept = join(dir, "kept.plan");
  writeFileSync(kept, "HOST KEY\n");
  const command = waitCommand({
    name: "node-a",
    mac: "52:54:00:12:34:56",
    installFile: "52-54-00-12-34-56.plan",
    host: "192.168.1.11",
    port: 22,
    user: "hearth",
    hostKey: "ssh-ed25519 AAAA",
    timeoutMinutes: 1,
    republish: { served, kept, owner: "root" },
  });
  const run = () =>
    spawnSync("bash", ["-c", command], {
      input: "print('watcher')\n",
      encoding: "utf8",
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    });
  return { served, kept, run };
}

const runAsRoot = process.getuid?.() === 0 ? it : it.skip;

describe("waitCommand with republish", () => {
  runAsRoot("removes the served install file when the wait fails, and keeps root's copy", () => {
    const c = controller(2);
    rmSync(c.kept);
    writeFileSync(c.served, "HOST KEY\n");
    const r = c.run();
    expect(r.status).toBe(2);
    expect(existsSync(c.served)).toBe(false);
    expect(readFileSync(c.kept, "utf8")).toBe("HOST KEY\n");
    expect(r.stderr).toContain("is no longer served; the next pulumi up serves it again");
  });

  runAsRoot(
    "serves it again from root's copy before the next wait, and leaves it after a success",
    () => {
      const c = controller(0);
      const r = c.run();
      expect(r.status).toBe(0);
      expect(readFileSync(c.served, "utf8")).toBe("HOST KEY\n");
    },
  );

  it("without republish, runs the watcher alone as before", () => {
    const command = waitCommand({
      name: "node-a",
      mac: "52:54:00:12:34:56",
      installFile: "x.plan",
      host: "h",
      port: 22,
      user: "hearth",
      hostKey: "ssh-ed25519 AAAA",
      timeoutMinutes: 1,
    });
    expect(command).not.toContain("rm -f");
    expect(command.split("\n")).toHaveLength(2);
  });
});
