/**
 * The matrix's rows, as printed at the end of `npm run test:day2` and written to bench/results/day2.json.
 */

/** One row of the matrix, as printed and written to bench/results/day2.json. */
export interface Row {
  change: string;
  planned: Record<string, number>;
  /** Data-guarded resources the plan would delete or replace. */
  guarded: string[];
  data: string;
  upSeconds: number;
  pass: boolean;
  note?: string;
}
/** Every row so far, in the order they ran. */
export const rows: Row[] = [];

/** Prints the rows as a Markdown table. */
export function printTable(): void {
  console.log("\n| change | planned | data | up (s) | result |\n| --- | --- | --- | --- | --- |");
  for (const r of rows) {
    const planned = Object.entries(r.planned)
      .map(([op, n]) => `${n} ${op}`)
      .join(", ");
    console.log(
      `| ${r.change} | ${planned || "none"} | ${r.data} | ${r.upSeconds.toFixed(1)} | ${r.pass ? "pass" : "FAIL"} |`,
    );
  }
}
