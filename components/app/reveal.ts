import { isSecretValue } from "../../test/mocks";

/**
 * A recorded input with every secret wrapper removed, for asserting on plain values in mock tests:
 * the harness keeps a secret property wrapped (`{ <sig>, value }`) so `isSecretInput` can see it.
 */
export function reveal(value: unknown): unknown {
  if (isSecretValue(value)) return reveal((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}
