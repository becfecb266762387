/**
 * A real OpenSSH server on loopback for tests: its own host key, root login by key only, and its log kept in
 * memory. Needs root (as CI and the sandbox run) and Debian's openssh-server (scripts/test-setup.sh).
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running sshd. */
export interface TestSshd {
  port: number;
  /** Everything sshd logged so far. */
  log(): string;
  stop(): void;
}

/** A free TCP port on 127.0.0.1 (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Starts sshd on `port` (a free one by default) and resolves once it listens. */
export async function startSshd(opts: {
  hostPrivateKey: string;
  authorizedKeys: string[];
  port?: number;
}): Promise<TestSshd> {
  if (!existsSync("/usr/sbin/sshd")) {
    throw new Error("OpenSSH's sshd is missing: scripts/test-setup.sh installs openssh-server");
  }
  const dir = mkdtempSync(join(tmpdir(), "hearth-sshd-"));
  writeFileSync(join(dir, "host_key"), opts.hostPrivateKey, { mode: 0o600 });
  writeFileSync(join(dir, "authorized_keys"), opts.authorizedKeys.join("\n") + "\n", {
    mode: 0o600,
  });
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = opts.port ?? (await freePort());
  let log = "";
  const sshd: ChildProcess = spawn(
    "/usr/sbin/sshd",
    [
      "-D",
      "-e",
      "-f",
      "/dev/null",
      ...["-o", `Port=${port}`, "-o", "ListenAddress=127.0.0.1"],
      ...["-o", `HostKey=${join(dir, "host_key")}`, "-o", "PidFile=none"],
      ...["-o", `AuthorizedKeysFile=${join(dir, "authorized_keys")}`, "-o", "StrictModes=no"],
      ...["-o", "PermitRootLogin=prohibit-password", "-o", "PasswordAuthentication=no"],
      ...["-o", "LogLevel=VERBOSE", "-o", "AcceptEnv=HEARTH_*"],
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  sshd.stderr?.on("data", (c: Buffer) => {
    log += c.toString();
  });
  for (let i = 0; ; i++) {
    const r = spawnSync("sh", ["-c", `ss -ltn | grep -q '127.0.0.1:${port} '`]);
    if (r.status === 0) break;
    if (i > 50) throw new Error(`sshd did not listen on ${port}: ${log}`);
    await new Promise((r2) => setTimeout(r2, 100));
  }
  return {
    port,
    log: () => log,
    stop() {
      sshd.stderr?.removeAllListeners("data");
      sshd.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
