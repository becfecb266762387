/**
 * A small typed client for Gitea's REST API (`/api/v1`). The Gitea dynamic providers call it, and Pulumi
 * serializes those providers by closure into the state, then runs them in a process of their own. So this file
 * imports nothing, Pulumi least of all: it relies only on Node 20 globals (`fetch`, `Buffer`, `crypto.subtle`,
 * `AbortSignal`, `process.getBuiltinModule` for `node:https` when a CA is given), and errors are plain `Error`s
 * with fields attached (no subclasses to carry across, gitea-errors.ts). The API's object shapes are in
 * gitea-api.ts.
 */
import {
  describeFailure,
  GiteaError,
  giteaError,
  giteaMessageOf,
  isGiteaError,
} from "./gitea-errors";

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

/** The API root for a Gitea base URL: trailing slashes dropped, `/api/v1` appended. */
export function apiRoot(url: string): string {
  if (typeof url !== "string" || !/^https?:\/\/[^\s/]+/.test(url)) {
    throw new Error(
      `Gitea endpoint URL ${JSON.stringify(url)} is not an http(s) URL; set it to Gitea's base URL, ` +
        "e.g. https://git.home.example.org",
    );
  }
  return `${url.replace(/\/+$/, "")}/api/v1`;
}

/** The `Authorization` header for a connection: `token X` when there is a token, else basic auth. */
export function authorizationHeader(conn: GiteaConnection): string {
  if (conn.token) return `token ${conn.token}`;
  if (conn.username && conn.password) {
    return `Basic ${Buffer.from(`${conn.username}:${conn.password}`, "utf8").toString("base64")}`;
  }
  throw new Error(
    `No credentials for Gitea at ${conn.url}: set hearth:giteaToken (an API token of an admin user), ` +
      "or the admin username and password.",
  );
}

/** A path segment (owner, repository, file path part) escaped for a URL. */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment);
}

/** A repository file path escaped for a URL, keeping its `/` separators. */
export function encodeFilePath(path: string): string {
  return path.split("/").map(encodeSegment).join("/");
}

/**
 * The innermost reason of a failed fetch: `fetch failed` says nothing, its cause says `connect ECONNREFUSED`.
 * Duck-typed, since errors from Node's own realm fail `instanceof Error` in some hosts (jest).
 */
export function causeOf(e: unknown): string {
  let current = e as { message?: unknown; cause?: unknown; errors?: unknown } | undefined;
  let reason = String(e);
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.message === "string" && current.message !== "") reason = current.message;
    const inner =
      Array.isArray(current.errors) && !current.cause ? current.errors[0] : current.cause;
    current = inner as typeof current;
  }
  return reason;
}

/** The longest wait between two tries. */
const MAX_RETRY_DELAY_MS = 15_000;

/**
 * Answers that mean the request never reached Gitea: Cloudflare's 530 (the tunnel has no connector up), 521 and
 * 523 (the origin refused or was unreachable). Any method may be tried again after them.
 */
const NEVER_DELIVERED = [521, 523, 530];

/** Gateway answers after which an idempotent call is tried again: the above, and 502-504, 520, 522, 524. */
const GATEWAY_ERRORS = [...NEVER_DELIVERED, 502, 503, 504, 520, 522, 524];

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The response of one call: status and parsed JSON body (undefined when empty). */
interface RawResponse {
  status: number;
  body: unknown;
  text: string;
}

async function send(
  conn: GiteaConnection,
  method: HttpMethod,
  path: string,
  options: GiteaRequestOptions,
): Promise<RawResponse> {
  const base = apiRoot(conn.url);
  const endpoint = `${method} /api/v1${path}`;
  const headers: Record<string, string> = {
    accept: "application/json",
    authorization: authorizationHeader(conn),
  };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const attempts = Math.max(1, options.attempts ?? 10);
  const delay = options.retryDelayMs ?? 1000;
  const wait = (attempt: number) => pause(Math.min(delay * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS));
  // Only calls that are safe to repeat are retried after a gateway answered: a POST that met a 502 may have
  // landed. One that met "origin unreachable" never reached Gitea, so it is retried too.
  const retried = method === "POST" ? NEVER_DELIVERED : GATEWAY_ERRORS;
  for (let attempt = 1; ; attempt++) {
    let response: { status: number; ok: boolean; text: string };
    try {
      response = await httpCall(conn, `${base}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        timeoutMs: options.timeoutMs ?? 30000,
      });
    } catch (e) {
      if (attempt < attempts) {
        await wait(attempt);
        continue;
      }
      const cause = causeOf(e);
      throw giteaError(
        `Could not reach Gitea at ${base} for ${endpoint} after ${attempts} tries: ${cause}. ` +
          "Check that Gitea is running and that the endpoint URL is right.",
        0,
        endpoint,
        cause,
      );
    }
    const text = response.text;
    if (retried.includes(response.status) && attempt < attempts) {
      await wait(attempt);
      continue;
    }
    let body: unknown = undefined;
    if (text.trim() !== "" && response.ok) {
      try {
        body = JSON.parse(text);
      } catch {
        throw giteaError(
          `Gitea ${endpoint} at ${base} answered HTTP ${response.status} with a body that is not JSON ` +
            `(${giteaMessageOf(text)}). Is the endpoint URL Gitea's base URL, not a page in front of it?`,
          response.status,
          endpoint,
          giteaMessageOf(text),
        );
      }
    }
    return { status: response.status, body, text };
  }
}

/**
 * One HTTP exchange: Node's `fetch` (following redirects), or `node:https` with the connection's CA when it has
 * one (redirects are then not followed: Gitea's API answers in place).
 */
async function httpCall(
  conn: GiteaConnection,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<{ status: number; ok: boolean; text: string }> {
  if (!conn.ca || !url.startsWith("https:")) {
    const r = await fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(init.timeoutMs),
      redirect: "follow",
    });
    return { status: r.status, ok: r.ok, text: await r.text() };
  }
  const https = process.getBuiltinModule("node:https") as typeof import("node:https");
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: init.method, headers: init.headers, ca: conn.ca, timeout: init.timeoutMs },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          resolve({ status, ok: status >= 200 && status < 300, text });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${init.timeoutMs} ms`)));
    req.on("error", reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
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
