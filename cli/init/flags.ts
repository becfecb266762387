/**
 * `npm run init -- --non-interactive --domain home.example.org --node1-mac 52:54:00:12:34:56 ...`: every question
 * answered by the flag of its id (`--<id> VALUE` or `--<id>=VALUE`), or by its default. A secret is never taken
 * on the command line, where `ps` shows it: it comes from a file (`--<id>-file PATH`) or the environment
 * (`HEARTH_INIT_<ID>`, e.g. HEARTH_INIT_TSIG_SECRET). Without --non-interactive, the flags answer their questions
 * and the terminal asks the rest.
 */
import { readFileSync } from "node:fs";
import { Problem } from "../../stacks/validate";
import { Question } from "./answers";
import { Asker, WizardRefusal } from "./wizard";

/** A command line the wizard cannot use; printed with the usage. */
export class UsageError extends Error {}

/** The wizard's options, and the answers its flags give. */
export interface InitFlags {
  nonInteractive: boolean;
  /** Replace an existing stack file. */
  force: boolean;
  help: boolean;
  /** Accept the public dev passphrase of scripts/toolchain/env.sh for this stack's secrets. */
  devPassphrase: boolean;
  /** The project folder (where Pulumi.yaml is). @default the current directory */
  dir?: string;
  /** Flag name (without --) -> value, for the questions. */
  values: Record<string, string>;
}

const SWITCHES = ["non-interactive", "force", "help", "dev-passphrase"];

/** Reads the command line; a flag without a value is refused. */
export function parseInitFlags(argv: string[]): InitFlags {
  const flags: InitFlags = {
    nonInteractive: false,
    force: false,
    help: false,
    devPassphrase: false,
    values: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z0-9][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m)
      throw new UsageError(
        `unexpected argument ${JSON.stringify(arg)}; options are --<name> VALUE`,
      );
    const [, name, inline] = m;
    if (name === "h") flags.help = true;
    else if (SWITCHES.includes(name) && inline === undefined) {
      if (name === "non-interactive") flags.nonInteractive = true;
      if (name === "force") flags.force = true;
      if (name === "help") flags.help = true;
      if (name === "dev-passphrase") flags.devPassphrase = true;
    } else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      if (name === "dir") flags.dir = value;
      else flags.values[name] = value;
    }
  }
  return flags;
}

/** The environment variable a secret answer may come from. */
export function secretEnvName(id: string): string {
  return `HEARTH_INIT_${id.toUpperCase().replace(/-/g, "_")}`;
}

/**
 * The answers the flags give: the value of `--<id>`, a secret from `--<id>-file` or the environment. Records
 * which flags were read, so that a flag no question asked for is reported.
 */
export class FlagAnswers {
  private readonly used = new Set<string>();

  constructor(
    private readonly values: Record<string, string>,
    private readonly env: NodeJS.ProcessEnv,
    private readonly readFile: (path: string) => string = (p) => readFileSync(p, "utf8"),
  ) {}

  /** The flags' answer to `q`, or undefined when they give none. */
  answerFor(q: Question): string | undefined {
    if (q.kind === "secret") {
      if (this.values[q.id] !== undefined)
        throw new UsageError(
          `--${q.id}: a secret is never taken on the command line, where ps shows it; use --${q.id}-file FILE or ${secretEnvName(q.id)}`,
        );
      const file = this.values[`${q.id}-file`];
      if (file !== undefined) {
        this.used.add(`${q.id}-file`);
        try {
          return this.readFile(file).trim();
        } catch (e) {
          throw new UsageError(`--${q.id}-file: cannot read ${file}: ${(e as Error).message}`);
        }
      }
      return this.env[secretEnvName(q.id)];
    }
    if (this.values[q.id] !== undefined) this.used.add(q.id);
    return this.values[q.id];
  }

  /** Flags no question read. */
  unused(): string[] {
    return Object.keys(this.values).filter((k) => !this.used.has(k));
  }
}

/**
 * An asker that answers from the flags: each question once, then from `fallback` (the terminal), or, without
 * one (--non-interactive), by its default; a refused answer is final.
 */
export function flagAsker(answers: FlagAnswers, fallback?: Asker): Asker {
  const tried = new Set<string>();
  return {
    async ask(q: Question, problems: Problem[]) {
      const first = !tried.has(q.id);
      tried.add(q.id);
      const given = first ? answers.answerFor(q) : undefined;
      if (given !== undefined) return given;
      if (fallback) return fallback.ask(q, first ? [] : problems);
      if (!first) throw new WizardRefusal(problems);
      return "";
    },
    report(problems: Problem[]) {
      if (fallback) fallback.report(problems);
      else throw new WizardRefusal(problems);
    },
  };
}
