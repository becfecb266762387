/**
 * `npm run test:upgrade [-- --from REF]`: a home deployed by an earlier Hearth, then run by this one. The dev
 * stack is deployed into a fresh sandbox from a worktree of REF (default: the newest `v*` tag, else the commit in
 * `test/day2/upgrade-from`), with seeded data; this checkout then previews and applies it against that state.
 * Nothing guarding data may be deleted or replaced, the seeded data must stay, and the next preview must be clean
 * (docs/day-2.md). Root only (the sandbox's namespaces).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EngineRun, gitea, kube, kubeJson, previewSteps, repo } from "../e2e/harness";

const run = new EngineRun("hearth-upgrade-");
const { check, phase, pulumi, work, configFile } = run;

/** The Hearth version to upgrade from: `--from REF`, else the newest release tag, else the pinned commit. */
function baseRef(): string {
  const i = process.argv.indexOf("--from");
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  const tag = spawnSync("git", ["describe", "--tags", "--abbrev=0", "--match", "v*"], {
    cwd: repo,
    encoding: "utf8",
  });
  if (tag.status === 0 && tag.stdout.trim()) return tag.stdout.trim();
  return readFileSync(join(__dirname, "upgrade-from"), "utf8").trim().split(/\s+/)[0];
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error("test:upgrade needs root: the sandbox's SSH nodes live in network namespaces");
    process.exit(1);
  }
  const ref = baseRef();
  const base = join(work, "base");
  await phase("toolchain", async () => run.useToolchain());
  const ready = await phase(`worktree of ${ref}`, async () => {
    execFileSync("git", ["worktree", "add", "--detach", base, ref], {
      cwd: repo,
      stdio: "inherit",
    });
    // The earlier version runs on this checkout's packages (the lock files must not differ in what it loads).
    symlinkSync(join(repo, "node_modules"), join(base, "node_modules"));
    return check(`${ref} is checked out`, existsSync(join(base, "stacks/index.ts")));
  });
  if (!ready) return;
  try {
    await upgrade(ref, base);
  } finally {
    spawnSync("git", ["worktree", "remove", "--force", base], { cwd: repo });
  }
}

async function upgrade(ref: string, base: string): Promise<void> {
  const up = await phase("sandbox up (fresh)", async () => {
    spawnSync("bash", ["scripts/sandbox.sh", "down"], { cwd: repo, stdio: "inherit" });
    const r = spawnSync("bash", ["scripts/sandbox.sh", "up"], { cwd: repo, stdio: "inherit" });
    return check("the sandbox comes up", r.status === 0);
  });
  if (!up) return;
  // The earlier version's own dev stack file, pointing at this sandbox and at one chart folder for both
  // versions (its relative paths would name each checkout's own), so what changes is Hearth's code alone.
  writeFileSync(
    configFile,
    readFileSync(join(base, "Pulumi.dev.yaml"), "utf8")
      .replace(/\.sandbox\//g, `${repo}/.sandbox/`)
      .replace(/localDir: charts\b/, `localDir: ${join(repo, "charts")}`),
  );
  const seeded: Record<string, string> = {};
  let commits: string[] = [];
  const deployed = await phase(`up with ${ref}`, async () => {
    await pulumi("stack-init", ["stack", "init"], { configFile: false, cwd: base });
    const r = await pulumi("up-base", ["up", "--yes", "--skip-preview"], { cwd: base });
    if (!check(`${ref} deploys the dev stack`, r.code === 0, r.out.slice(-3000))) return false;
    for (const ns of ["authelia", "zot", "woodpecker", "grafana", "victoria-metrics"]) {
      const o = kubeJson<{ metadata: { uid: string } }>(["get", "namespace", ns]);
      if (o) seeded[`namespace ${ns}`] = o.metadata.uid;
      for (const c of kubeJson<{ items: { metadata: { name: string; uid: string } }[] }>([
        ...["-n", ns, "get", "pvc"],
      ])?.items ?? [])
        seeded[`claim ${ns}/${c.metadata.name}`] = c.metadata.uid;
    }
    kube(["-n", "zot", "create", "configmap", "hearth-upgrade-marker", "--from-literal=seed=1"]);
    const c = await gitea("/repos/hearth/gitops/commits?sha=main&limit=50");
    commits = Array.isArray(c.body) ? (c.body as { sha: string }[]).map((x) => x.sha) : [];
    return check(
      `seeded ${Object.keys(seeded).length} namespaces and claims`,
      Object.keys(seeded).length >= 5,
    );
  });
  if (!deployed) return;

  await phase("preview with this checkout", async () => {
    const p = await pulumi("preview-head", ["preview", "--json"]);
    if (!check("the preview succeeds", p.code === 0, p.out.slice(-3000))) return false;
    const steps = previewSteps(p.out);
    const replaced = steps.filter((s) => /replace/.test(s.op));
    const deleted = steps.filter((s) => s.op === "delete");
    const by: Record<string, number> = {};
    for (const s of steps) by[s.op] = (by[s.op] ?? 0) + 1;
    console.log(`planned: ${JSON.stringify(by)}`);
    check(
      "nothing is replaced (the providers' new clusterIdentifier included)",
      replaced.length === 0,
      replaced.map((s) => `${s.op} ${s.name}`).join(", "),
    );
    return check(
      "nothing is deleted",
      deleted.length === 0,
      deleted.map((s) => `${s.op} ${s.name}`).join(", "),
    );
  });
  await phase("up with this checkout", async () => {
    const r = await pulumi("up-head", ["up", "--yes", "--skip-preview"]);
    check("this checkout's up succeeds on the earlier state", r.code === 0, r.out.slice(-3000));
    const lost = Object.entries(seeded).filter(([what, id]) => {
      const [kind, rest] = what.split(" ");
      const [ns, name] = rest.includes("/") ? rest.split("/") : [undefined, rest];
      const o = kubeJson<{ metadata: { uid: string } }>([
        ...(ns ? ["-n", ns] : []),
        "get",
        kind === "claim" ? "pvc" : "namespace",
        name,
      ]);
      return o?.metadata.uid !== id;
    });
    check(
      "every seeded namespace and claim is the same object",
      lost.length === 0,
      lost.map(([w]) => w).join(", "),
    );
    const marker = kubeJson(["-n", "zot", "get", "configmap", "hearth-upgrade-marker"]);
    check("the marker in zot's namespace stays", marker !== undefined);
    const after = await gitea("/repos/hearth/gitops/commits?sha=main&limit=50");
    const now = Array.isArray(after.body)
      ? (after.body as { sha: string }[]).map((x) => x.sha)
      : [];
    check(
      "the GitOps history stays",
      commits.every((c) => now.includes(c)),
      `${commits.length} before`,
    );
    const quiet = await pulumi("quiet-head", ["preview", "--expect-no-changes"]);
    return check("the next preview is clean", quiet.code === 0, quiet.out.slice(-2000));
  });
}

main()
  .catch((e) => check("the run", false, (e as Error).stack))
  .finally(() => {
    rmSync(join(work, "base"), { recursive: true, force: true });
    run.finish("upgrade.json");
  });
