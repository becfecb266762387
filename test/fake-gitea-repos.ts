/**
 * The fake Gitea's repository routes (routers/api/v1/repo): create in an organization, read, edit, delete and
 * transfer, with Gitea's answers. The server and its state are in fake-gitea.ts.
 */
import type { FakeGitea, FakeRepo, Reply } from "./fake-gitea";

/** A repository as Gitea's API answers it. */
export function repoJson(g: FakeGitea, r: FakeRepo) {
  const host = new URL(g.url).host;
  const owner = g.orgs.get(r.owner.toLowerCase());
  return {
    id: r.id,
    owner: { id: owner?.id ?? 0, login: r.owner, login_name: "", full_name: "", email: "" },
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    description: r.description,
    empty: r.branches.size === 0,
    private: r.private,
    fork: false,
    template: false,
    mirror: false,
    html_url: `${g.url}/${r.owner}/${r.name}`,
    ssh_url: `git@${host}:${r.owner}/${r.name}.git`,
    clone_url: `${g.url}/${r.owner}/${r.name}.git`,
    website: "",
    default_branch: r.defaultBranch,
    archived: false,
    object_format_name: "sha1",
    permissions: { admin: true, push: true, pull: true },
  };
}

/** routers/api/v1/repo/transfer.go `Transfer`: by a site admin to an organization, done at once (202). */
export function transfer(
  g: FakeGitea,
  owner: string,
  name: string,
  body: Record<string, string>,
): Reply {
  const repo = g.repo(owner, name);
  if (!repo) return g.notFound();
  const to = g.orgs.get((body.new_owner ?? "").toLowerCase());
  if (!to) return g.error(404, "The new owner does not exist or cannot be found");
  if (g.repo(to.name, repo.name))
    return g.error(422, `repository already exists [uname: ${to.name}, name: ${repo.name}]`);
  move(g, repo, to.name);
  return [202, repoJson(g, repo)];
}

/** Moves a repository to another owner, with its history and collaborators. */
export function move(g: FakeGitea, repo: FakeRepo, owner: string): void {
  const oldKey = `${repo.owner}/${repo.name}`.toLowerCase();
  g.repos.delete(oldKey);
  repo.owner = owner;
  const newKey = `${repo.owner}/${repo.name}`.toLowerCase();
  g.repos.set(newKey, repo);
  const collaborators = g.collaborators.get(oldKey);
  g.collaborators.delete(oldKey);
  if (collaborators) g.collaborators.set(newKey, collaborators);
}

/** POST /orgs/{owner}/repos. */
export function createRepo(g: FakeGitea, owner: string, body: Record<string, never>): Reply {
  const org = g.orgs.get(owner.toLowerCase());
  if (!org) return g.error(422, `org does not exist [id: 0, name: ${owner}]`);
  const name = body["name"] as string;
  if (!name) return g.error(422, "[Name]: Required");
  if (g.repo(org.name, name)) {
    return g.error(409, "The repository with the same name already exists.");
  }
  const repo: FakeRepo = {
    id: g.nextId++,
    owner: org.name,
    name,
    description: (body["description"] as string) ?? "",
    private: (body["private"] as boolean) ?? false,
    defaultBranch: (body["default_branch"] as string) || "main",
    branches: new Map(),
    commits: [],
  };
  if (body["auto_init"]) {
    // Gitea's "Default" readme template: the name as a title and the description.
    const readme = `# ${name}\n\n${repo.description}`;
    repo.branches.set(repo.defaultBranch, new Map([["README.md", readme]]));
    g.commit(repo, repo.defaultBranch, "Initial commit");
  }
  g.repos.set(`${org.name}/${name}`.toLowerCase(), repo);
  return [201, repoJson(g, repo)];
}

/** GET, PATCH (rename, description, visibility, default branch) and DELETE /repos/{owner}/{name}. */
export function repoOp(
  g: FakeGitea,
  method: string,
  owner: string,
  name: string,
  body: Record<string, never>,
): Reply {
  const repo = g.repo(owner, name);
  if (!repo) return g.notFound();
  if (method === "GET") return [200, repoJson(g, repo)];
  if (method === "PATCH") {
    const rename = body["name"] as string | undefined;
    if (rename !== undefined && rename !== repo.name) {
      // Gitea renames in place, keeping the history.
      const oldKey = `${repo.owner}/${repo.name}`.toLowerCase();
      g.repos.delete(oldKey);
      repo.name = rename;
      g.repos.set(`${repo.owner}/${repo.name}`.toLowerCase(), repo);
      const collaborators = g.collaborators.get(oldKey);
      g.collaborators.delete(oldKey);
      if (collaborators)
        g.collaborators.set(`${repo.owner}/${repo.name}`.toLowerCase(), collaborators);
    }
    if (body["description"] !== undefined) repo.description = body["description"];
    if (body["private"] !== undefined) repo.private = body["private"];
    const branch = body["default_branch"] as string | undefined;
    // Gitea keeps the old default branch, without error, when the new one does not exist.
    if (branch !== undefined && (repo.branches.size === 0 || repo.branches.has(branch))) {
      repo.defaultBranch = branch;
    }
    return [200, repoJson(g, repo)];
  }
  if (method === "DELETE") {
    g.repos.delete(`${repo.owner}/${repo.name}`.toLowerCase());
    return [204];
  }
  return g.error(405, "Method Not Allowed");
}
