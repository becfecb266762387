/**
 * `npm run init` (`npx ts-node cli/init.ts`): a wizard that writes a home's stack file, `Pulumi.<stack>.yaml`,
 * and sets its secrets with `pulumi config set --secret`. It asks what a newcomer knows (the domain, the LAN, the
 * machines' MACs or Hetzner, the apps, who signs in, how the home is reached, where backups and alerts go),
 * offers defaults, and checks every answer as `pulumi up` checks the config, asking again with `up`'s own
 * message while an answer is wrong. Secrets are read without echo and never printed.
 *
 *   npm run init                                    asks in the terminal
 *   npm run init -- --domain home.example.org ...   those flags answer their questions; the terminal asks the rest
 *   npm run init -- --non-interactive ...           every answer from flags or defaults (scripts); secrets from
 *                                                   --<id>-file FILE or HEARTH_INIT_<ID>
 *   --dir DIR     the project folder (default: the current one)    --force  replace an existing stack file
 *   --dev-passphrase  accept scripts/toolchain/env.sh's public passphrase (a throwaway stack only)
 *
 * Exit 0 when the stack is written, 1 when an answer is refused for good (nothing written), 2 on bad usage.
 * The logic is in cli/init/ (questions, checks, the stack it renders, the flags); this file is the terminal.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative, resolve } from "node:path";
import { createInterface, Interface } from "node:readline/promises";
import { Writable } from "node:stream";
import { Problem } from "../stacks/validate";
import { problemLine } from "./init/check";
import { FlagAnswers, flagAsker, parseInitFlags, secretEnvName, UsageError } from "./init/flags";
import { InitEnv, Question } from "./init/answers";
import { isQuestionFlag, questionTemplates } from "./init/questions";
import { planStack } from "./init/render";
import { Asker, runWizard, WizardRefusal } from "./init/wizard";
import { pulumiIn, stackFilePath, writeStack } from "./init/write";

/** The passphrase scripts/toolchain/env.sh sets for local dev stacks: public, so never for a home's secrets. */
const DEV_PASSPHRASE = "hearth-local-dev-only";

/** stdout, or nothing while a secret is typed. */
class Output extends Writable {
  muted = false;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    if (!this.muted) process.stdout.write(chunk);
    done();
  }
}

/** How a default is shown: long ones (an SSH key) cut short. */
function shown(value: string): string {
  return value.length > 60 ? `${value.slice(0, 32)}...${value.slice(-12)}` : value;
}

/** The terminal asker: a help line, the prompt with its choices and default; secrets without echo. */
function terminalAsker(): Asker & { close(): void } {
  const out = new Output();
  const rl: Interface = createInterface({
    input: process.stdin,
    output: out,
    terminal: Boolean(process.stdin.isTTY),
  });
  rl.on("SIGINT", () => {
    process.stdout.write("\nStopped: nothing was written.\n");
    process.exit(130);
  });
  rl.on("close", () => {
    if (!closing) {
      process.stdout.write("\nInput ended: nothing was written.\n");
      process.exit(130);
    }
  });
  let closing = false;
  return {
    async ask(q: Question, problems: Problem[]) {
      for (const p of problems) process.stdout.write(`${problemLine(p)}\n`);
      if (problems.length === 0 && q.help) process.stdout.write(`\n  ${q.help}\n`);
      const choices = q.choices ? ` (${q.choices.join(", ")})` : "";
      const dflt = q.default !== undefined ? ` [${shown(q.default)}]` : "";
      const hidden = q.kind === "secret" ? " (typing is not shown)" : "";
      const prompt = `${q.prompt}${choices}${hidden}${dflt}: `;
      if (q.kind !== "secret") return rl.question(prompt);
      process.stdout.write(prompt);
      out.muted = true;
      try {
        return await rl.question("");
      } finally {
        out.muted = false;
        process.stdout.write("\n");
      }
    },
    report(problems: Problem[]) {
      const n = problems.length;
      process.stdout.write(
        `\nThe stack as a whole has ${n} problem${n === 1 ? "" : "s"}; the questions they name are asked again:\n`,
      );
      for (const p of problems) process.stdout.write(`${problemLine(p)}\n`);
    },
    close() {
      closing = true;
      rl.close();
    },
  };
}

