/**
 * The questions of `npm run init` about the apps: which ones, who signs in to them (when Authelia is among
 * them), and where alerts go (when a monitoring app is).
 */
import { catalogue } from "../../apps";
import { MONITORING_APPS } from "../../stacks/validate/observability";
import { Answers, countOf, listOf, Question } from "./answers";

/** The apps a newcomer starts with: the edge, sign-in, Git and a start page. */
export const DEFAULT_APPS = ["traefik", "cert-manager", "authelia", "gitea", "homepage"];

/** The apps, and each person who signs in when Authelia is among them. */
export function appQuestions(a: Answers): Question[] {
  const names = Object.keys(catalogue);
  const q: Question[] = [
    {
      id: "apps",
      prompt: "Apps",
      help: `any of ${names.join(", ")} (docs/catalogue.md)`,
      kind: "text",
      default: DEFAULT_APPS.join(","),
      paths: [],
      prefixes: ["hearth:apps"],
      owns: ["hearth:observability"],
    },
  ];
  const apps = listOf(a.apps);
  if (apps.includes("authelia")) {
    q.push({
      id: "users",
      prompt: "How many people sign in",
      help: "each gets a login and a generated first password; every app signs in through Authelia",
      kind: "text",
      default: "1",
      paths: [],
      owns: ["hearth:identity", "hearth:identity.users"],
      count: { min: 1, max: 100, what: "people" },
    });
    const n = countOf(a.users);
    for (let i = 1; i <= n; i++) {
      const at = `hearth:identity.users[${i - 1}]`;
      q.push(
        {
          id: `user${i}-name`,
          prompt: `Person ${i}: login`,
          help: "lowercase letters, digits, '.', '_' or '-'",
          kind: "text",
          paths: [`${at}.name`],
        },
        {
          id: `user${i}-email`,
          prompt: `Person ${i}: e-mail`,
          kind: "text",
          paths: [`${at}.email`],
        },
        {
          id: `user${i}-groups`,
          prompt: `Person ${i}: groups`,
          help: "admins administer every app",
          kind: "text",
          default: i === 1 ? "admins" : "family",
          paths: [],
          prefixes: [`${at}.groups`],
          owns: i === 1 ? ["hearth:identity.adminGroup", "hearth:identity.groups"] : [],
        },
      );
    }
  }
  return q;
}

/** Where alerts go, when a monitoring app is among the apps. */
export function alertQuestions(a: Answers): Question[] {
  if (!listOf(a.apps).some((app) => MONITORING_APPS.includes(app))) return [];
  return [
    {
      id: "alerts-webhook",
      prompt: "Where alerts go",
      help: "a webhook URL, e.g. https://ntfy.sh/<your topic>",
      kind: "text",
      paths: ["hearth:observability.notify.webhook.url", "hearth:observability.notify"],
      owns: ["hearth:observability"],
    },
    {
      id: "alerts-token",
      prompt: "Its bearer token",
      kind: "secret",
      paths: ["hearth:notifySecret"],
    },
  ];
}
