/**
 * What of a config value parses, for the rules across fields: a value that fails its own check is reported
 * by the schema, and the rules still see every field and list element of it that parses on its own. The
 * type makes every field optional and every list element possibly missing, so a rule cannot reach into
 * what did not parse without checking.
 */
import { z } from "zod";

/** A parsed value where any field, list element or record entry may be missing because it failed. */
export type Lenient<T> = T extends readonly (infer E)[]
  ? (Lenient<E> | undefined)[]
  : T extends object
    ? { [K in keyof T]?: Lenient<T[K]> }
    : T;

// Objects and lists that parsed whole (with everything inside them), as opposed to partial ones.
const wholes = new WeakSet<object>();

function markWhole(value: unknown): void {
  if (typeof value !== "object" || value === null || wholes.has(value)) return;
  wholes.add(value);
  for (const inner of Object.values(value)) markWhole(inner);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses `value` with `schema`; where it fails, keeps what parses: each field of an object, each element of a
 * list and each entry of a record on its own (at its own index), recursively. Anything else that fails is
 * left out (undefined).
 */
export function parseLeniently(schema: z.ZodType, value: unknown): unknown {
  const result = schema.safeParse(value);
  if (result.success) {
    markWhole(result.data);
    return result.data;
  }
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional)
    return value === undefined
      ? undefined
      : parseLeniently(schema.def.innerType as z.ZodType, value);
  if (schema instanceof z.ZodObject && isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const parsed = parseLeniently(field, value[key]);
      if (parsed !== undefined) out[key] = parsed;
    }
    return out;
  }
  if (schema instanceof z.ZodArray && Array.isArray(value))
    return value.map((item) => parseLeniently(schema.element as z.ZodType, item));
  if (schema instanceof z.ZodRecord && isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      const parsed = parseLeniently(schema.def.valueType as z.ZodType, entry);
      if (parsed !== undefined) out[key] = parsed;
    }
    return out;
  }
  return undefined;
}

/**
 * The value itself when it parsed whole (a node with every field valid, say), else undefined: for rules that
 * hand a complete value to a component's own check.
 */
export function whole<T extends object>(value: Lenient<T> | undefined): T | undefined {
  return value !== undefined && wholes.has(value as object) ? (value as T) : undefined;
}
