/**
 * How gitea-client.ts reaches Gitea: the API root and credentials header of a connection, and one call with
 * its retries (which answers mean Gitea never got the request, which calls are safe to repeat), over `fetch` or
 * `node:https` with a home CA. Like gitea-client.ts it imports nothing but gitea-errors.ts and types, because
 * the dynamic providers that use it are serialized by closure into the state.
 */
import type { GiteaConnection, GiteaRequestOptions, HttpMethod } from "./gitea-client";
import { giteaError, giteaMessageOf } from "./gitea-errors";

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
export interface RawResponse {
  status: number;
  body: unknown;
  text: string;
}

/** One call to the API, tried again as `options` allow; answers of any status are returned. */
export async function send(
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
