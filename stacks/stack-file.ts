/**
 * Reads a Pulumi stack file (`Pulumi.<stack>.yaml`) the way the engine hands its config to a program: top-level
 * keys, objects as JSON text, and the set of keys holding a `secure:` value anywhere inside. Used by tests,
 * the benchmark and the docs checks; the program itself reads config through Pulumi.
 */
import { parse } from "yaml";

/** Config of one stack as the program sees it. */
export interface StackConfig {
  /** Full key (`hearth:domain`) -> raw string. */
  values: Record<string, string>;
  /** Full keys that are secrets. */
  secretKeys: string[];
}

/** Parses stack-file text; `secure:` values keep their (encrypted) text, which is all a program may rely on. */
export function readStackFile(text: string): StackConfig {
  const doc = (parse(text) ?? {}) as { config?: Record<string, unknown> };
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const found = { secret: false };
    const plain = unwrapSecure(value, found);
    values[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
    if (found.secret) secretKeys.push(key);
  }
  return { values, secretKeys };
}

function unwrapSecure(v: unknown, found: { secret: boolean }): unknown {
  if (Array.isArray(v)) return v.map((x) => unwrapSecure(x, found));
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.secure === "string") {
      found.secret = true;
      return o.secure;
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecure(x, found)]));
  }
  return v;
}

/** The `hearth:` part of a stack's config, keys without the namespace, as `validateConfig` takes it. */
export function hearthKeys(config: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config))
    if (k.startsWith("hearth:")) out[k.slice("hearth:".length)] = v;
  return out;
}
