/**
 * `npm run bench`, second part: real runs against the local sandbox (root; the toolchain built).
 *
 * - the dev stack: a full `pulumi up` from empty, then five no-change `up`s and previews, alternated (medians);
 * - the state: its size, the bytes per resource type, Hearth's own resources against the dynamic-provider
 *   ones, projected to the 50-node home by counting what that home registers under mocks;
 * - a ratio: one Helm release through Pulumi (the Kubernetes provider's helm.v3.Release, bench/helm-release)
 *   against `helm install --wait` of the same chart into the same API server, its pod real (on the real node),
 *   alternated, the median of the pairs' ratios; and the same program's no-change `up`, its fixed cost.
 *
 * Skips with the reason when it cannot run (not root, no toolchain, a dev stack already deployed in the
 * default backend). Writes bench/results/dev.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { scaledStackFile } from "./scaled-stack";
import { evaluateStackFile } from "../cli/evaluate/evaluate";
import { images } from "../scripts/sandbox/images";
import { toolchainEnv } from "../scripts/toolchain/env";

const root = join(__dirname, "..");
const cache = process.env.HEARTH_CACHE ?? join(homedir(), ".cache/hearth");
const helm = join(cache, "sandbox/bin/helm");
const kubeconfig = join(root, ".sandbox/kubeconfig");
const ROUNDS = Number(process.env.BENCH_HELM_ROUNDS ?? 7);
const OWN = ["hearth:ssh:RemoteCommand", "hearth:secrets:GeneratedPassword"];

function skip(why: string): never {
  console.log(`real runs: skipped: ${why}`);
  process.exit(0);
}

function envFor(backend: string): NodeJS.ProcessEnv {
  return toolchainEnv(backend);
}

/** Runs a command and returns its wall time in seconds; throws with its output when it fails. */
function timed(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { ...opts, encoding: "utf8", maxBuffer: 64 << 20 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`.slice(-4000));
  return s;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) skip("needs root (the sandbox's network namespaces)");
  if (!existsSync(helm)) skip("no sandbox binaries: run scripts/toolchain/build.sh");
  const defaultEnv = envFor(join(cache, "state"));
  const existing = spawnSync("pulumi", ["stack", "--stack", "dev", "--show-urns"], {
    cwd: root,
    env: defaultEnv,
    encoding: "utf8",
  });
  if (existing.status === 0 && /hearth:stack:Homelab/.test(existing.stdout)) {
    skip("the dev stack is deployed (npm run dev); run npm run dev -- down first");
  }
  timed("bash", ["scripts/sandbox.sh", "up"], { cwd: root });
  const work = mkdtempSync(join(tmpdir(), "hearth-bench-dev-"));
  const env = envFor(join(work, "state"));
  const pulumi = (args: string[], cwd = root) =>
    timed("pulumi", [...args, "--non-interactive"], { cwd, env });
  const result: Record<string, unknown> = { date: new Date().toISOString() };

  // The dev stack, real.
  pulumi(["stack", "init", "dev"]);
  const upEmpty = pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);
  // A no-change up and a no-change preview, alternated, five of each: the medians are the figures.
  const ups: number[] = [];
  const previews: number[] = [];
  for (let i = 0; i < 5; i++) {
    ups.push(pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes", "--stack", "dev"]));
    previews.push(pulumi(["preview", "--expect-no-changes", "--stack", "dev"]));
  }
  const upSame = median(ups);
  const previewSame = median(previews);
  console.log(
    `dev: up from empty ${upEmpty.toFixed(1)} s; no-change up ${upSame.toFixed(1)} s, no-change preview ` +
      `${previewSame.toFixed(1)} s (medians of 5; goals 10 s and 8 s, docs/performance.md)`,
  );
  result.dev = {
    upFromEmptySeconds: upEmpty,
    noChangeUpSeconds: upSame,
    noChangePreviewSeconds: previewSame,
    noChangeUpRuns: ups,
    noChangePreviewRuns: previews,
  };

  // Its state.
  const exported = execFileSync("pulumi", ["stack", "export", "--stack", "dev"], {
    cwd: root,
    env,
    maxBuffer: 64 << 20,
  }).toString();
  const resources = (JSON.parse(exported) as { deployment: { resources: { type: string }[] } })
    .deployment.resources;
  const bytes = new Map<string, number[]>();
  for (const r of resources) {
    const kind = r.type.startsWith("pulumi-nodejs:dynamic/") ? "dynamic provider (Gitea)" : r.type;
    bytes.set(kind, [...(bytes.get(kind) ?? []), JSON.stringify(r).length]);
  }
  const avg = (k: string) => {
    const xs = bytes.get(k) ?? [];
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
  };
  // The mocks print the components' progress lines; keep them out of the bench's output.
  const { log, info, error } = console;
  console.log = console.info = console.error = () => undefined;
  const scaled = await evaluateStackFile(scaledStackFile(50)).finally(() =>
    Object.assign(console, { log, info, error }),
  );
  const counts = Object.fromEntries(
    OWN.map((t) => [t, scaled.registrations.filter((r) => r.type === t).length]),
  );
  const projected = OWN.reduce((sum, t) => sum + counts[t] * avg(t), 0);
  const asDynamic = OWN.reduce((sum, t) => sum + counts[t], 0) * avg("dynamic provider (Gitea)");
  console.log(
    `dev state: ${exported.length} bytes (stack export), ${resources.length} resources; per resource:`,
  );
  for (const k of [...OWN, "dynamic provider (Gitea)"]) {
    console.log(
      `  ${k.padEnd(34)} ${String(bytes.get(k)?.length ?? 0).padStart(3)} x ${avg(k).toFixed(0).padStart(6)} bytes`,
    );
  }
  console.log(
    `50-node home: ${counts[OWN[0]]} remote commands + ${counts[OWN[1]]} passwords -> ` +
      `${(projected / 1024).toFixed(0)} KiB of state as Hearth's own resources; ` +
      `${(asDynamic / 1024).toFixed(0)} KiB at the Gitea dynamic resources' size per resource`,
  );
  result.state = {
    devBytes: exported.length,
    devResources: resources.length,
    bytesPerResource: Object.fromEntries([...bytes.keys()].map((k) => [k, Math.round(avg(k))])),
    scaled50: {
      counts,
      projectedOwnBytes: Math.round(projected),
      asDynamicBytes: Math.round(asDynamic),
    },
  };
  // The bench's own stack: what guards data is protected (the backup password), so it is unprotected first.
  pulumi(["state", "unprotect", "--all", "--yes", "--stack", "dev"]);
  pulumi(["destroy", "--yes", "--stack", "dev"]);

  // One Helm release: Pulumi's against helm's own, same chart, same cluster, alternated. The chart's pod really
  // runs, on the real node (bench/helm-release/chart); each side installs, waits for it to be ready, and is
  // uninstalled before the other goes.
  const dir = join(root, "bench/helm-release");
  const chart = join(dir, "chart");
  const values = { image: images.tools.ref };
  pulumi(["stack", "init", "bench"], dir);
  for (const [k, v] of [
    ["bench:kubeconfig", kubeconfig],
    ["bench:chart", chart],
    ["bench:namespace", "bench-pulumi"],
    ["bench:values", JSON.stringify(values)],
  ]) {
    pulumi(["config", "set", "--stack", "bench", k, v], dir);
  }
  const viaPulumi: number[] = [];
  const viaHelm: number[] = [];
  const fixed: number[] = [];
  const kube = ["--kubeconfig", kubeconfig];
  for (let i = 0; i < ROUNDS; i++) {
    viaPulumi.push(pulumi(["up", "--yes", "--skip-preview", "--stack", "bench"], dir));
    // What any `up` of this program costs, with nothing to do: the engine, the program, the provider.
    fixed.push(
      pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes", "--stack", "bench"], dir),
    );
    pulumi(["destroy", "--yes", "--stack", "bench"], dir);
    viaHelm.push(
      timed(
        helm,
        [
          ...["install", "bench", chart, "-n", "bench-helm", "--create-namespace"],
          ...["--set", `image=${values.image}`, "--atomic", "--wait", ...kube],
        ],
        { cwd: root },
      ),
    );
    timed(helm, ["uninstall", "bench", "-n", "bench-helm", "--wait", ...kube], { cwd: root });
  }
  const pairs = viaPulumi.map((p, i) => p / viaHelm[i]);
  const ratio = median(pairs);
  const releaseOnly = median(viaPulumi.map((p, i) => (p - fixed[i]) / viaHelm[i]));
  console.log(
    `one Helm release with a real pod: pulumi up median ${median(viaPulumi).toFixed(2)} s, helm install --wait ` +
      `median ${median(viaHelm).toFixed(2)} s (${ROUNDS} rounds, alternated): ratio ${ratio.toFixed(2)} ` +
      `(median of the pairs; ${Math.min(...pairs).toFixed(2)} to ${Math.max(...pairs).toFixed(2)}); a no-change up ` +
      `of the same program ${median(fixed).toFixed(2)} s, so the release alone ${releaseOnly.toFixed(2)} of helm's`,
  );
  result.helmRelease = {
    chart: "bench/helm-release/chart (one pod of the tools image on the real node)",
    pulumiSeconds: viaPulumi,
    helmSeconds: viaHelm,
    noChangeUpSeconds: fixed,
    ratio,
    releaseOnlyRatio: releaseOnly,
  };
  pulumi(["stack", "rm", "--yes", "--stack", "bench"], dir);
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, "bench/results/dev.json"), JSON.stringify(result, null, 2) + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
