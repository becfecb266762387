/**
 * Just enough of a Kubernetes API client for Hearth's provider plugin: it reads an admin kubeconfig (embedded CA,
 * client certificate and key, or a bearer token, as k3s and the sandbox write them) and sends JSON requests over
 * `node:https`. Used to drain and remove a node that left the config, and to delete a retired app's data.
 */
import { request as httpsRequest } from "node:https";
import { parse } from "yaml";

/** How to reach one API server, from a kubeconfig. */
export interface KubeAccess {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecure: boolean;
}

interface Named<T> {
  name: string;
  [k: string]: unknown;
  value?: T;
}

function b64(data: unknown): Buffer | undefined {
  return typeof data === "string" ? Buffer.from(data, "base64") : undefined;
}

/** The server and credentials of a kubeconfig's current (or given) context. Files outside it are refused. */
export function kubeAccessOf(kubeconfig: string, contextName?: string): KubeAccess {
  const doc = parse(kubeconfig) as Record<string, unknown>;
  const list = <T>(key: string, inner: string) =>
    ((doc[key] as Named<T>[] | undefined) ?? []).map((e) => ({
      name: e.name,
      value: e[inner] as T,
    }));
  const wanted = contextName ?? (doc["current-context"] as string | undefined);
  const contexts = list<{ cluster: string; user: string }>("contexts", "context");
  const context = (wanted ? contexts.find((c) => c.name === wanted) : contexts[0])?.value;
  const clusters = list<Record<string, unknown>>("clusters", "cluster");
  const users = list<Record<string, unknown>>("users", "user");
  const cluster = (context ? clusters.find((c) => c.name === context.cluster) : clusters[0])?.value;
  const user = (context ? users.find((u) => u.name === context.user) : users[0])?.value ?? {};
  if (!cluster || typeof cluster.server !== "string")
    throw new Error("the kubeconfig names no cluster server for its context");
  for (const [k, v] of Object.entries({ ...cluster, ...user }))
    if (/-(authority|certificate|key)$/.test(k) && typeof v === "string")
      throw new Error(`the kubeconfig refers to a file (${k}); embed it (${k}-data)`);
  return {
    server: cluster.server.replace(/\/$/, ""),
    ca: b64(cluster["certificate-authority-data"]),
    cert: b64(user["client-certificate-data"]),
    key: b64(user["client-key-data"]),
    token: typeof user.token === "string" ? user.token : undefined,
    insecure: cluster["insecure-skip-tls-verify"] === true,
  };
}

/** An API answer: its status and JSON body (undefined when empty or not JSON). */
export interface KubeAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/** One API request with the kubeconfig's credentials; never throws on an HTTP status, only on transport. */
export function kubeRequest(
  access: KubeAccess,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<KubeAnswer> {
  const url = new URL(access.server + path);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        ca: access.ca,
        cert: access.cert,
        key: access.key,
        rejectUnauthorized: !access.insecure,
        headers: {
          Accept: "application/json",
          ...(access.token ? { Authorization: `Bearer ${access.token}` } : {}),
          ...(payload !== undefined
            ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(payload) }
            : {}),
        },
        timeout: 30_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          let parsed: Record<string, unknown> | undefined;
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url.pathname}: no answer in 30 s`)));
    req.on("error", (e) => reject(new Error(`${method} ${url.host}${url.pathname}: ${e.message}`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The API's own message of a failed answer. */
export function kubeMessage(a: KubeAnswer): string {
  return `${a.status}${typeof a.body?.message === "string" ? `: ${a.body.message}` : ""}`;
}

/** Waits until `done` answers true, polling every `everyMs`; false when `timeoutMs` passed first. */
export async function waitUntil(
  done: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 1000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
