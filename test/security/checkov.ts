/**
 * Checkov's Kubernetes checks over every manifest a stack file renders (test/security/manifests.ts), and the
 * triage of what it finds: `checkov-baseline.json` lists, per check, the objects it may flag and why that is
 * accepted. A finding not listed fails the test; so does a listed one that no longer occurs (the baseline only
 * shrinks on purpose). To rewrite the lists after a change, run
 *   npx ts-node --transpile-only test/security/checkov.ts --write-baseline
 * and give every new check a reason.
 *
 * Checkov comes from PyPI, installed by scripts/test-setup.sh into `${HEARTH_CACHE:-~/.cache/hearth}`.
 */
import { execFileSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { homedir, tmpdir } from "os";
import { join } from "path";
import { stackManifests, writeManifests } from "./manifests";

/** The pinned checkov release (scripts/test-setup.sh installs it). */
export const CHECKOV_VERSION = "3.3.30";
/** The stack whose manifests are checked: the home example enables every catalogue app. */
export const CHECKED_STACK = join(__dirname, "..", "..", "stacks/examples/Pulumi.home.yaml");
/** Where the triaged findings are kept. */
export const BASELINE = join(__dirname, "checkov-baseline.json");

/** One check's accepted findings and the reason they are accepted. */
export interface BaselineEntry {
  name: string;
  reason: string;
  /** Checkov's resource ids: `<Kind>.<namespace>.<name>`. */
  resources: string[];
}

/** The baseline file. */
export interface Baseline {
  tool: string;
  stack: string;
  checks: Record<string, BaselineEntry>;
}

/** One failed check as checkov reports it. */
export interface Finding {
  check: string;
  name: string;
  resource: string;
}

/** The checkov binary, or undefined when it is not installed. */
export function findCheckov(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.HEARTH_CHECKOV) return existsSync(env.HEARTH_CHECKOV) ? env.HEARTH_CHECKOV : undefined;
  const cache = env.HEARTH_CACHE ?? join(homedir(), ".cache", "hearth");
  const bin = join(cache, `venv-checkov-${CHECKOV_VERSION}`, "bin", "checkov");
  return existsSync(bin) ? bin : undefined;
}

/** Runs checkov's Kubernetes framework over a folder of manifests; its failed checks. */
export function runCheckov(checkov: string, dir: string): Finding[] {
  let out: string;
  try {
    out = execFileSync(
      checkov,
      ["-d", dir, "--framework", "kubernetes", "-o", "json", "--quiet", "--compact"],
      { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (e) {
    // checkov exits 1 when a check fails: its report is still on stdout.
    out = String((e as { stdout?: string }).stdout ?? "");
    if (!out.trim()) throw e;
  }
  const parsed = JSON.parse(out) as unknown;
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as {
    results?: { failed_checks?: { check_id: string; check_name: string; resource: string }[] };
  }[];
  return reports.flatMap((r) =>
    (r.results?.failed_checks ?? []).map((f) => ({
      check: f.check_id,
      name: f.check_name,
      resource: f.resource,
    })),
  );
}

/** Renders the checked stack and runs checkov over it. */
export async function checkStack(checkov: string, file = CHECKED_STACK): Promise<Finding[]> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-manifests-"));
  try {
    writeManifests(dir, await stackManifests(file));
    return runCheckov(checkov, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Findings the baseline does not accept, and accepted ones that no longer occur. */
export function compareWithBaseline(
  findings: Finding[],
  baseline: Baseline,
): { unexpected: Finding[]; stale: { check: string; resource: string }[] } {
  const key = (check: string, resource: string) => `${check} ${resource}`;
  const accepted = new Set(
    Object.entries(baseline.checks).flatMap(([check, e]) => e.resources.map((r) => key(check, r))),
  );
  const found = new Set(findings.map((f) => key(f.check, f.resource)));
  return {
    unexpected: findings.filter((f) => !accepted.has(key(f.check, f.resource))),
    stale: Object.entries(baseline.checks).flatMap(([check, e]) =>
      e.resources.filter((r) => !found.has(key(check, r))).map((resource) => ({ check, resource })),
    ),
  };
}

/** The baseline file as committed. */
export function readBaseline(): Baseline {
  return JSON.parse(readFileSync(BASELINE, "utf8")) as Baseline;
}

/** The baseline for these findings, keeping the reasons already written. */
export function baselineFor(findings: Finding[], previous?: Baseline): Baseline {
  const checks: Record<string, BaselineEntry> = {};
  for (const f of [...findings].sort((a, b) => a.check.localeCompare(b.check))) {
    checks[f.check] ??= {
      name: f.name,
      reason: previous?.checks[f.check]?.reason ?? "TODO: why this is accepted",
      resources: [],
    };
    checks[f.check].resources.push(f.resource);
  }
  for (const e of Object.values(checks)) e.resources.sort();
  return { tool: `checkov ${CHECKOV_VERSION}`, stack: "stacks/examples/Pulumi.home.yaml", checks };
}

if (require.main === module && process.argv.includes("--write-baseline")) {
  const checkov = findCheckov();
  if (!checkov) throw new Error("checkov is not installed: run bash scripts/test-setup.sh");
  checkStack(checkov).then(
    (findings) => {
      const previous = existsSync(BASELINE) ? readBaseline() : undefined;
      writeFileSync(BASELINE, `${JSON.stringify(baselineFor(findings, previous), null, 2)}\n`);
      console.log(`wrote ${BASELINE}: ${findings.length} accepted findings`);
      process.exit(0);
    },
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
