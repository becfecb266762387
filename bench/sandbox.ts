/**
 * `npm run bench:sandbox` (and the last part of `npm run bench`): the sandbox with real pods, against the local
 * sandbox (root; the toolchain and the images built).
 *
 * - each image's last build time (build-images.sh's timings.tsv);
 * - from an empty sandbox state (binaries and images cached) to every app that runs for real Ready: the
 *   sandbox's `up`, the dev stack's `up` from empty, then the wait for the pods; and warm: the sandbox taken down
 *   with its state kept and brought up again, to the same pods Ready;
 * - memory: the resident set of every sandbox process and every process in the real node's cgroups, with the
 *   dev stack deployed, against the same with every node kwok's (`HEARTH_SANDBOX_REAL_NODES=none`).
 *
 * Its own state backend in a temporary folder; the sandbox is taken down at the end. Skips with the reason when it
 * cannot run (not root, no toolchain, a dev stack deployed in the default backend). Writes
 * bench/results/sandbox.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { namedImages } from "../scripts/sandbox/stack-images";
import { toolchainEnv } from "../scripts/toolchain/env";

const root = join(__dirname, "..");
const cache = process.env.HEARTH_CACHE ?? join(homedir(), ".cache/hearth");
const kubectl = join(cache, "sandbox/bin/kubectl");
const sandboxDir = join(root, ".sandbox");

function skip(why: string): never {
  console.log(`sandbox bench: skipped: ${why}`);
  process.exit(0);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`.slice(-4000));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * Each image's recorded builds (build-images.sh's timings.tsv): the first on this machine (the coldest: modules
 * downloaded, nothing compiled) and the last, with their versions.
 */
type Build = { version: string; seconds: number };
function imageBuilds(): Record<string, { first: Build; last: Build }> {
  const file = join(cache, "images/timings.tsv");
  if (!existsSync(file)) return {};
  const out: Record<string, { first: Build; last: Build }> = {};
  for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) {
    const [, name, version, seconds] = line.split("\t");
    const b = { version, seconds: Number(seconds) };
    out[name] = { first: out[name]?.first ?? b, last: b };
  }
  return out;
}

/** The namespaces whose pods must be Ready on node-1: the dev stack's real apps, and the cluster DNS. */
function realNamespaces(): string[] {
  const dev = parse(readFileSync(join(root, "Pulumi.dev.yaml"), "utf8"));
  return [...new Set(namedImages(dev).map((n) => n.app)), "kube-system"];
}

/** Seconds until every namespace has a Ready pod on node-1. */
async function untilReady(namespaces: string[], seconds = 300): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const r = spawnSync(
      kubectl,
      [
        ...["--kubeconfig", join(sandboxDir, "kubeconfig"), "get", "pods", "-A"],
        ...["--field-selector", "spec.nodeName=node-1", "-o", "json"],
      ],
      { encoding: "utf8", maxBuffer: 16 << 20 },
    );
    const pods =
      r.status === 0
        ? (
            JSON.parse(r.stdout) as {
              items: {
                metadata: { namespace: string };
                status: { conditions?: { type: string; status: string }[] };
              }[];
            }
          ).items
        : [];
    const ready = new Set(
      pods
        .filter((p) =>
          (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
        )
        .map((p) => p.metadata.namespace),
    );
    if (namespaces.every((n) => ready.has(n))) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > seconds * 1000)
      throw new Error(
        `not Ready on node-1 after ${seconds} s: ${namespaces.filter((n) => !ready.has(n))}`,
      );
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/** Resident memory (MiB) of the sandbox's processes and of every process in the real nodes' cgroups. */
function sandboxRss(): number {
  const pids = new Set<string>();
  const own = spawnSync("pgrep", ["-f", `${sandboxDir}/`], { encoding: "utf8" }).stdout;
  for (const p of own.split("\n").filter(Boolean)) pids.add(p);
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const p of readFileSync(join(d, "cgroup.procs"), "utf8").split("\n").filter(Boolean))
      pids.add(p);
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) walk(join(d, e.name));
  };
  walk("/sys/fs/cgroup/memory/hearth-sandbox");
  let kb = 0;
  for (const p of pids) {
    try {
      const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      kb += m ? Number(m[1]) : 0;
    } catch {
      // ended meanwhile
    }
  }
  return kb / 1024;
}

