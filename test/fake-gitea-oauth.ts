/**
 * The fake Gitea's OAuth2 application routes (routers/api/v1/user/app.go): create, list, read, edit (a new
 * secret each time) and delete. The server and its state are in fake-gitea.ts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { FakeApp, FakeGitea, Reply } from "./fake-gitea";

/** POST /user/applications/oauth2. */
export function createApp(g: FakeGitea, body: Record<string, never>): Reply {
  if (!body["name"]) return g.error(422, "[Name]: Required");
  const app: FakeApp = {
    id: g.nextId++,
    name: body["name"],
    clientId: randomUUID(),
    clientSecret: `gto_${randomBytes(24).toString("hex")}`,
    redirectUris: body["redirect_uris"] ?? [],
    confidentialClient: body["confidential_client"] ?? false,
  };
  g.apps.set(app.id, app);
  return [201, appJson(app, true)];
}

/** Like Gitea 1.26 (seen against the sandbox's): pages of `limit`, secrets blank. */
export function listApps(g: FakeGitea, query: URLSearchParams): Reply {
  const limit = Number(query.get("limit") ?? 30);
  const page = Number(query.get("page") ?? 1);
  const all = [...g.apps.values()].map((a) => appJson(a, false));
  return [200, all.slice((page - 1) * limit, page * limit)];
}

/** An OAuth2 application as Gitea's API answers it; the secret only when just made or renewed. */
export function appJson(a: FakeApp, withSecret: boolean) {
  return {
    id: a.id,
    name: a.name,
    client_id: a.clientId,
    client_secret: withSecret ? a.clientSecret : "",
    redirect_uris: a.redirectUris,
    confidential_client: a.confidentialClient,
    skip_secondary_authorization: false,
    created: "2025-01-01T00:00:00Z",
  };
}

/** GET, PATCH (a new secret each time) and DELETE /user/applications/oauth2/{id}. */
export function app(g: FakeGitea, method: string, id: number, body: Record<string, never>): Reply {
  const app = g.apps.get(id);
  if (!app) return g.notFound();
  if (method === "GET") return [200, appJson(app, false)];
  if (method === "PATCH") {
    app.name = body["name"];
    app.redirectUris = body["redirect_uris"] ?? [];
    app.confidentialClient = body["confidential_client"] ?? false;
    // Like Gitea: every update issues a new secret and the old one stops working.
    app.clientSecret = `gto_${randomBytes(24).toString("hex")}`;
    return [200, appJson(app, true)];
  }
  if (method === "DELETE") {
    g.apps.delete(id);
    return [204];
  }
  return g.error(405, "Method Not Allowed");
}
