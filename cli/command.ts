/**
 * What every `hearth` command is (cli/hearth.ts dispatches to one per file in cli/commands/), and the argument
 * parsing they share.
 */

/** A command: its name, one-line usage, and what it does with the words after its name. */
export interface Command {
  name: string;
  /** The usage line, after `npm run hearth -- `. */
  usage: string;
  /** One line for the list of commands. */
  summary: string;
  /** Runs it; resolves to the exit code (0 success, 1 failure, 2 bad usage). */
  run(argv: string[]): Promise<number>;
}

/** A mistake in the command line: exit 2 with the command's usage. */
export class Usage extends Error {}

/** The words and `--flags` of a command line. */
export interface ParsedArgs {
  words: string[];
  flags: Record<string, string | true>;
}

/**
 * Splits a command line into words and flags: `booleans` stand alone, `values` take the next word. Any other
 * `--flag`, or a value flag without its value, is a `Usage` error.
 */
export function parseArgs(
  argv: string[],
  spec: { booleans?: string[]; values?: string[] } = {},
): ParsedArgs {
  const words: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) words.push(a);
    else if ((spec.booleans ?? []).includes(a.slice(2))) flags[a.slice(2)] = true;
    else if ((spec.values ?? []).includes(a.slice(2))) {
      if (argv[i + 1] === undefined || argv[i + 1].startsWith("--"))
        throw new Usage(`${a} needs a value`);
      flags[a.slice(2)] = argv[++i];
    } else throw new Usage(`unknown option ${a}`);
  }
  return { words, flags };
}

/** The stack a command acts on: `--stack`, else $HEARTH_STACK, else dev. */
export function stackOf(flags: ParsedArgs["flags"], env: NodeJS.ProcessEnv = process.env): string {
  return typeof flags.stack === "string" ? flags.stack : (env.HEARTH_STACK ?? "dev");
}
