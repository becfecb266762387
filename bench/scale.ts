/**
 * `npm run bench:scale [-- 3 10 25 50]`: the dev stack at several sizes, with the real engine against a sandbox
 * of that many SSH machines (HEARTH_SANDBOX_NODES; every one a Kubernetes Node, kwok's but for node-1). For
 * each size: a preview of the empty stack, an `up` from empty, a no-change `up`, a no-change preview, and the
 * state's size. Root only (the sandbox's namespaces); it takes the sandbox down and up for each size, and
 * leaves it down. Writes bench/results/scale.json and prints the time per resource against pulumi#7682
 * (1,300 resources, a 3 min 55 s preview).
 *
 * What stays the same at every size is the apps; what grows is the machines: each one a MetalNode, its
 * preparation over SSH and its host key. The dev stack's cluster is `existing`, so no k3s install runs.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { EngineRun, repo } from "../test/e2e/harness";

const SIZES = process.argv.slice(2).map(Number).filter(Number.isInteger);
const sizes = SIZES.length > 0 ? SIZES : [3, 10, 25, 50];

/** One size's figures. */
interface Row {
  nodes: number;
  resources: number;
  previewEmptySeconds: number;
  upFromEmptySeconds: number;
  noChangeUpSeconds: number;
  noChangePreviewSeconds: number;
  stateBytes: number;
}

/** The dev stack file for `n` machines: node-1 the server, the rest agents, paths made absolute. */
function stackFileFor(n: number): string {
  const doc = parse(readFileSync(join(repo, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const nodes = JSON.parse(readFileSync(join(repo, ".sandbox/nodes.json"), "utf8")) as {
    name: string;
    address: string;
    mac: string;
  }[];
  doc.config["hearth:nodes"] = nodes.slice(0, n).map((m, i) => ({
    name: m.name,
    role: i === 0 ? "server" : "agent",
    mac: m.mac,
    ip: m.address,
    hostKeyPath: `.sandbox/nodes/${m.name}/ssh_host_ed25519_key.pub`,
    wakeOnLan: false,
  }));
  return stringify(doc)
    .replace(/\.sandbox\//g, `${repo}/.sandbox/`)
    .replace(/localDir: charts\b/, `localDir: ${join(repo, "charts")}`);
}

function sandbox(cmd: "up" | "down", n?: number): boolean {
  const r = spawnSync("bash", ["scripts/sandbox.sh", cmd], {
    cwd: repo,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, ...(n ? { HEARTH_SANDBOX_NODES: String(n) } : {}) },
  });
  return r.status === 0;
}

async function measure(run: EngineRun, n: number): Promise<Row | undefined> {
  const { check, pulumi } = run;
  if (!check(`${n} machines: the sandbox comes up`, sandbox("down") && sandbox("up", n))) return;
  writeFileSync(run.configFile, stackFileFor(n));
  await pulumi(`stack-rm-${n}`, ["stack", "rm", "--yes", "--force"], { configFile: false });
  await pulumi(`stack-init-${n}`, ["stack", "init"], { configFile: false });
  const timed = async (what: string, args: string[]) => {
    const r = await pulumi(`${what}-${n}`, args);
    check(`${n} machines: ${what}`, r.code === 0, r.out.slice(-2000));
    return r.seconds;
  };
  const previewEmptySeconds = await timed("preview of the empty stack", ["preview"]);
  const upFromEmptySeconds = await timed("up from empty", ["up", "--yes", "--skip-preview"]);
  const noChangeUpSeconds = await timed("no-change up", [
    ...["up", "--yes", "--skip-preview", "--expect-no-changes"],
  ]);
  const noChangePreviewSeconds = await timed("no-change preview", [
    ...["preview", "--expect-no-changes"],
  ]);
  const exported = await pulumi(`export-${n}`, ["stack", "export"], { configFile: false });
  const resources =
    (JSON.parse(exported.out) as { deployment: { resources?: unknown[] } }).deployment.resources
      ?.length ?? 0;
  return {
    nodes: n,
    resources,
    previewEmptySeconds,
    upFromEmptySeconds,
    noChangeUpSeconds,
    noChangePreviewSeconds,
    stateBytes: exported.out.length,
  };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.error("bench:scale needs root: the sandbox's SSH machines live in network namespaces");
    process.exit(1);
  }
  const run = new EngineRun("hearth-scale-", "scale");
  if (!run.useToolchain()) return run.finish("scale.json");
  const rows: Row[] = [];
  try {
    for (const n of sizes) {
      const row = await measure(run, n);
      if (row) rows.push(row);
    }
  } finally {
    sandbox("down");
    // `stack init` leaves the stack's encryption salt beside Pulumi.yaml; the stack lived in this run's backend.
    rmSync(join(repo, "Pulumi.scale.yaml"), { force: true });
  }
  const ms = (s: number, r: Row) => ((s * 1000) / r.resources).toFixed(0);
  console.log(
    "\n| machines | resources | preview, empty (s) | up from empty (s) | no-change up (s) | no-change preview (s) | ms per resource (no-change up) | state (KB) |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    console.log(
      `| ${r.nodes} | ${r.resources} | ${r.previewEmptySeconds.toFixed(1)} | ${r.upFromEmptySeconds.toFixed(1)} | ` +
        `${r.noChangeUpSeconds.toFixed(1)} | ${r.noChangePreviewSeconds.toFixed(1)} | ${ms(r.noChangeUpSeconds, r)} | ` +
        `${(r.stateBytes / 1024).toFixed(0)} |`,
    );
  }
  console.log("pulumi#7682: 1,300 resources, a 3 min 55 s preview: 181 ms per resource.");
  run.finish("scale.json", { rows });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