/** The dev stack deployed from empty into a fresh backend; seconds of its `up`. */
function devUp(env: NodeJS.ProcessEnv): number {
  run("pulumi", ["stack", "init", "dev", "--non-interactive"], env);
  return run(
    "pulumi",
    ["up", "--yes", "--skip-preview", "--stack", "dev", "--non-interactive"],
    env,
  );
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) skip("needs root (the sandbox's network namespaces)");
  if (!existsSync(kubectl)) skip("no sandbox binaries: run scripts/toolchain/build.sh");
  const existing = spawnSync("pulumi", ["stack", "--stack", "dev", "--show-urns"], {
    cwd: root,
    env: toolchainEnv(join(cache, "state")),
    encoding: "utf8",
  });
  if (existing.status === 0 && /hearth:stack:Homelab/.test(existing.stdout))
    skip("the dev stack is deployed (npm run dev); run npm run dev -- down first");
  const why = spawnSync(
    "node",
    ["-r", "ts-node/register/transpile-only", "scripts/sandbox/real-node.ts", "check"],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  if (why.status !== 0) skip(`this host cannot run containers: ${why.stdout.trim()}`);

  const namespaces = realNamespaces();
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    realNamespaces: namespaces,
  };
  result.imageBuildSeconds = imageBuilds();

  // Cold: an empty sandbox state (binaries and images cached).
  run("bash", ["scripts/sandbox.sh", "down"]);
  const work = mkdtempSync(join(tmpdir(), "hearth-bench-sandbox-"));
  const env = toolchainEnv(join(work, "state"));
  const sandboxUp = run("bash", ["scripts/sandbox.sh", "up"]);
  const stackUp = devUp(env);
  const podsAfter = await untilReady(namespaces);
  const cold = sandboxUp + stackUp + podsAfter;
  const realMiB = sandboxRss();

  // Warm: down with the state kept, up again, the same pods Ready.
  run("bash", ["scripts/sandbox.sh", "down", "--keep-state"]);
  const warmUp = run("bash", ["scripts/sandbox.sh", "up"]);
  const warmPods = await untilReady(namespaces);

  // The same with every node kwok's.
  run("bash", ["scripts/sandbox.sh", "down"]);
  const kwokEnv = toolchainEnv(join(work, "state-kwok"));
  const kwokSandbox = { ...process.env, HEARTH_SANDBOX_REAL_NODES: "none" };
  run("bash", ["scripts/sandbox.sh", "up"], kwokSandbox);
  devUp(kwokEnv);
  const kwokMiB = sandboxRss();
  run("bash", ["scripts/sandbox.sh", "down"], kwokSandbox);

  result.cold = {
    sandboxUpSeconds: sandboxUp,
    stackUpSeconds: stackUp,
    podsReadySeconds: podsAfter,
    totalSeconds: cold,
  };
  result.warm = {
    sandboxUpSeconds: warmUp,
    podsReadySeconds: warmPods,
    totalSeconds: warmUp + warmPods,
  };
  result.memoryMiB = { realPods: realMiB, kwokOnly: kwokMiB, ratio: realMiB / kwokMiB };
  const builds = Object.entries(imageBuilds())
    .map(([n, b]) => `${n} ${b.last.version} ${b.first.seconds} s first, ${b.last.seconds} s last`)
    .join("; ");
  console.log(`images (build-images.sh, this machine): ${builds}`);
  console.log(
    `sandbox to every real app Ready (${namespaces.join(", ")}): cold ${cold.toFixed(1)} s ` +
      `(sandbox up ${sandboxUp.toFixed(1)} s, dev up from empty ${stackUp.toFixed(1)} s, pods ${podsAfter.toFixed(1)} s); ` +
      `warm ${(warmUp + warmPods).toFixed(1)} s (sandbox up ${warmUp.toFixed(1)} s, pods ${warmPods.toFixed(1)} s)`,
  );
  console.log(
    `memory with the dev stack: ${realMiB.toFixed(0)} MiB with real pods, ${kwokMiB.toFixed(0)} MiB all kwok ` +
      `(ratio ${(realMiB / kwokMiB).toFixed(2)})`,
  );
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, "bench/results/sandbox.json"), `${JSON.stringify(result, null, 2)}\n`);
  execFileSync("rm", ["-rf", work]);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
