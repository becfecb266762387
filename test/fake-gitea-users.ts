/**
 * The fake Gitea's user routes: access tokens (routers/api/v1/user/app.go), users made by the site admin, and
 * a repository's collaborators. The server and its state are in fake-gitea.ts.
 */
import { randomBytes } from "node:crypto";
import type { FakeGitea, Reply } from "./fake-gitea";

/**
 * routers/api/v1/user/app.go: tokens are made and listed with basic auth only (reqBasicOrRevProxyAuth), by the
 * user or a site admin; a name is unique per user (422 otherwise); the secret is shown once, as `sha1`.
 */
export function accessTokens(
  g: FakeGitea,
  method: string,
  who: { user: string; admin: boolean; basic: boolean },
  owner: string,
  name: string | undefined,
  body: unknown,
): Reply {
  if (!who.basic) return g.error(401, "auth required");
  if (!who.admin && who.user.toLowerCase() !== owner.toLowerCase())
    return g.error(403, "user should be the owner or an admin");
  const mine = [...g.tokens.entries()].filter(
    ([, t]) => t.owner.toLowerCase() === owner.toLowerCase(),
  );
  if (method === "GET" && !name)
    return [200, mine.map(([, t]) => ({ id: t.id, name: t.name, scopes: t.scopes }))];
  if (method === "POST" && !name) {
    const b = body as { name?: string; scopes?: string[] };
    if (mine.some(([, t]) => t.name === b.name))
      return g.error(422, "access token name has been used already");
    const secret = randomBytes(20).toString("hex");
    const id = g.nextId++;
    g.tokens.set(secret, { owner, name: String(b.name), scopes: b.scopes ?? [], id });
    return [
      201,
      { id, name: b.name, sha1: secret, token_last_eight: secret.slice(-8), scopes: b.scopes },
    ];
  }
  if (method === "DELETE" && name) {
    const found = mine.find(([, t]) => t.name === name || String(t.id) === name);
    if (!found) return g.notFound();
    g.tokens.delete(found[0]);
    return [204];
  }
  return g.error(405, "Method Not Allowed");
}

/** POST /admin/users: a user made by the site admin. */
export function createUser(g: FakeGitea, body: Record<string, string>): Reply {
  if (!body.username) return g.error(422, "[UserName]: Required");
  if (g.users.has(body.username.toLowerCase()) || g.orgs.has(body.username.toLowerCase())) {
    return g.error(422, `user already exists [name: ${body.username}]`);
  }
  g.users.set(body.username.toLowerCase(), { email: body.email, password: body.password });
  return [201, { login: body.username, email: body.email }];
}

/** PATCH and DELETE /admin/users/{name}. */
export function adminUser(
  g: FakeGitea,
  method: string,
  name: string,
  body: Record<string, string>,
): Reply {
  const u = g.users.get(name.toLowerCase());
  if (!u) return g.notFound();
  if (method === "PATCH") {
    if (body.password !== undefined) u.password = body.password;
    if (body.email !== undefined) u.email = body.email;
    return [200, { login: name, email: u.email }];
  }
  if (method === "DELETE") {
    g.users.delete(name.toLowerCase());
    for (const c of g.collaborators.values()) c.delete(name.toLowerCase());
    return [204];
  }
  return g.error(405, "Method Not Allowed");
}

/** /repos/{owner}/{name}/collaborators/{user}[/permission]: read, add and remove a collaborator. */
export function collaborator(
  g: FakeGitea,
  method: string,
  owner: string,
  name: string,
  user: string,
  permission: boolean,
  body: Record<string, string>,
): Reply {
  const repo = g.repo(owner, name);
  if (!repo) return g.notFound();
  if (!g.users.has(user.toLowerCase())) return g.notFound();
  const key = `${repo.owner}/${repo.name}`.toLowerCase();
  const list = g.collaborators.get(key) ?? new Map<string, string>();
  g.collaborators.set(key, list);
  if (permission && method === "GET")
    return [200, { permission: list.get(user.toLowerCase()) ?? "none" }];
  if (method === "PUT") {
    list.set(user.toLowerCase(), body.permission ?? "write");
    return [204];
  }
  if (method === "DELETE") {
    list.delete(user.toLowerCase());
    return [204];
  }
  return g.error(405, "Method Not Allowed");
}
