/**
 * `npm run bench`: how long the program takes to evaluate under Pulumi mocks (config validation, every
 * component, every registration) for each example stack and for a scaled home of 50 metal nodes with every
 * app. Prints minimum and median over repeated runs; the first run (cold module cache) is reported apart.
 */
import { join } from "path";
import { evaluateStackFile } from "../cli/evaluate/evaluate";
import { scaledStackFile } from "./scaled-stack";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const root = join(__dirname, "..");

async function measure(label: string, file: string): Promise<void> {
  const times: number[] = [];
  let resources = 0;
  // Components report progress through Pulumi's log, which mocks print to the console: keep it quiet here.
  const { log, info, error } = console;
  console.log = console.info = console.error = () => undefined;
  try {
    for (let i = 0; i < RUNS + 1; i++) {
      const start = process.hrtime.bigint();
      const { registrations } = await evaluateStackFile(file);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      resources = registrations.length;
    }
  } finally {
    Object.assign(console, { log, info, error });
  }
  const [cold, ...warm] = times;
  warm.sort((a, b) => a - b);
  const median = warm[Math.floor(warm.length / 2)];
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(
    `${label.padEnd(10)} ${String(resources).padStart(5)} resources  cold ${cold.toFixed(0).padStart(6)} ms  ` +
      `min ${warm[0].toFixed(0).padStart(6)} ms  median ${median.toFixed(0).padStart(6)} ms  (${RUNS} runs, heap ${heap.toFixed(0)} MiB)`,
  );
}

async function main(): Promise<void> {
  console.log(`node ${process.version}; evaluation under Pulumi mocks, ${RUNS} warm runs each`);
  await measure("home", join(root, "stacks/examples/Pulumi.home.yaml"));
  await measure("hetzner", join(root, "stacks/examples/Pulumi.hetzner.yaml"));
  await measure("scaled-50", scaledStackFile(50));
}

void main();
