/**
 * The environment of `scripts/toolchain/env.sh` for a Node.js caller: the cached Pulumi toolchain on PATH,
 * PULUMI_HOME, no downloads, and a file backend in `backend` (created). What `env` holds is passed in, so a
 * caller's own PULUMI_CONFIG_PASSPHRASE, for one, is kept.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export function toolchainEnv(
  backend: string,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const root = join(__dirname, "..", "..");
  const out = execFileSync("bash", ["-c", ". scripts/toolchain/env.sh >/dev/null && env -0"], {
    cwd: root,
    env: { ...env, PULUMI_BACKEND_URL: `file://${backend}` },
  }).toString();
  mkdirSync(backend, { recursive: true });
  return Object.fromEntries(
    out
      .split("\0")
      .filter(Boolean)
      .map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]),
  );
}
