/**
 * `npm run hearth -- <command> [args]`: the one entry of Hearth's command line. Each command is a file of
 * cli/commands/ with its test; this file only finds it, runs it and turns what it throws into an exit code.
 *
 *   backup status [--json] | backup now <app>        each app's snapshots per target; one backup now
 *   restore <app> [--snapshot ID] [--to scratch|live] [--yes]
 *   plan                                              pulumi preview with a risk summary (docs/day-2.md)
 *   resume                                            after a run killed outright, put right what it left
 *   evaluate <stack file>                             npm run plan: the resources under mocks, offline
 *   check-charts [--charts DIR] [--json] [files...]   npm run check:charts
 *   charts-mirror DIR                                 npm run charts:mirror
 *   docs [--check]                                    npm run docs, npm run docs:check
 *
 * Stack commands take --stack NAME (default dev, or $HEARTH_STACK). Exit 0 on success, 1 on failure, 2 on bad
 * usage.
 */
import type { Command } from "./command";
import { Usage } from "./command";

/** Every command by name, loaded only when run (docs and evaluate never load the Automation API). */
export const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  backup: () => import("./commands/backup"),
  restore: () => import("./commands/restore"),
  plan: () => import("./commands/plan"),
  resume: () => import("./commands/resume"),
  evaluate: () => import("./commands/evaluate"),
  "check-charts": () => import("./commands/check-charts"),
  "charts-mirror": () => import("./commands/charts-mirror"),
  docs: () => import("./commands/docs"),
};

/** The list of commands with their usage, for `help` and for a mistake. */
export async function usageText(): Promise<string> {
  const lines = ["usage: npm run hearth -- <command> [args]", "commands:"];
  for (const load of Object.values(COMMANDS)) {
    const { command } = await load();
    lines.push(`  ${command.usage}`, `      ${command.summary}`);
  }
  return lines.join("\n");
}

/** Runs one command line; resolves to the exit code, with the reason of a failure on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    (name === undefined ? console.error : console.log)(await usageText());
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`hearth: unknown command: ${name}\n${await usageText()}`);
    return 2;
  }
  const { command } = await load();
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof Usage) {
      console.error(`hearth ${name}: ${e.message}\nusage: npm run hearth -- ${command.usage}`);
      return 2;
    }
    console.error(`hearth ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`hearth: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
