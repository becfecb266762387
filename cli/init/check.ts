/**
 * Each answer is checked as `pulumi up` checks the config: the answers so far, with this one, become a stack
 * (render.ts) that the program's own `validateConfig` reads, and the problems at the key paths the answer lands
 * in are the answer's, word for word. Only what the schema cannot know (a count, a choice, a stack name) is
 * checked here.
 */
import { catalogue } from "../../apps";
import { Problem, validateConfig } from "../../stacks/validate";
import { Answers, InitEnv, Question } from "./answers";
import { planStack, rawConfigOf, StackPlan } from "./render";

/** Whether a problem is about what this question answers. */
export function concerns(q: Question, p: Problem): boolean {
  if (q.paths.includes(p.path)) return true;
  return (q.prefixes ?? []).some(
    (at) => p.path === at || p.path.startsWith(`${at}.`) || p.path.startsWith(`${at}[`),
  );
}

/** Every problem of a planned stack: files its secret answers named, then the program's own validation. */
export function stackProblems(plan: StackPlan): Problem[] {
  const { raw, secretKeys } = rawConfigOf(plan);
  const result = validateConfig(raw, secretKeys, catalogue);
  return [...plan.problems, ...(result.ok ? [] : result.problems)];
}

/** Where an answer's own problems are reported: its first key path, else its flag. */
function at(q: Question): string {
  return q.paths[0] ?? q.prefixes?.[0] ?? `--${q.id}`;
}

/** What only the wizard knows to check: a count's range, a choice, a stack name. */
function ownProblems(q: Question, answer: string, env: InitEnv): Problem[] {
  if (q.id === "stack" && !/^[A-Za-z0-9_.-]{1,100}$/.test(answer))
    return [
      {
        path: "stack name",
        message: `${JSON.stringify(answer)} is not a stack name; use letters, digits, "-", "_" or "."`,
      },
    ];
  if (q.id === "stack" && env.stackExists?.(answer))
    return [
      {
        path: "stack name",
        message: `Pulumi.${answer}.yaml already exists; choose another name, or run with --force to replace it`,
      },
    ];
  if (q.count) {
    const { min, max, what } = q.count;
    const n = /^\d{1,3}$/.test(answer) ? Number(answer) : NaN;
    if (!(n >= min && n <= max))
      return [
        {
          path: at(q),
          message: `${JSON.stringify(answer)} is not a number of ${what} from ${min} to ${max}`,
        },
      ];
  }
  if (q.choices && !q.choices.includes(answer))
    return [
      {
        path: at(q),
        message: `must be one of ${q.choices.map((c) => JSON.stringify(c)).join(", ")}; got ${JSON.stringify(answer)}`,
      },
    ];
  return [];
}

/**
 * The problems of answering `q` with `answer` (undefined: nothing given and no default), after `answers`: the
 * messages `up` gives at its key paths. A missing answer that validation says nothing about is "is required".
 */
export function checkAnswer(
  q: Question,
  answer: string | undefined,
  answers: Answers,
  env: InitEnv,
): Problem[] {
  if (answer !== undefined) {
    const own = ownProblems(q, answer, env);
    if (own.length > 0) return own;
  }
  const next = { ...answers };
  if (answer === undefined) delete next[q.id];
  else next[q.id] = answer;
  const problems = stackProblems(planStack(next, env)).filter((p) => concerns(q, p));
  if (answer === undefined && problems.length === 0)
    return [{ path: at(q), message: "is required" }];
  return problems;
}

/**
 * The question to ask again for a problem of the whole stack: the one whose key paths name it, else the
 * first one under the same `hearth:` key.
 */
export function questionOf(p: Problem, questions: Question[]): Question | undefined {
  const direct = questions.find((q) => concerns(q, p) || (q.owns ?? []).includes(p.path));
  if (direct) return direct;
  const key = p.path.split(/[.[]/)[0];
  return questions.find((q) =>
    [...q.paths, ...(q.prefixes ?? [])].some((x) => x.split(/[.[]/)[0] === key),
  );
}

/** A problem as `up` prints it (stacks/validate.ts `formatProblems`). */
export function problemLine(p: Problem): string {
  return `  - ${p.path}: ${p.message}`;
}
