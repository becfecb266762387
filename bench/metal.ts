/**
 * `npm run bench:metal` (root, about 15 minutes): the image installer's figures, measured side by side in one
 * run. It runs `test:metal` twice, first with an empty image cache (cold: the controller builds the node
 * image) and then with the cache it left (warm: the build is found and skipped), and reads each run's
 * figures.json: the image step's time, the bytes served per node, and power-on -> SSH-ready per firmware under
 * TCG. It then unpacks the same root.tar.gz natively on this host, to set the emulated "writing" stage beside
 * native speed, and estimates real hardware from the stage times (the method is printed with the estimate).
 * The machine-readable result goes to bench/results/metal-<time>.json.
 */
import { spawnSync } from "child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "fs";
import { homedir } from "os";
import { join } from "path";

interface Run {
  firmware: string;
  powerOnToSshSeconds: number;
  stages: { name: string; seconds: number }[];
  slowest: string;
  bytesServed: number;
  passed: boolean;
}
interface Figures {
  imageBuild?: { seconds: number; cached: boolean };
  runs: Run[];
}

const cache = process.env.HEARTH_CACHE ?? join(homedir(), ".cache", "hearth");
const images = join(cache, "metal", "images");
/** Assumed, not measured: a real machine's firmware start and PXE ROM, per boot (two boots per install). */
const FIRMWARE_SECONDS_PER_BOOT = 30;
/** Assumed, not measured: a gigabit LAN's payload rate, bytes per second. */
const GIGABIT = 117e6;

function testMetal(label: string): Figures {
  console.log(`bench:metal: ${label} run of test:metal ...`);
  const r = spawnSync(
    "npx",
    ["ts-node", "--transpile-only", join(__dirname, "..", "test", "metal", "pxe-install.ts")],
    {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, HEARTH_METAL_BAD_DISK: "0" },
    },
  );
  if (r.status !== 0) throw new Error(`the ${label} test:metal run failed (exit ${r.status})`);
  return JSON.parse(readFileSync(join(cache, "metal", "last-figures.json"), "utf8")) as Figures;
}

/** Seconds to unpack the image natively, as the installer does (gzip, then tar with numeric owners). */
function nativeUnpackSeconds(): number {
  const dir = readdirSync(images).find((d) => existsSync(join(images, d, "root.tar.gz")));
  if (!dir) throw new Error(`no built image in ${images}`);
  const to = mkdtempSync("/var/tmp/hearth-bench-unpack-");
  try {
    const t = process.hrtime.bigint();
    const r = spawnSync("tar", [
      "-xzp",
      "--numeric-owner",
      "-f",
      join(images, dir, "root.tar.gz"),
      "-C",
      to,
    ]);
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t) / 1e9;
  } finally {
    rmSync(to, { recursive: true, force: true });
  }
}

function stage(run: Run, prefix: string): number {
  return run.stages.filter((s) => s.name.startsWith(prefix)).reduce((sum, s) => sum + s.seconds, 0);
}

function main(): void {
  if (process.getuid?.() !== 0) throw new Error("bench:metal runs test:metal, which needs root");
  // Cold: move the cached builds aside, so the controller builds the image.
  const aside = `${images}.bench-aside`;
  rmSync(aside, { recursive: true, force: true });
  if (existsSync(images)) renameSync(images, aside);
  let cold: Figures;
  try {
    cold = testMetal("cold (empty image cache)");
  } catch (e) {
    if (existsSync(aside) && !existsSync(images)) renameSync(aside, images);
    throw e;
  }
  rmSync(aside, { recursive: true, force: true });
  const warm = testMetal("warm (image cache from the cold run)");
  const native = nativeUnpackSeconds();

  const rows = [
    ...cold.runs.map((r) => ({ ...r, when: "cold" })),
    ...warm.runs.map((r) => ({ ...r, when: "warm" })),
  ];
  console.log("\nbench:metal results (QEMU under TCG, 2 vCPUs, 2 GiB, virtio disk and NIC)");
  console.log(
    `  image build: cold ${cold.imageBuild?.seconds}s (${cold.imageBuild?.cached ? "cached?!" : "built"}), warm ${warm.imageBuild?.seconds}s (${warm.imageBuild?.cached ? "found cached" : "rebuilt?!"})`,
  );
  for (const r of rows) {
    console.log(
      `  ${r.when} ${r.firmware}: power-on -> SSH-ready ${r.powerOnToSshSeconds}s, ${(r.bytesServed / 1048576).toFixed(1)} MiB served, slowest ${r.slowest}`,
    );
  }
  // Real hardware: the TCG stages that are CPU work scale by the slowdown measured on the writing stage
  // (stream + gunzip + untar under TCG, against the same unpack natively here); firmware is an allowance per
  // boot; the transfer is the bytes at gigabit speed.
  const estimates = warm.runs.map((r) => {
    const writing = stage(r, "image streamed");
    const slowdown = writing / native;
    const firmware = stage(r, "firmware");
    const cpu = r.powerOnToSshSeconds - firmware;
    const estimate = 2 * FIRMWARE_SECONDS_PER_BOOT + cpu / slowdown + r.bytesServed / GIGABIT;
    return { firmware: r.firmware, writing, native, slowdown, estimate };
  });
  for (const e of estimates) {
    console.log(
      `  ${e.firmware}: writing the image took ${e.writing}s under TCG against ${e.native.toFixed(1)}s to unpack it natively here (x${e.slowdown.toFixed(1)}); ` +
        `estimated real hardware: ${Math.round(e.estimate)}s = 2 x ${FIRMWARE_SECONDS_PER_BOOT}s firmware (assumed) + the other stages / ${e.slowdown.toFixed(1)} + the bytes at 1 Gbit/s`,
    );
  }
  const out = join(__dirname, "results");
  mkdirSync(out, { recursive: true });
  const file = join(out, `metal-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ cold, warm, nativeUnpackSeconds: native, estimates }, null, 2)}\n`,
  );
  console.log(`  written to ${file}`);
}

try {
  main();
} catch (e) {
  console.error(`bench:metal: ${(e as Error).message}`);
  process.exit(1);
}
