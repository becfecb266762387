/**
 * `npm run test:day2`: the changes a user makes to a running home, each applied by the real engine to the dev stack
 * in the sandbox with seeded data, proving that nothing holding data is deleted or replaced without a declared
 * intent, and that the next preview is clean (docs/day-2.md). Root only (the sandbox's namespaces).
 *
 * Seeded first: two commits in the GitOps repository, a marker ConfigMap in every data app's namespace (kwok
 * runs no container, so no file can be written into a volume), the UIDs of every namespace, claim and first Helm
 * revision record of those apps, and the keys authorized on the nodes. Then, row by row: edit the stack config,
 * `preview --json` (the planned operations, checked), `up`, the data checked against the seed, and
 * `preview --expect-no-changes`. A refused row must fail its preview naming the key of the intent, and change
 * nothing. Last, an `up` is killed with SIGKILL at five points and `npm run hearth -- resume` plus a plain re-run
 * must converge. The table is printed and written to bench/results/day2.json.
 *
 * Here the order of it all; the rows are in changes-machines.ts and changes-apps.ts, the runner in apply.ts, the
 * seed and the checks of data in data.ts, the table in report.ts, the run and the stack file's edits in run.ts.
 */
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { repo, sandboxDir } from "../e2e/harness";
import { apply, Change, kills } from "./apply";
import { appChanges } from "./changes-apps";
import { machineChanges } from "./changes-machines";
import { seed, Seed } from "./data";
import { printTable, rows } from "./report";
import { apps, charts, check, configFile, edit, kubeconfigCopy, phase, pulumi, run } from "./run";

/** Every row, in the order they run. */
function changes(): Change[] {
  return [...machineChanges(), ...appChanges()];
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error("test:day2 needs root: the sandbox's SSH nodes live in network namespaces");
    process.exit(1);
  }
  await phase("toolchain", async () => run.useToolchain());
  const up = await phase("sandbox up (fresh)", async () => {
    spawnSync("bash", ["scripts/sandbox.sh", "down"], { cwd: repo, stdio: "inherit" });
    const r = spawnSync("bash", ["scripts/sandbox.sh", "up"], { cwd: repo, stdio: "inherit" });
    return check("the sandbox comes up", r.status === 0);
  });
  if (!up) return;
  // The dev stack with its charts and kubeconfig in this run's folder, so rows can add a chart version and
  // respell the server without touching the checkout or the sandbox.
  cpSync(join(repo, "charts"), charts, { recursive: true });
  writeFileSync(kubeconfigCopy, readFileSync(join(sandboxDir, "kubeconfig")), { mode: 0o600 });
  writeFileSync(configFile, readFileSync(join(repo, "Pulumi.dev.yaml")));
  edit((d) => {
    d.setIn(["config", "hearth:charts", "localDir"], charts);
    d.setIn(["config", "hearth:cluster", "kubeconfigPath"], kubeconfigCopy);
  });
  let s: Seed | undefined;
  const first = await phase("up (from empty), then seed", async () => {
    await pulumi("stack-init", ["stack", "init"], { configFile: false });
    const r = await pulumi("up-first", ["up", "--yes", "--skip-preview"]);
    if (!check("the first up succeeds", r.code === 0, r.out.slice(-3000))) return false;
    s = await seed(apps(parseDocument(readFileSync(configFile, "utf8"))));
    return check(
      `seeded: ${Object.keys(s.markers).length} namespaces, ${Object.keys(s.claims).length} claims, ${Object.keys(s.releases).length} Helm releases, ${s.commits.length} GitOps commits`,
      Object.keys(s.markers).length >= 5 && s.commits.length >= 3,
    );
  });
  if (!first || !s) return;
  for (const c of changes()) await apply(c, s);
  await kills(s);
}

main()
  .catch((e) => check("the run", false, (e as Error).stack))
  .finally(() => {
    printTable();
    run.finish("day2.json", { rows, passedRows: rows.filter((r) => r.pass).length });
  });
