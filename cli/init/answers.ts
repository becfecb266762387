/**
 * What every section of `npm run init`'s questions shares: the answers so far, the machine the wizard runs on,
 * the shape of a question, and the readers of answers (a count, a list, the n-th host of the LAN, a machine's
 * default role).
 */
import { intToIpv4, ipv4ToInt, parseCidr } from "../../components/net";

/** Answers by question id. Secret answers are held here too, and never printed. */
export type Answers = Record<string, string>;

/** What the defaults may read of the machine the wizard runs on. */
export interface InitEnv {
  /** The user's home directory, for `~/`. */
  home: string;
  /** This machine's time zone, the default for the home's. */
  timezone: string;
  /** A file's text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** Whether the project already has a stack file of this name (then it is not replaced). @default never */
  stackExists?(stack: string): boolean;
}

/**
 * How an answer is read: `text`; `choice` among `choices`; `secret`, typed without echo (or, without a terminal,
 * from a file or the environment); `secret-file`, a path whose file's content is the secret (an SSH private
 * key, a kubeconfig).
 */
export type QuestionKind = "text" | "choice" | "secret" | "secret-file";

/** One question. */
export interface Question {
  /** Stable id: the key of its answer and, as `--<id>`, the flag that answers it. */
  id: string;
  /** What is asked, in a few words. */
  prompt: string;
  /** One line on what it is for, with an example. */
  help?: string;
  kind: QuestionKind;
  choices?: readonly string[];
  /** What Enter takes. @default none: an answer is needed */
  default?: string;
  /** Config key paths (as validation names them) whose problems are this answer's. */
  paths: string[];
  /** Key paths under which every problem is this answer's (lists: the apps, a user's groups). */
  prefixes?: string[];
  /**
   * Key paths of problems across answers (a quorum, a group nobody is in) that this question is asked again
   * for once everything is answered; not checked with the answer, when later answers may still settle them.
   */
  owns?: string[];
  /** A count of things asked about next (machines, users, targets): checked here, not by the schema. */
  count?: { min: number; max: number; what: string };
}

/** The `n`th host of a network (`192.168.1.0/24`, 2 -> `192.168.1.2`), or undefined when it is not one. */
export function hostIn(cidr: string | undefined, n: number): string | undefined {
  try {
    return cidr === undefined ? undefined : intToIpv4(ipv4ToInt(parseCidr(cidr).address) + n);
  } catch {
    return undefined;
  }
}

/** A count answer as a number, 0 when it is not one (it is checked before it is kept). */
export function countOf(answer: string | undefined): number {
  return answer !== undefined && /^\d{1,3}$/.test(answer.trim()) ? Number(answer) : 0;
}

/** A list answer (apps, groups): words split by commas or spaces. */
export function listOf(answer: string | undefined): string[] {
  return (answer ?? "").split(/[\s,]+/).filter((w) => w !== "");
}

/** The default role of machine `i` (1-based) of `n`: 1 server up to 2 machines, then 3 (etcd's quorum). */
export function defaultRole(i: number, n: number): "server" | "agent" {
  return i <= (n >= 3 ? 3 : 1) ? "server" : "agent";
}
