/**
 * The wizard's loop, apart from any terminal: ask the next question, check the answer as `up` would, ask again
 * with `up`'s message while it is wrong; at the end check the whole stack, and ask again each question a
 * problem across answers names. The terminal driver (cli/init.ts) and the flags (./flags.ts) are its askers.
 */
import { Problem } from "../../stacks/validate";
import { checkAnswer, questionOf, stackProblems } from "./check";
import { Answers, InitEnv, Question } from "./answers";
import { nextQuestion, questionsFor } from "./questions";
import { planStack } from "./render";

/** Where answers come from. */
export interface Asker {
  /**
   * The raw answer to `q` ("" takes the default). `problems` are why the answer before was refused (empty the
   * first time): an asker that cannot ask again throws.
   */
  ask(q: Question, problems: Problem[]): Promise<string>;
  /** The stack as a whole still has these problems; the questions they name are asked again. */
  report(problems: Problem[]): void;
}

/** Refused for good: an answer given by flag, or a problem no question answers. */
export class WizardRefusal extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join("\n"));
    this.name = "WizardRefusal";
  }
}

/** Asks until every question has an answer `up` accepts, and the stack they make has no problem. */
export async function runWizard(asker: Asker, env: InitEnv): Promise<Answers> {
  const answers: Answers = {};
  for (;;) {
    const q = nextQuestion(answers, env);
    if (q) {
      let problems: Problem[] = [];
      for (;;) {
        const raw = (await asker.ask(q, problems)).trim();
        const answer = raw === "" ? q.default : raw;
        problems = checkAnswer(q, answer, answers, env);
        if (problems.length === 0 && answer !== undefined) {
          answers[q.id] = answer;
          break;
        }
      }
      continue;
    }
    const problems = stackProblems(planStack(answers, env));
    if (problems.length === 0) return answers;
    const questions = questionsFor(answers, env);
    const again = problems.map((p) => questionOf(p, questions));
    if (again.some((x) => x === undefined))
      throw new WizardRefusal(problems.filter((_, i) => again[i] === undefined));
    asker.report(problems);
    for (const x of again) delete answers[x!.id];
  }
}
