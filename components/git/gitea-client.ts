/**
 * A small typed client for Gitea's REST API (`/api/v1`). The Gitea dynamic providers call it, and Pulumi
 * serializes those providers by closure into the state, then runs them in a process of their own. So this file
 * imports nothing, Pulumi least of all: it relies only on Node 20 globals (`fetch`, `Buffer`, `crypto.subtle`,
 * `AbortSignal`, `process.getBuiltinModule` for `node:https` when a CA is given), and errors are plain `Error`s
 * with fields attached (no subclasses to carry across, gitea-errors.ts). The API's object shapes are in
 * gitea-api.ts; the call itself, with its retries, is in gitea-http.ts.
 */
import {
  describeFailure,
  GiteaError,
  giteaError,
  giteaMessageOf,
  isGiteaError,
} from "./gitea-errors";
import { RawResponse, send } from "./gitea-http";

/** Where Gitea is and how to authenticate, every input resolved: what a dynamic provider receives. */
export interface GiteaConnection {
  /** Base URL, e.g. `https://git.home.example.org`; the API is under `/api/v1`. */
  url: string;
  /** An API token; preferred over basic auth when both are given. */
  token?: string;
  username?: string;
  password?: string;
  /**
   * PEM certificates to trust for `https://` besides the system's (a home CA). Node's `fetch` cannot take one per
   * request, so such calls go through `node:https` with this `ca`. @default the system's trust store
   */
  ca?: string;
}

/** HTTP methods the Gitea API uses. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Tuning for one request; the defaults suit a real Gitea, tests shorten them. */
export interface GiteaRequestOptions {
  /** JSON request body. @default no body */
  body?: unknown;
  /**
   * Tries for a request Gitea never received (no connection, or the tunnel's 530/521/523: its connector could
   * not reach the origin), or an idempotent one that met a gateway error (502, 503, 504, 520-524).
   * @default 10: with the delays below, about 90 s of retries, enough for Gitea's pod or the tunnel to come back
   */
  attempts?: number;
  /** Wait before the first retry, doubled for each further one up to 15 s (milliseconds). @default 1000 */
  retryDelayMs?: number;
  /** Time one try may take before it is abandoned (milliseconds). @default 30000 */
  timeoutMs?: number;
}

/** A path segment (owner, repository, file path part) escaped for a URL. */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment);
}

/** A repository file path escaped for a URL, keeping its `/` separators. */
export function encodeFilePath(path: string): string {
  return path.split("/").map(encodeSegment).join("/");
}

function failure(
  conn: GiteaConnection,
  method: HttpMethod,
  path: string,
  raw: RawResponse,
): GiteaError {
  const endpoint = `${method} /api/v1${path}`;
  const message = giteaMessageOf(raw.text);
  return giteaError(
    describeFailure(raw.status, endpoint, conn.url, message),
    raw.status,
    endpoint,
    message,
  );
}

/** Calls the API and returns the JSON answer; any non-2xx answer throws a `GiteaError`. */
export async function giteaRequest<T>(
  conn: GiteaConnection,
  method: HttpMethod,
  path: string,
  options: GiteaRequestOptions = {},
): Promise<T> {
  const raw = await send(conn, method, path, options);
  if (raw.status < 200 || raw.status >= 300) throw failure(conn, method, path, raw);
  return raw.body as T;
}

/** GETs an object; `undefined` when Gitea answers 404 (deleted out of band), other errors throw. */
export async function giteaFind<T>(
  conn: GiteaConnection,
  path: string,
  options: GiteaRequestOptions = {},
): Promise<T | undefined> {
  const raw = await send(conn, "GET", path, options);
  if (raw.status === 404) return undefined;
  if (raw.status < 200 || raw.status >= 300) throw failure(conn, "GET", path, raw);
  return raw.body as T;
}

/** DELETEs an object: `true` when deleted, `false` when it was already gone (404). */
export async function giteaDelete(
  conn: GiteaConnection,
  path: string,
  options: GiteaRequestOptions = {},
): Promise<boolean> {
  const raw = await send(conn, "DELETE", path, options);
  if (raw.status === 404) return false;
  if (raw.status < 200 || raw.status >= 300) throw failure(conn, "DELETE", path, raw);
  return true;
}

/** A failed call re-raised with what the caller was doing first, keeping status and Gitea's message. */
export function withContext(e: unknown, doing: string): Error {
  if (isGiteaError(e))
    return giteaError(`${doing}: ${e.message}`, e.status, e.endpoint, e.giteaMessage);
  const message = (e as { message?: unknown } | undefined)?.message;
  return new Error(`${doing}: ${typeof message === "string" ? message : String(e)}`);
}

/**
 * The git blob id of a text file, as `git hash-object` computes it and as Gitea reports it in `sha`:
 * the hash of `blob <byte length>\0<bytes>`. SHA-1 repositories use 40 hex digits, SHA-256 ones 64.
 */
export async function gitBlobSha(
  content: string,
  objectFormat: "sha1" | "sha256" = "sha1",
): Promise<string> {
  const bytes = Buffer.from(content, "utf8");
  const blob = Buffer.concat([Buffer.from(`blob ${bytes.length}\0`, "utf8"), bytes]);
  const digest = await crypto.subtle.digest(objectFormat === "sha1" ? "SHA-1" : "SHA-256", blob);
  return Buffer.from(digest).toString("hex");
}

/** The object format a Gitea blob id is in, by its length. */
export function objectFormatOf(sha: string): "sha1" | "sha256" {
  return sha.length === 64 ? "sha256" : "sha1";
}
