/**
 * Diffing for the Gitea dynamic providers. Like the client, it imports nothing: Pulumi serializes the providers
 * that call it by closure.
 */

/** The value Pulumi sends for an input not known yet (a preview before its dependency exists). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether a value is, or contains, an input Pulumi does not know yet. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN_VALUE) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object")
    return Object.values(value).some(containsUnknown);
  return false;
}

/** JSON with object keys sorted and undefined members dropped, so equal values print equal. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Which properties of a resource replace it when they change, and which are updated in place. */
export interface DiffRules {
  replaceOn: string[];
  updateOn: string[];
}

/** The answer of a dynamic provider's `diff` (the shape of `pulumi.dynamic.DiffResult`). */
export interface PropertyDiff {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/**
 * Compares old state with new inputs on the properties the rules name; everything else (the serialized
 * provider, computed outputs) is ignored, so a provider code change alone never touches Gitea. An unknown
 * value counts as a change: it may turn out different.
 */
export function diffProperties(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  rules: DiffRules,
): PropertyDiff {
  const changed = (key: string) =>
    containsUnknown(news[key]) || canonicalJson(olds[key]) !== canonicalJson(news[key]);
  const replaces = rules.replaceOn.filter(changed);
  const updates = rules.updateOn.filter(changed);
  return {
    changes: replaces.length + updates.length > 0,
    replaces,
    deleteBeforeReplace: false,
  };
}
