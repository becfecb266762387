/**
 * TypeScript types from the stand-in charts' `values.schema.json` (charts/README.md), so that `tsc` checks the
 * values a recipe sets against what its chart takes. Each recipe whose chart folder has a schema gets
 * `apps/<app>/values.schema.ts`, written by `npm run docs` and checked by `npm run docs:check` (and so by
 * `npm test`), and its values function returns that type.
 *
 * The schemas use a small part of JSON Schema, and this reads only that part: `type`, `properties`, `required`,
 * `items`, `enum` and `additionalProperties` become the type; `title` and `description` its doc comments. Keywords
 * that only narrow what a type already allows (`not`, `pattern`, `minimum`, ...) are left to the render, which
 * validates against the whole schema (`npm run check:charts`, test/local-charts.test.ts); anything else is
 * refused by name, so a schema never gets a type quietly wider or narrower than it says.
 */
import { existsSync, readFileSync } from "fs";
import { join, relative } from "path";
import { localChartDir } from "../../components/app/chart-source";
import type { AppMetadata } from "../../apps/recipe";

/** The part of JSON Schema the stand-ins' values schemas use. */
export interface ValuesSchema {
  type?: string | string[];
  properties?: Record<string, ValuesSchema>;
  required?: string[];
  items?: ValuesSchema;
  enum?: unknown[];
  additionalProperties?: boolean | ValuesSchema;
  title?: string;
  description?: string;
  /** What else a schema says: keywords that only narrow the type (`not`, `pattern`, ...), or ones refused. */
  [keyword: string]: unknown;
}

/** Keywords that become (part of) the type. */
const TYPED = new Set([
  "type",
  "properties",
  "required",
  "items",
  "enum",
  "additionalProperties",
  "title",
  "description",
]);

/** Keywords that narrow what the type allows, or annotate; the type is what remains without them. */
const NARROWING = new Set([
  "$schema",
  "$comment",
  "not",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "default",
  "examples",
]);

const SCALARS: Record<string, string> = {
  string: "string",
  number: "number",
  integer: "number",
  boolean: "boolean",
  null: "null",
};

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const WIDTH = 100;

/** A property name as a type literal takes it: bare when it is an identifier, else quoted. */
function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** A doc comment of `text` at `indent`, on one line when it fits, else wrapped at the line width. */
export function docComment(text: string, indent: string): string[] {
  const flat = text.replace(/\s+/g, " ").trim().replace(/\*\//g, "*\\/");
  if (indent.length + flat.length + 7 <= WIDTH) return [`${indent}/** ${flat} */`];
  const lines: string[] = [];
  let line = "";
  for (const word of flat.split(" ")) {
    if (line && indent.length + 3 + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`];
}

function docOf(schema: ValuesSchema): string | undefined {
  const parts = [schema.title, schema.description].filter((p): p is string => !!p);
  return parts.length > 0 ? parts.map((p) => p.replace(/\.?$/, ".")).join(" ") : undefined;
}

function assertSupported(schema: ValuesSchema, at: string): void {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema))
    throw new Error(`${at}: a schema must be an object, got ${JSON.stringify(schema)}`);
  for (const key of Object.keys(schema))
    if (!TYPED.has(key) && !NARROWING.has(key))
      throw new Error(
        `${at}: "${key}" is not a keyword the type generator reads (cli/charts/schema-types.ts reads ` +
          `${[...TYPED].join(", ")}); teach it "${key}" or leave it out of the schema`,
      );
}

/** The TypeScript type of one schema node, written at `indent` (its closing brace's indentation). */
export function typeOf(schema: ValuesSchema, at = "(values)", indent = ""): string {
  assertSupported(schema, at);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (types.length === 0) return schema.properties ? objectType(schema, at, indent) : "unknown";
  return types
    .map((t) => {
      if (t === "object") return objectType(schema, at, indent);
      if (t === "array") {
        const item = schema.items ? typeOf(schema.items, `${at}[]`, indent) : "unknown";
        return /^[\w<>, ]+$/.test(item) || item.endsWith("}") ? `${item}[]` : `(${item})[]`;
      }
      if (SCALARS[t]) return SCALARS[t];
      throw new Error(`${at}: type "${t}" is not a JSON Schema type`);
    })
    .join(" | ");
}

function objectType(schema: ValuesSchema, at: string, indent: string): string {
  const extra = schema.additionalProperties;
  const extraType =
    extra === false
      ? undefined
      : extra === true || extra === undefined
        ? "unknown"
        : typeOf(extra, `${at}.*`, indent);
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return `Record<string, ${extraType ?? "never"}>`;
  const inner = `${indent}  `;
  const required = new Set(schema.required ?? []);
  const lines = ["{"];
  for (const [name, property] of properties) {
    const path = at === "(values)" ? name : `${at}.${name}`;
    const doc = docOf(property);
    if (doc) lines.push(...docComment(doc, inner));
    const optional = required.has(name) ? "" : "?";
    lines.push(`${inner}${propertyKey(name)}${optional}: ${typeOf(property, path, inner)};`);
  }
  // Typed extra properties beside named ones would need an index type every named one fits: `unknown` is it.
  if (extraType !== undefined) lines.push(`${inner}[key: string]: unknown;`);
  lines.push(`${indent}}`);
  return lines.join("\n");
}

/** The type's name for a chart: `argo-cd` gives `ArgoCdChartValues`. */
export function typeNameOf(chart: string): string {
  const pascal = chart
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
  return `${pascal}ChartValues`;
}

/** The generated file for one chart's schema: a header naming its source, and the exported type. */
export function valuesTypeFile(schema: ValuesSchema, chart: string, source: string): string {
  const name = typeNameOf(chart);
  const doc = docOf(schema);
  return [
    `// Generated by \`npm run docs\` (cli/charts/schema-types.ts) from ${source}:`,
    "// edit the schema, not this file; `npm run docs:check` fails when the two differ.",
    "",
    ...docComment(
      `The values the stand-in chart \`${chart}\` takes (${source}).${doc ? ` ${doc}` : ""}`,
      "",
    ),
    `export type ${name} = ${typeOf(schema)};`,
    "",
  ].join("\n");
}

/**
 * The generated type file of every recipe whose chart has a `values.schema.json` in `chartsDir` (the chart's
 * folder as `hearth:charts.localDir` finds it), by path from `root`: `apps/<app>/values.schema.ts`.
 */
export function valuesTypeFiles(
  root: string,
  metas: AppMetadata[],
  chartsDir = join(root, "charts"),
): [string, string][] {
  return metas.flatMap((meta): [string, string][] => {
    const file = join(localChartDir(chartsDir, meta.chart), "values.schema.json");
    if (!existsSync(file)) return [];
    const source = relative(root, file);
    let schema: ValuesSchema;
    try {
      schema = JSON.parse(readFileSync(file, "utf8")) as ValuesSchema;
    } catch (e) {
      throw new Error(`${source}: not JSON (${(e as Error).message})`);
    }
    try {
      return [
        [`apps/${meta.name}/values.schema.ts`, valuesTypeFile(schema, meta.chart.name, source)],
      ];
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`);
    }
  });
}
