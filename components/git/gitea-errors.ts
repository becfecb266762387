/**
 * Gitea's failed answers, for the operator and for callers that branch on them: `GiteaError` is a plain
 * `Error` with fields attached, and this file imports nothing, as gitea-client.ts, because the dynamic providers
 * that use it are serialized by closure into the state.
 */

/** An error answer from Gitea. The message is for the operator; the fields are for callers that branch. */
export interface GiteaError extends Error {
  /** HTTP status, or 0 when Gitea could not be reached at all. */
  status: number;
  /** `METHOD /api/v1/...` that failed. */
  endpoint: string;
  /** Gitea's own message (its JSON `message`), or the start of a non-JSON body. */
  giteaMessage: string;
}

/** Whether `e` is a `GiteaError`, optionally with this HTTP status. */
export function isGiteaError(e: unknown, status?: number): e is GiteaError {
  const candidate = e as Partial<GiteaError> | undefined;
  return (
    typeof candidate?.message === "string" &&
    typeof candidate.status === "number" &&
    typeof candidate.endpoint === "string" &&
    (status === undefined || candidate.status === status)
  );
}

/** Gitea's message out of an error body: `{message, errors}` JSON, a binding-error array, or raw text. */
export function giteaMessageOf(body: string): string {
  const text = body.trim();
  if (text === "") return "(empty response)";
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) {
      const parts = parsed
        .map((item: { fieldNames?: string[]; message?: string }) =>
          [item.fieldNames?.join(", "), item.message].filter(Boolean).join(": "),
        )
        .filter((part) => part !== "");
      if (parts.length > 0) return parts.join("; ");
    } else if (parsed !== null && typeof parsed === "object") {
      const { message, errors } = parsed as { message?: unknown; errors?: unknown };
      const details = Array.isArray(errors) ? errors.filter((x) => typeof x === "string") : [];
      const head = typeof message === "string" && message !== "" ? message : "";
      const all = [head, ...details.filter((d) => d !== head)].filter((x) => x !== "");
      if (all.length > 0) return all.join("; ");
    }
  } catch {
    // Not JSON: a proxy's HTML page or plain text; its start is still the best clue.
  }
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/** What the operator should do about a failed call, by HTTP status. */
export function hintForStatus(status: number): string {
  if (status === 401) {
    return (
      "Gitea did not accept the credentials: check hearth:giteaToken (an API token of an admin user), " +
      "or the admin username and password."
    );
  }
  if (status === 403) {
    return (
      "The credentials work but may not do this: give the token the scopes write:organization, " +
      "write:repository and write:user, and use a user that may create organizations."
    );
  }
  if (status === 404) {
    return "Gitea does not know this object, or hides it from this user: check names and permissions.";
  }
  if (status === 409 || status === 422) {
    return "Gitea refused the change: it conflicts with what exists there, or a value is invalid.";
  }
  if (status >= 500) return "Gitea failed internally: see Gitea's log for the cause.";
  return "See Gitea's message above.";
}

/** The operator-facing text of a failed call. */
export function describeFailure(
  status: number,
  endpoint: string,
  base: string,
  giteaMessage: string,
): string {
  return `Gitea ${endpoint} at ${base} failed with HTTP ${status}: ${giteaMessage}. ${hintForStatus(status)}`;
}

/** A `GiteaError`: a plain `Error` with the fields attached (nothing to carry across processes). */
export function giteaError(
  message: string,
  status: number,
  endpoint: string,
  giteaMessage: string,
): GiteaError {
  return Object.assign(new Error(message), { status, endpoint, giteaMessage });
}
