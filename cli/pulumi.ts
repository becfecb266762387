/**
 * How the operator commands reach a stack: the `pulumi` CLI on PATH (scripts/toolchain/env.sh puts the
 * project's own there when `npm run hearth` starts) and Pulumi's Automation API for the stack's outputs.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

/** The checkout: where Pulumi.yaml is, and the work folder of every stack operation. */
export const ROOT = resolve(__dirname, "..");

/** Runs pulumi; returns its exit code, its standard output and everything it printed. */
export type PulumiRunner = (
  args: string[],
  input?: string,
) => { code: number; stdout: string; out: string };

/** A `PulumiRunner` on the `pulumi` found on PATH with the given environment. */
export function pulumiRunner(env: NodeJS.ProcessEnv, cwd: string): PulumiRunner {
  return (args, input) => {
    const r = spawnSync("pulumi", [...args, "--non-interactive"], {
      cwd,
      env,
      input,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: r.status ?? 1, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
  };
}

/** The file backend's folder of a `file://` backend URL, or undefined for another backend. */
export function fileBackendDir(url: string | undefined): string | undefined {
  return url?.startsWith("file://") ? url.slice("file://".length) : undefined;
}

/** A stack's outputs, read through the Automation API (nothing is run or changed). */
export async function stackOutputs(stackName: string): Promise<Record<string, unknown>> {
  // Loaded here, not at the top: `docs` and `evaluate` never need the Automation API.
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  const stack = await LocalWorkspace.selectStack({ stackName, workDir: ROOT });
  const out = await stack.outputs();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.value]));
}

/** Where restic keeps its cache for the operator commands. */
export const RESTIC_CACHE = join(ROOT, ".cache", "restic");
