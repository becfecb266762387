/**
 * Writes what the wizard planned: the stack (`pulumi stack select --create`), each secret with
 * `pulumi config set --secret`, its value on stdin and never on a command line, then the stack file with the
 * plain config around the ciphertext Pulumi wrote.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { renderStackFile, StackPlan } from "./render";

/** Runs `pulumi` with arguments and stdin in the project folder. */
export type PulumiRun = (
  args: string[],
  input?: string,
) => { status: number | null; stdout: string; stderr: string };

/** The `pulumi` on PATH (scripts/toolchain/env.sh puts the pinned one first), in `dir`. */
export function pulumiIn(dir: string, env: NodeJS.ProcessEnv = process.env): PulumiRun {
  return (args, input) => {
    const r = spawnSync("pulumi", args, { cwd: dir, env, input: input ?? "", encoding: "utf8" });
    if (r.error)
      throw new Error(
        `cannot run pulumi (${r.error.message}): build the toolchain (scripts/toolchain/build.sh) or install the Pulumi CLI`,
      );
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/** The stack file of a stack in a project folder. */
export function stackFilePath(dir: string, stack: string): string {
  return join(dir, `Pulumi.${stack}.yaml`);
}

/** Creates (or selects) the stack, sets its secrets, writes its file; returns the file's path. */
export function writeStack(plan: StackPlan, dir: string, run: PulumiRun): string {
  const file = stackFilePath(dir, plan.stack);
  // A file replaced (--force) keeps only Pulumi's own keys: nothing of the config it held survives.
  if (existsSync(file)) {
    const before = (parse(readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
    writeFileSync(
      file,
      stringify(Object.fromEntries(Object.entries(before).filter(([k]) => k !== "config"))),
    );
  }
  const must = (what: string, r: ReturnType<PulumiRun>) => {
    if (r.status !== 0)
      throw new Error(`${what} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  };
  must(
    `pulumi stack select --create ${plan.stack}`,
    run(["stack", "select", "--create", plan.stack, "--non-interactive"]),
  );
  for (const s of plan.secrets)
    must(
      // The key only: the value went on stdin.
      `pulumi config set --secret ${s.key}`,
      run(
        [
          "config",
          "set",
          "--secret",
          ...(s.path ? ["--path"] : []),
          s.key,
          "--stack",
          plan.stack,
          "--non-interactive",
        ],
        s.value,
      ),
    );
  const existing = existsSync(file) ? readFileSync(file, "utf8") : "";
  writeFileSync(file, renderStackFile(plan, existing));
  return file;
}
