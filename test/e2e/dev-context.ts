/**
 * What the phases of `npm run test:e2e` (test/e2e/dev.ts) share: the run, the values planted in the dev stack,
 * and the helpers more than one phase calls.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { EngineRun } from "./harness";

/** The run and what was planted in its dev stack. */
export interface E2eContext {
  run: EngineRun;
  /** The comment of an extra authorized key: it reaches the nodes on an SSH command's stdin only. */
  canary: string;
  /** The sandbox's SSH private key, set as a config secret. */
  privateKey: string;
  /** The sandbox Gitea's token, set as a config secret. */
  giteaToken: string;
}

/** `pulumi destroy` after unprotecting the backup repository password, which a destroy otherwise stops at. */
export async function destroyAll(run: EngineRun, name: string) {
  const un = await run.pulumi(`unprotect-${name}`, ["state", "unprotect", "--all", "--yes"], {
    configFile: false,
  });
  if (un.code !== 0) return un;
  return run.pulumi(`destroy-${name}`, ["destroy", "--yes"]);
}

/** The apps the run's dev stack file enables. */
export function devApps(run: EngineRun): string[] {
  const doc = parse(readFileSync(run.configFile, "utf8")) as {
    config: { "hearth:apps": { enabled: string[] } };
  };
  return doc.config["hearth:apps"].enabled;
}
