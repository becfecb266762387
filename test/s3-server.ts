/**
 * A real S3 server on loopback for tests: versitygw over a POSIX directory, built from its pinned Go module
 * (scripts/toolchain/build-sandbox.sh versitygw; scripts/test-setup.sh runs it). Each bucket is a directory
 * under `root` and each object a file, so a test can look at (or corrupt) exactly what a backup wrote.
 */
import { ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./sshd";

/** A running S3 server. */
export interface TestS3 {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  accessKeyId: string;
  secretAccessKey: string;
  /** The directory holding the buckets. */
  root: string;
  stop(): Promise<void>;
}

/** Where the sandbox's build puts versitygw. */
export function versitygwPath(): string {
  const cache = process.env.HEARTH_CACHE ?? join(homedir(), ".cache", "hearth");
  return join(cache, "sandbox", "bin", "versitygw");
}

/** Starts versitygw with fresh root credentials on a free port; resolves once it accepts connections. */
export async function startS3(): Promise<TestS3> {
  const bin = versitygwPath();
  if (!existsSync(bin)) {
    throw new Error(
      `no S3 server at ${bin}: run scripts/toolchain/build-sandbox.sh versitygw (npm test's pretest does)`,
    );
  }
  const root = mkdtempSync(join(tmpdir(), "hearth-s3-"));
  const port = await freePort();
  const accessKeyId = `hearth${randomBytes(4).toString("hex")}`;
  const secretAccessKey = randomBytes(18).toString("base64url");
  // The log goes to a file, not a pipe: tests run restic with spawnSync, which blocks this process's event
  // loop, and a full pipe would stall the server mid-request.
  const logFile = `${root}.log`;
  const fd = openSync(logFile, "w");
  // Credentials travel in the environment, never on the command line.
  const child: ChildProcess = spawn(bin, ["--port", `127.0.0.1:${port}`, "posix", root], {
    env: {
      ...process.env,
      ROOT_ACCESS_KEY_ID: accessKeyId,
      ROOT_SECRET_ACCESS_KEY: secretAccessKey,
    },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const log = () => readFileSync(logFile, "utf8");
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`versitygw exited: ${log()}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) throw new Error(`versitygw did not listen on ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    accessKeyId,
    secretAccessKey,
    root,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(root, { recursive: true, force: true });
          rmSync(logFile, { force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once("exit", done);
        child.kill("SIGTERM");
      }),
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
