/**
 * A chart's values.schema.json applied to values, the way Helm refuses a release: used by `npm run
 * check:charts` on the program's whole values, and before any change on an operator's
 * `hearth:apps.settings.<app>.values` when the chart is in a local folder.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const JSON_TYPES: Record<string, (v: unknown) => boolean> = {
  object: isObject,
  array: Array.isArray,
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === "boolean",
  null: (v) => v === null,
};

/**
 * Validates values against a chart's values.schema.json: `type`, `enum`, `properties`,
 * `additionalProperties`, `patternProperties`, `items`, local `$ref`s and `allOf`/`anyOf`/`oneOf`.
 * `required` is left out: the chart's defaults fill what the release's values leave out.
 */
export function schemaProblems(schema: Doc, value: unknown, root: Doc = schema, at = ""): string[] {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return [];
  const where = at || "(values)";
  if (typeof schema.$ref === "string" && schema.$ref.startsWith("#")) {
    const target = schema.$ref
      .slice(1)
      .split("/")
      .filter(Boolean)
      .reduce((s: Doc, k: string) => s?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], root);
    return schemaProblems(target, value, root, at);
  }
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => JSON_TYPES[t]?.(value)))
      return [`${where} is ${JSON.stringify(value)}, the schema wants ${types.join(" or ")}`];
  }
  const out: string[] = [];
  if (
    Array.isArray(schema.enum) &&
    !schema.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))
  )
    out.push(`${where} is ${JSON.stringify(value)}, not one of ${JSON.stringify(schema.enum)}`);
  for (const sub of schema.allOf ?? []) out.push(...schemaProblems(sub, value, root, at));
  for (const key of ["anyOf", "oneOf"]) {
    const alternatives: Doc[] = schema[key] ?? [];
    if (
      alternatives.length &&
      !alternatives.some((s) => schemaProblems(s, value, root, at).length === 0)
    )
      out.push(`${where} matches none of the schema's ${key}`);
  }
  if (isObject(value)) {
    const props: Record<string, Doc> = schema.properties ?? {};
    const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, Doc>);
    for (const [k, v] of Object.entries(value)) {
      const path = at ? `${at}.${k}` : k;
      const matching = patterns.filter(([p]) => new RegExp(p, "u").test(k));
      if (k in props) out.push(...schemaProblems(props[k], v, root, path));
      for (const [, s] of matching) out.push(...schemaProblems(s, v, root, path));
      if (!(k in props) && matching.length === 0) {
        if (schema.additionalProperties === false)
          out.push(`${path} is not allowed by values.schema.json (additionalProperties: false)`);
        else if (isObject(schema.additionalProperties))
          out.push(...schemaProblems(schema.additionalProperties, v, root, path));
      }
    }
  }
  if (Array.isArray(value) && isObject(schema.items))
    value.forEach((v, i) => out.push(...schemaProblems(schema.items, v, root, `${at}[${i}]`)));
  return out;
}
