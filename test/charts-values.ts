/**
 * Prints what the program hands each Helm release of a stack file (the dev stack by default), read from
 * a whole-program evaluation under Pulumi mocks (cli/charts/release-plans.ts), or writes one values file per
 * release for `helm template -f`:
 *   npx ts-node --transpile-only test/charts-values.ts [stack file] [--write <dir>]
 * `npm run check:charts` renders and checks them against the charts.
 */
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { DEV_STACK, stackReleasePlans } from "../cli/charts/release-plans";

async function main(args: string[]): Promise<void> {
  const writeAt = args.indexOf("--write");
  const dir = writeAt >= 0 ? args[writeAt + 1] : undefined;
  const file = args.find((a, i) => !a.startsWith("--") && (writeAt < 0 || i !== writeAt + 1));
  const { plans } = await stackReleasePlans(file ?? DEV_STACK);
  if (dir) mkdirSync(dir, { recursive: true });
  for (const p of plans) {
    if (dir) {
      const out = join(dir, `${p.app}.values.json`);
      writeFileSync(out, JSON.stringify(p.values, null, 2) + "\n");
      console.log(
        `helm template ${p.release} ${p.chartDir} --namespace ${p.namespace} --include-crds -f ${out}`,
      );
    } else {
      console.log(JSON.stringify(p, null, 2));
    }
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
