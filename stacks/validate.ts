/**
 * Turns raw Pulumi config (strings, YAML objects as JSON) into a typed `HearthConfig`, or into every problem
 * at once, each naming its key path and what to do. Pure: no Pulumi
 * imports, so fixtures test it directly.
 */
import { z } from "zod";
import { HearthConfig, KeyName, keys } from "./schema";
import { CatalogueEntry, closest, History, LenientConfig, NS, Problem } from "./validate/context";
import { parseLeniently } from "./validate/lenient";
import { crossFieldProblems } from "./validate/rules";

export type { CatalogueEntry, History, Problem } from "./validate/context";
export { identityProviderOf } from "./validate/context";
export { crossFieldProblems } from "./validate/rules";

/** Result of `validateConfig`. */
export type Validation = { ok: true; config: HearthConfig } | { ok: false; problems: Problem[] };

/** Thrown before any resource registers when the configuration is not usable. */
export class ConfigError extends Error {
  constructor(readonly problems: Problem[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
  }
}

/** The operator-facing text for a list of problems. */
export function formatProblems(problems: Problem[]): string {
  const n = problems.length;
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}`);
  return [
    `Hearth config has ${n} problem${n === 1 ? "" : "s"}; nothing was changed:`,
    ...lines,
  ].join("\n");
}

/** Validates raw `hearth:*` values (key without namespace -> raw string) against the schema and the rules. */
export function validateConfig(
  raw: Record<string, string>,
  secretKeys: ReadonlySet<string>,
  catalogue: Record<string, CatalogueEntry>,
  history: History = {},
): Validation {
  const problems: Problem[] = [];
  const parsed: Partial<Record<KeyName, unknown>> = {};
  // What parsed of every key, whole or in part, for the rules across fields; and the key paths (without
  // the namespace) that failed their own check, which the rules neither call missing nor reason from.
  const lenient: Record<string, unknown> = {};
  const failedPaths: string[] = [];
  const known = Object.keys(keys) as KeyName[];

  for (const name of Object.keys(raw)) {
    if (!(known as string[]).includes(name)) {
      const guess = closest(name, known);
      problems.push({
        path: `${NS}:${name}`,
        message: `unknown key${guess ? `; did you mean ${NS}:${guess}?` : ""} (see docs/configuration.md)`,
      });
    }
  }

  for (const name of known) {
    const spec = keys[name];
    const text = raw[name];
    if (text !== undefined && spec.secret && !secretKeys.has(`${NS}:${name}`)) {
      problems.push({
        path: `${NS}:${name}`,
        message: `is stored in plain text but must be a secret; run: pulumi config set --secret ${NS}:${name} <value>`,
      });
      failedPaths.push(name);
      continue;
    }
    let value: unknown = text;
    if (text !== undefined && spec.kind === "object") {
      try {
        value = JSON.parse(text);
      } catch {
        problems.push({
          path: `${NS}:${name}`,
          message: "must be a YAML object or list in the stack file, not a plain string",
        });
        failedPaths.push(name);
        continue;
      }
    }
    const schema = spec.schema as z.ZodType;
    const result = schema.safeParse(value, { error: describeIssue });
    if (result.success) parsed[name] = result.data;
    else {
      for (const issue of result.error.issues) {
        const problem = toProblem(name, issue);
        problems.push(problem);
        failedPaths.push(problem.path.slice(`${NS}:`.length));
      }
    }
    lenient[name] = parseLeniently(schema, value);
  }

  problems.push(...crossFieldProblems(lenient as LenientConfig, catalogue, failedPaths, history));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: parsed as HearthConfig };
}

function toProblem(key: string, issue: z.core.$ZodIssue): Problem {
  let path = `${NS}:${key}`;
  for (const s of issue.path) path += typeof s === "number" ? `[${s}]` : `.${String(s)}`;
  if (issue.code === "unrecognized_keys") {
    const fields = issue.keys.map((k) => JSON.stringify(k)).join(", ");
    return { path, message: `unknown field ${fields} (see docs/configuration.md for the fields)` };
  }
  return { path, message: issue.message };
}

/** Messages for zod's generic issues; checks with their own message keep it. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `expected ${issue.expected}, got ${kindOf(issue.input)}`;
    case "invalid_value":
      if (issue.input === undefined)
        return `is required: one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}; got ${JSON.stringify(issue.input)}`;
    case "too_small":
      if (issue.origin === "array")
        return `needs at least ${issue.minimum} entr${issue.minimum === 1 ? "y" : "ies"}`;
      if (issue.origin === "string") return "must not be empty";
      return `must be at least ${issue.minimum}`;
    case "too_big":
      return `must be at most ${issue.maximum}`;
    case "invalid_format":
      if (issue.format === "url")
        return `${JSON.stringify(issue.input)} is not a URL such as https://host/path`;
      if (issue.format === "starts_with")
        return `must start with "${(issue as { prefix?: string }).prefix}"`;
      return undefined;
    default:
      return undefined;
  }
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}
