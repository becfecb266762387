/**
 * `npm run hearth -- resume`'s decisions on what a killed run leaves: which lock is stale, which checkpoint file
 * is torn, which processes are orphaned plugins, and how each pending create is resolved. The real engine runs
 * them in `npm run test:day2` (SIGKILL at five points, then a plain re-run).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  orphanedPlugins,
  Proc,
  releaseStates,
  resolvePending,
  stackLocks,
  staleLock,
  tornAttrs,
} from "./leftovers";

describe("stale locks", () => {
  it("reads the file backend's locks and calls one stale only when its process is gone on this host", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-locks-"));
    const folder = join(dir, ".pulumi/locks/organization/hearth/dev");
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, "a.json"),
      JSON.stringify({ pid: 4242, username: "root", hostname: "here", timestamp: "t" }),
    );
    writeFileSync(join(folder, "torn.json"), "{");
    const locks = stackLocks(dir, "hearth", "dev");
    expect(locks.map((l) => l.pid).sort()).toEqual([0, 4242]);
    const lock = locks.find((l) => l.pid === 4242)!;
    expect(staleLock(lock, "here", () => false)).toBe(true);
    expect(staleLock(lock, "here", () => true)).toBe(false);
    // Another host's lock is never taken for stale: its process may well run there.
    expect(staleLock(lock, "elsewhere", () => false)).toBe(false);
    expect(stackLocks(dir, "hearth", "prod")).toEqual([]);
  });
});

describe("torn checkpoint files", () => {
  it("finds an empty or broken .attrs beside an intact checkpoint, and only that", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-attrs-"));
    const stacks = join(dir, ".pulumi/stacks/hearth");
    mkdirSync(stacks, { recursive: true });
    writeFileSync(join(stacks, "dev.json"), JSON.stringify({ version: 3 }));
    writeFileSync(join(stacks, "dev.json.attrs"), "");
    writeFileSync(join(stacks, "ok.json"), "{}");
    writeFileSync(join(stacks, "ok.json.attrs"), JSON.stringify({ user: {} }));
    writeFileSync(join(stacks, "bad.json"), "{ torn");
    writeFileSync(join(stacks, "bad.json.attrs"), "");
    expect(tornAttrs(dir)).toEqual([join(stacks, "dev.json.attrs")]);
  });
});

describe("orphaned plugins", () => {
  const checkout = "/work/home";
  const procs: Proc[] = [
    { pid: 1, ppid: 0, cmdline: "/sbin/init" },
    // A live run: its plugins sit under the engine.
    { pid: 10, ppid: 1, cmdline: "pulumi up --yes --stack dev", cwd: checkout },
    { pid: 11, ppid: 10, cmdline: "pulumi-language-nodejs 127.0.0.1:1", cwd: checkout },
    { pid: 12, ppid: 11, cmdline: `node ${checkout}/node_modules/@pulumi/pulumi/cmd/run` },
    // A killed run's: re-parented.
    { pid: 20, ppid: 1, cmdline: "pulumi-resource-kubernetes 127.0.0.1:2", cwd: checkout },
    {
      pid: 21,
      ppid: 1,
      cmdline: `node -r ${checkout}/runtime/swc-register.js ${checkout}/provider/main.ts 127.0.0.1:2`,
    },
    { pid: 22, ppid: 1, cmdline: "pulumi-language-nodejs 127.0.0.1:2", cwd: checkout },
    { pid: 23, ppid: 22, cmdline: `node ${checkout}/node_modules/@pulumi/pulumi/cmd/run` },
    // Another checkout's, and an unrelated process.
    { pid: 30, ppid: 1, cmdline: "pulumi-resource-kubernetes 127.0.0.1:3", cwd: "/elsewhere" },
    { pid: 31, ppid: 1, cmdline: "sshd: hearth", cwd: checkout },
  ];
  it("stops this checkout's plugins whose engine is gone, never a live run's or another checkout's", () => {
    expect(orphanedPlugins(procs, checkout).map((p) => p.pid)).toEqual([20, 21, 22, 23]);
  });
});

describe("pending creates", () => {
  const release = () => ({
    type: "creating",
    resource: {
      urn: "urn:pulumi:dev::hearth::kubernetes:helm.sh/v3:Release::hearth-zot-release",
      type: "kubernetes:helm.sh/v3:Release",
      inputs: { name: "hearth-zot", namespace: "zot" },
    },
  });
  it("imports a Helm release the killed run installed, and clears one it left half-done", () => {
    expect(
      resolvePending(release(), { status: "deployed", revision: 1, secret: "s" }),
    ).toMatchObject({ action: "import", id: "zot/hearth-zot" });
    expect(
      resolvePending(release(), { status: "pending-install", revision: 1, secret: "s" }),
    ).toMatchObject({ action: "clear" });
    expect(resolvePending(release())).toMatchObject({ action: "clear" });
  });
  it("clears every other pending create, and leaves updates and deletes to the next run", () => {
    const command = {
      type: "creating",
      resource: { urn: "urn:x::hearth:ssh:RemoteCommand::n", type: "hearth:ssh:RemoteCommand" },
    };
    expect(resolvePending(command).action).toBe("clear");
    expect(resolvePending({ ...command, type: "updating" }).action).toBe("keep");
  });
  it("reads the newest revision of each release from Helm's release Secrets", () => {
    const s = (name: string, labels: Record<string, string>) => ({ metadata: { name, labels } });
    const states = releaseStates([
      s("sh.helm.release.v1.a.v1", {
        owner: "helm",
        name: "a",
        version: "1",
        status: "superseded",
      }),
      s("sh.helm.release.v1.a.v2", {
        owner: "helm",
        name: "a",
        version: "2",
        status: "pending-upgrade",
      }),
      s("sh.helm.release.v1.b.v1", { owner: "helm", name: "b", version: "1", status: "deployed" }),
      s("other", { app: "x" }),
    ]);
    expect(states.get("a")).toEqual({
      status: "pending-upgrade",
      revision: 2,
      secret: "sh.helm.release.v1.a.v2",
    });
    expect(states.get("b")?.status).toBe("deployed");
    expect(states.size).toBe(2);
  });
});
