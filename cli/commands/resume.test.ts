/**
 * `resume` on a file backend a killed run left behind, with pulumi stood in for: what it removes, what it asks
 * pulumi to do, and in which order. (The decisions themselves: cli/resume/leftovers.test.ts; the real engine:
 * `npm run test:day2`.)
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { PulumiRunner } from "../pulumi";
import { resumeStack } from "./resume";

/** A backend folder with the dev stack's checkpoint; `attrs` and `lock` add what a kill leaves. */
function backend(opts: { attrs?: string; lock?: { pid: number; hostname: string } } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "hearth-resume-"));
  const stacks = join(dir, ".pulumi/stacks/hearth");
  mkdirSync(stacks, { recursive: true });
  writeFileSync(join(stacks, "dev.json"), "{}");
  if (opts.attrs !== undefined) writeFileSync(join(stacks, "dev.json.attrs"), opts.attrs);
  if (opts.lock) {
    const locks = join(dir, ".pulumi/locks/organization/hearth/dev");
    mkdirSync(locks, { recursive: true });
    writeFileSync(join(locks, "l.json"), JSON.stringify(opts.lock));
  }
  return { dir, attrs: join(stacks, "dev.json.attrs") };
}

/** pulumi answering `stack export` with these pending operations, every call recorded. */
function pulumi(pending: unknown[] = []) {
  const calls: string[] = [];
  const run: PulumiRunner = (args) => {
    calls.push(args.join(" "));
    const stdout =
      args[0] === "stack" ? JSON.stringify({ deployment: { pending_operations: pending } }) : "";
    return { code: 0, stdout, out: stdout };
  };
  return { run, calls };
}

const options = (dir: string, run: PulumiRunner) => ({
  stack: "dev",
  project: "hearth",
  checkout: dir,
  backendDir: dir,
  pulumi: run,
  // Reading every process of /proc takes seconds; which ones are orphans is leftovers.test.ts's.
  processes: () => [],
});

describe("resumeStack", () => {
  it("does nothing to a stack a run left in order", async () => {
    const { dir } = backend();
    const p = pulumi();
    expect(await resumeStack(options(dir, p.run))).toEqual({ lines: [] });
    expect(p.calls).toEqual(["stack export --stack dev"]);
  });

  it("removes a torn .attrs file and releases a dead process's lock with pulumi cancel", async () => {
    const { dir, attrs } = backend({
      attrs: "{",
      lock: { pid: 2 ** 22 + 7, hostname: hostname() },
    });
    const p = pulumi();
    const report = await resumeStack(options(dir, p.run));
    expect(existsSync(attrs)).toBe(false);
    expect(p.calls).toEqual(["cancel --yes --stack dev", "stack export --stack dev"]);
    expect(report.lines).toEqual([
      `removed ${attrs}: half-written beside an intact checkpoint`,
      `released the lock of process ${2 ** 22 + 7} (gone): pulumi cancel`,
    ]);
  });

  it("leaves another host's lock alone", async () => {
    const { dir } = backend({ lock: { pid: 1, hostname: "elsewhere" } });
    const p = pulumi();
    const report = await resumeStack(options(dir, p.run));
    expect(p.calls).toEqual(["stack export --stack dev"]);
    expect(report.lines).toEqual([
      "the stack is locked by process 1 on elsewhere, which is another host: left alone",
    ]);
  });

  it("clears pending creates with one refresh, keeping other pending operations for the next up", async () => {
    const { dir } = backend();
    const create = (name: string) => ({
      type: "creating",
      resource: {
        urn: `urn:pulumi:dev::hearth::hearth:ssh:RemoteCommand::${name}`,
        type: "hearth:ssh:RemoteCommand",
      },
    });
    const p = pulumi([create("a"), create("b"), { ...create("c"), type: "updating" }]);
    const report = await resumeStack(options(dir, p.run));
    expect(p.calls).toEqual([
      "stack export --stack dev",
      "refresh --yes --skip-preview --clear-pending-creates --stack dev",
    ]);
    expect(report.lines.at(-1)).toBe(
      "resolved 0 pending create(s) by import and 2 by clearing them",
    );
  });
});
