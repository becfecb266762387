/**
 * The fake Gitea's organization routes (routers/api/v1/org): create, read, edit, delete and rename, with
 * Gitea's answers. The server and its state are in fake-gitea.ts.
 */
import type { FakeGitea, FakeOrg, Reply } from "./fake-gitea";
import { move } from "./fake-gitea-repos";

/** An organization as Gitea's API answers it. */
export function orgJson(g: FakeGitea, o: FakeOrg) {
  return {
    id: o.id,
    name: o.name,
    full_name: o.fullName,
    email: "",
    avatar_url: `${g.url}/avatars/${o.id}`,
    description: o.description,
    website: o.website,
    location: o.location,
    visibility: o.visibility,
    repo_admin_change_team_access: false,
    username: o.name,
  };
}

/** POST /orgs. */
export function createOrg(g: FakeGitea, body: Record<string, string>): Reply {
  if (!body.username) return g.error(422, "[UserName]: Required");
  if (g.orgs.has(body.username.toLowerCase())) {
    return g.error(422, `user already exists [name: ${body.username}]`);
  }
  const org: FakeOrg = {
    id: g.nextId++,
    name: body.username,
    fullName: body.full_name ?? "",
    description: body.description ?? "",
    website: body.website ?? "",
    location: body.location ?? "",
    visibility: body.visibility || "public",
  };
  g.orgs.set(org.name.toLowerCase(), org);
  return [201, orgJson(g, org)];
}

/** GET, PATCH and DELETE /orgs/{name}. */
export function org(
  g: FakeGitea,
  method: string,
  name: string,
  body: Record<string, string>,
): Reply {
  const org = g.orgs.get(name.toLowerCase());
  if (!org) return g.notFound();
  if (method === "GET") return [200, orgJson(g, org)];
  if (method === "PATCH") {
    // Like Gitea before optional fields: every editable field is taken from the body, present or not.
    org.fullName = body.full_name ?? "";
    org.description = body.description ?? "";
    org.website = body.website ?? "";
    org.location = body.location ?? "";
    if (body.visibility) org.visibility = body.visibility;
    return [200, orgJson(g, org)];
  }
  if (method === "DELETE") {
    if ([...g.repos.values()].some((r) => r.owner.toLowerCase() === name.toLowerCase())) {
      return g.error(500, `user still has ownership of repositories [uid: ${org.id}]`);
    }
    g.orgs.delete(name.toLowerCase());
    return [204];
  }
  return g.error(405, "Method Not Allowed");
}

/**
 * Gitea 1.26's routers/api/v1/org/org.go `Rename`: 204, or 422 when the new name is taken; the organization's
 * repositories move with it (and Gitea keeps a redirect from the old name, not modelled here).
 */
export function renameOrg(g: FakeGitea, name: string, body: Record<string, string>): Reply {
  const org = g.orgs.get(name.toLowerCase());
  if (!org) return g.notFound();
  const to = body.new_name;
  if (!to) return g.error(422, "[NewName]: Required");
  if (g.orgs.has(to.toLowerCase()) || g.users.has(to.toLowerCase()))
    return g.error(422, `user already exists [name: ${to}]`);
  g.orgs.delete(name.toLowerCase());
  org.name = to;
  g.orgs.set(to.toLowerCase(), org);
  for (const repo of [...g.repos.values()].filter(
    (r) => r.owner.toLowerCase() === name.toLowerCase(),
  ))
    move(g, repo, to);
  return [204];
}
