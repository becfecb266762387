/**
 * Hearth's PXE HTTP server (pxe-http.py), run for real with python3 on loopback: files as a static server
 * serves them, no listings, byte counts in the log, and the installers' reports. The host key's plan is served
 * until its node reports installed, then answers 404; a MAC the config does not name gets 404, logged.
 */
import { ChildProcess, spawn } from "child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { freePort } from "../../test/sshd";

let dir: string;
let server: ChildProcess;
let port: number;
let log = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hearth-pxe-http-"));
  mkdirSync(join(dir, "nodes"));
  mkdirSync(join(dir, "images", "amd64-0123456789abcdef"), { recursive: true });
  writeFileSync(join(dir, "boot.ipxe"), "#!ipxe\n");
  writeFileSync(join(dir, "nodes", "52-54-00-12-34-56.plan"), "HEARTH_NAME='node-a'\n");
  writeFileSync(
    join(dir, "images", "amd64-0123456789abcdef", "root.tar.gz"),
    Buffer.alloc(3 << 20, 7),
  );
  port = await freePort();
  server = spawn(
    "python3",
    ["-u", join(__dirname, "pxe-http.py"), "--bind", "127.0.0.1", "--directory", dir, String(port)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  server.stderr?.on("data", (c: Buffer) => (log += c.toString()));
  for (let i = 0; i < 50 && !log.includes("serving"); i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(log).toContain(`hearth-pxe: serving ${dir} on 127.0.0.1:${port}`);
});

afterAll(() => {
  server?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);

/** The log lines written since `mark`, once the server has logged the request. */
async function logSince(mark: number, want: string): Promise<string> {
  for (let i = 0; i < 30 && !log.slice(mark).includes(want); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return log.slice(mark);
}

describe("pxe-http.py", () => {
  it("serves a file and logs the bytes it sent, in the format the node wait reads", async () => {
    const mark = log.length;
    const r = await get("/images/amd64-0123456789abcdef/root.tar.gz");
    expect(r.status).toBe(200);
    expect((await r.arrayBuffer()).byteLength).toBe(3 << 20);
    expect(await logSince(mark, "root.tar.gz")).toMatch(
      /127\.0\.0\.1 - - \[[^\]]+\] "GET \/images\/amd64-0123456789abcdef\/root\.tar\.gz HTTP\/1\.1" 200 3145728\n/,
    );
  });

  it("lists no directory, so nobody learns which MACs have install files", async () => {
    expect((await get("/nodes/")).status).toBe(404);
    expect((await get("/")).status).toBe(404);
  });

  it("answers 404 for a MAC the config does not name, and logs why", async () => {
    const mark = log.length;
    const r = await get("/nodes/52-54-00-99-99-99.plan");
    expect(r.status).toBe(404);
    const lines = await logSince(mark, "52-54-00-99-99-99.plan HTTP/1.1");
    expect(lines).toContain(
      "hearth: no plan for 52:54:00:99:99:99: that MAC is not in the config, or its node already reported installed",
    );
    expect(lines).toContain('"GET /nodes/52-54-00-99-99-99.plan HTTP/1.1" 404');
  });

  it("serves the plan until its node reports installed, then answers 404 and keeps the install id", async () => {
    const plan = "/nodes/52-54-00-12-34-56.plan";
    expect(await (await get(plan)).text()).toBe("HEARTH_NAME='node-a'\n");
    const progress = await get("/nodes/52-54-00-12-34-56.progress?stage=writing");
    expect(progress.status).toBe(200);
    const mark = log.length;
    const report = await get(
      "/nodes/52-54-00-12-34-56.installed?firmware=uefi&id=0123456789abcdef",
    );
    expect(report.status).toBe(200);
    expect(await logSince(mark, "installed?firmware")).toContain(
      "hearth: 52-54-00-12-34-56 reported installed; its install file .plan is removed",
    );
    expect(existsSync(join(dir, "nodes", "52-54-00-12-34-56.plan"))).toBe(false);
    expect(readFileSync(join(dir, "nodes", "52-54-00-12-34-56.installed-id"), "utf8")).toBe(
      "0123456789abcdef\n",
    );
    expect((await get(plan)).status).toBe(404);
  });

  it("removes a preseed or kickstart too when its node reports installed: each holds the host key", async () => {
    for (const [mac, suffix] of [
      ["52-54-00-12-34-58", "preseed"],
      ["52-54-00-12-34-59", "ks"],
    ]) {
      const file = `/nodes/${mac}.${suffix}`;
      writeFileSync(join(dir, "nodes", `${mac}.${suffix}`), "host key here\n");
      expect((await get(file)).status).toBe(200);
      const mark = log.length;
      expect((await get(`/nodes/${mac}.installed`)).status).toBe(200);
      expect(await logSince(mark, `${mac}.installed`)).toContain(
        `hearth: ${mac} reported installed; its install file .${suffix} is removed`,
      );
      expect(existsSync(join(dir, "nodes", `${mac}.${suffix}`))).toBe(false);
      expect((await get(file)).status).toBe(404);
    }
  });

  it("records no install id that is not 16 hex digits", async () => {
    await get("/nodes/52-54-00-12-34-57.installed?id=../../etc");
    expect(existsSync(join(dir, "nodes", "52-54-00-12-34-57.installed-id"))).toBe(false);
  });
});
