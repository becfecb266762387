/**
 * The questions of `npm run init`, in the order a newcomer meets them: the domain, the LAN and the machines
 * (MACs, or Hetzner, or a cluster that exists), the SSH login, the apps, who signs in, how the home is reached
 * from outside, where backups go and where alerts go. Each question comes from the answers before it (how many
 * machines decides how many MACs are asked), with a default where one is sensible. Pure: the terminal driver,
 * the flag parser and the tests walk the same list. The sections are in questions-*.ts, the types and the
 * readers of answers in answers.ts.
 */
import { catalogue } from "../../apps";
import { Answers, InitEnv, Question } from "./answers";
import { alertQuestions, appQuestions } from "./questions-apps";
import { backupQuestions } from "./questions-backups";
import { exposureQuestions } from "./questions-exposure";
import { hetznerQuestions, metalQuestions, sshQuestions } from "./questions-machines";

/** Every question that applies, given the answers so far, in order. */
export function questionsFor(a: Answers, env: InitEnv): Question[] {
  const q: Question[] = [
    {
      id: "stack",
      prompt: "Stack name",
      help: "the stack file is Pulumi.<name>.yaml",
      kind: "text",
      default: "home",
      paths: [],
    },
    {
      id: "domain",
      prompt: "Domain",
      help: "apps answer on <app>.<domain>, e.g. home.example.org",
      kind: "text",
      paths: ["hearth:domain"],
    },
    {
      id: "timezone",
      prompt: "Time zone",
      kind: "text",
      default: env.timezone,
      paths: ["hearth:timezone"],
    },
    {
      id: "machines",
      prompt: "Machines",
      help: "metal: your own, installed over the network; hetzner: rented from Hetzner Cloud; existing: a Kubernetes cluster you already run",
      kind: "choice",
      choices: ["metal", "hetzner", "existing"],
      default: "metal",
      paths: [],
    },
  ];
  if (a.machines === "metal") q.push(...metalQuestions(a));
  if (a.machines === "hetzner") q.push(...hetznerQuestions(a));
  if (a.machines === "existing")
    q.push({
      id: "kubeconfig",
      prompt: "Its kubeconfig file",
      kind: "secret-file",
      default: "~/.kube/config",
      paths: ["hearth:kubeconfig"],
    });
  if (a.machines === "metal" || a.machines === "hetzner") q.push(...sshQuestions(env));
  if (a.machines !== undefined) {
    q.push(...appQuestions(a));
    if (a.apps !== undefined)
      q.push(...exposureQuestions(a), ...backupQuestions(a), ...alertQuestions(a));
  }
  return q;
}

/** The next question without an answer, or undefined when every question is answered. */
export function nextQuestion(a: Answers, env: InitEnv): Question | undefined {
  return questionsFor(a, env).find((q) => a[q.id] === undefined);
}

/**
 * Every question id there can be, with the numbers of repeated questions as `<n>` (`node<n>-mac`): what the
 * flags may name, and what the usage lists.
 */
export function questionTemplates(env: InitEnv): Question[] {
  const seen = new Map<string, Question>();
  const everyApp = Object.keys(catalogue).join(",");
  for (const machines of ["metal", "hetzner", "existing"])
    for (const dns of ["none", "cloudflare", "rfc2136"])
      for (const q of questionsFor(
        { machines, dns, apps: everyApp, nodes: "1", servers: "1", users: "1", backups: "1" },
        env,
      )) {
        const id = q.id.replace(/^(node|server|user|target)1-/, "$1<n>-");
        if (!seen.has(id)) seen.set(id, { ...q, id, prompt: q.prompt.replace(/ 1:/, " <n>:") });
      }
  return [...seen.values()];
}

/** Whether `--<name>` answers some question (`-file` for a secret's file). */
export function isQuestionFlag(name: string, env: InitEnv): boolean {
  const id = name.replace(/^(node|server|user|target)\d+-/, "$1<n>-");
  return questionTemplates(env).some(
    (q) => q.id === id || (q.kind === "secret" && `${q.id}-file` === id),
  );
}