/** The machine the wizard runs on, as the questions' defaults and checks see it. */
function localEnv(dir: string, force: boolean): InitEnv {
  return {
    home: homedir(),
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "Etc/UTC",
    readFile: (path) => {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined;
      }
    },
    stackExists: (stack) => !force && existsSync(stackFilePath(dir, stack)),
  };
}

/** The usage: options, then every question's flag. */
function usage(env: InitEnv): string {
  const lines = questionTemplates(env).map((q) =>
    q.kind === "secret"
      ? `  --${q.id}-file FILE | ${secretEnvName(q.id)}  ${q.prompt}`
      : `  --${q.id} ${q.choices ? q.choices.join("|") : "VALUE"}  ${q.prompt}${q.default !== undefined ? ` (default ${shown(q.id.includes("<n>") ? q.default.replace(/1$/, "<n>") : q.default)})` : ""}`,
  );
  return [
    "usage: npm run init [-- [--non-interactive] [--dir DIR] [--force] [--dev-passphrase] [--<question> VALUE ...]]",
    "",
    "Questions and their flags (<n> counts from 1):",
    ...lines,
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseInitFlags(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n\n${usage(localEnv(process.cwd(), false))}\n`);
    return 2;
  }
  const dir = resolve(flags.dir ?? process.cwd());
  const env = localEnv(dir, flags.force);
  if (flags.help) {
    process.stdout.write(`${usage(env)}\n`);
    return 0;
  }
  const unknown = Object.keys(flags.values).filter((f) => !isQuestionFlag(f, env));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown option${unknown.length === 1 ? "" : "s"} ${unknown.map((f) => `--${f}`).join(", ")}\n\n${usage(env)}\n`,
    );
    return 2;
  }
  if (!existsSync(join(dir, "Pulumi.yaml"))) {
    process.stderr.write(
      `no Pulumi.yaml in ${dir}: run npm run init in Hearth's checkout, or give --dir\n`,
    );
    return 2;
  }
  if (process.env.PULUMI_CONFIG_PASSPHRASE === DEV_PASSPHRASE && !flags.devPassphrase) {
    process.stderr.write(
      [
        `The stack's secrets would be encrypted with the public passphrase of scripts/toolchain/env.sh ("${DEV_PASSPHRASE}"),`,
        "which anyone can read. Set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to a passphrase of your",
        "own first and keep it in a password manager, or pass --dev-passphrase for a throwaway stack.",
        "",
      ].join("\n"),
    );
    return 2;
  }

  const terminal = flags.nonInteractive ? undefined : terminalAsker();
  const fromFlags = new FlagAnswers(flags.values, process.env);
  if (terminal)
    process.stdout.write(
      [
        "Hearth init: a stack file for your home, Pulumi.<stack>.yaml, and its secrets.",
        "Every answer is checked as `pulumi up` checks it. Enter takes the [default]; Ctrl-C stops, writing nothing.",
        "",
      ].join("\n"),
    );
  let answers;
  try {
    answers = await runWizard(flagAsker(fromFlags, terminal), env);
  } catch (e) {
    terminal?.close();
    if (e instanceof WizardRefusal) {
      process.stderr.write(
        `Hearth init: nothing was written:\n${e.problems.map(problemLine).join("\n")}\n`,
      );
      return 1;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  terminal?.close();

  const plan = planStack(answers, env);
  const file = writeStack(plan, dir, pulumiIn(dir));
  const near = relative(process.cwd(), file);
  const shownFile = near.startsWith("..") ? file : near;
  process.stdout.write(
    [
      "",
      `Wrote ${shownFile} (stack ${plan.stack}): ${Object.keys(plan.config).length} settings.`,
      plan.secrets.length > 0
        ? `Set with pulumi config set --secret (stored encrypted): ${plan.secrets.map((s) => s.key).join(", ")}.`
        : "No secrets.",
      `Backend: ${process.env.PULUMI_BACKEND_URL ?? "pulumi's current login"}.`,
      "Next:",
      `  npm run plan -- ${shownFile}      what it would build, without contacting anything`,
      `  pulumi preview --stack ${plan.stack}              then pulumi up --stack ${plan.stack}`,
      "",
    ].join("\n"),
  );
  return 0;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`Hearth init failed: ${e.message}\n`);
      process.exit(1);
    },
  );
