/**
 * Whether a value is a plain object (not an array, not null): the only kind `mergeValues` descends
 * into.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Deep-merges Helm values: objects merge key by key, while arrays and scalars in `override` replace
 * what `base` had, as `helm --values` layering does (merging arrays by index would corrupt lists of
 * containers). Neither input is modified.
 */
export function mergeValues(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] =
      isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
  }
  return merged;
}
