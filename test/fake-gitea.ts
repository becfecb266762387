/**
 * Test support: an in-memory Gitea on 127.0.0.1 that implements the endpoints Hearth's Gitea providers call,
 * with the status codes and response bodies of Gitea's API (routers/api/v1: org, repo, file, user/app).
 * Tests change `orgs`/`repos`/`apps` directly to play out-of-band edits and deletions.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import { AddressInfo } from "node:net";

/** An organization as the fake keeps it. */
export interface FakeOrg {
  id: number;
  name: string;
  fullName: string;
  description: string;
  website: string;
  location: string;
  visibility: string;
}

/** A repository as the fake keeps it: branch -> path -> content. */
export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  description: string;
  private: boolean;
  defaultBranch: string;
  branches: Map<string, Map<string, string>>;
  commits: { sha: string; message: string; branch: string }[];
}

/** An OAuth2 application as the fake keeps it. */
export interface FakeApp {
  id: number;
  name: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  confidentialClient: boolean;
}

/** One request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  authorization: string | undefined;
  body: unknown;
}

/** The git blob id of a text, as Gitea reports it. */
export function blobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest("hex");
}

type Reply = [number, unknown?];

/** The fake server; `start()` it, point a `GiteaConnection` at `url`, `stop()` it after. */
export class FakeGitea {
  readonly token = "gitea-admin-token";
  readonly username = "gitea_admin";
  readonly password = "admin-password";
  readonly requests: RecordedRequest[] = [];
  readonly orgs = new Map<string, FakeOrg>();
  readonly repos = new Map<string, FakeRepo>();
  readonly apps = new Map<number, FakeApp>();
  /** Users made through the admin API: name -> email and password. */
  readonly users = new Map<string, { email: string; password: string }>();
  /** Collaborators: "owner/repo" (lower case) -> user -> permission. */
  readonly collaborators = new Map<string, Map<string, string>>();
  /**
   * Access tokens made through POST /users/{username}/tokens: secret -> owner, name and scopes. Gitea takes one
   * as `token <secret>`; only a site admin's reaches /admin routes, and only with a write:admin scope.
   */
  readonly tokens = new Map<
    string,
    { owner: string; name: string; scopes: string[]; id: number }
  >();
  /** Statuses to answer the next requests with, before any routing (e.g. a 503 while Gitea starts). */
  readonly outages: number[] = [];
  url = "";
  private nextId = 1;
  private server: http.Server = http.createServer((req, res) => void this.handle(req, res));

  /** Listens on a free port of 127.0.0.1; over TLS with this key and certificate when given. */
  async start(tls?: { key: string; cert: string }): Promise<void> {
    if (tls) this.server = https.createServer(tls, (req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const port = (this.server.address() as AddressInfo).port;
    this.url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  }

  /** Closes the server. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Adds a private organization directly, as if it existed before the test. */
  addOrg(name: string): void {
    this.orgs.set(name, {
      id: this.nextId++,
      name,
      fullName: "",
      description: "",
      website: "",
      location: "",
      visibility: "private",
    });
  }

  /** Adds an empty private repository of `owner` directly. */
  addRepo(owner: string, name: string): FakeRepo {
    const repo: FakeRepo = {
      id: this.nextId++,
      owner,
      name,
      description: "",
      private: true,
      defaultBranch: "main",
      branches: new Map(),
      commits: [],
    };
    this.repos.set(`${owner}/${name}`.toLowerCase(), repo);
    return repo;
  }

  /** The repository `owner/name`, or undefined. */
  repo(owner: string, name: string): FakeRepo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  /** Requests other than reads, as `METHOD /path`. */
  writes(): string[] {
    return this.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
  }

  private error(status: number, message: string, errors?: string[]): Reply {
    const body: Record<string, unknown> = { message, url: `${this.url}/api/swagger` };
    if (errors) body.errors = errors;
    return [status, body];
  }

  private notFound(...errors: string[]): Reply {
    return this.error(404, "The target couldn't be found.", errors);
  }

  private orgJson(o: FakeOrg) {
    return {
      id: o.id,
      name: o.name,
      full_name: o.fullName,
      email: "",
      avatar_url: `${this.url}/avatars/${o.id}`,
      description: o.description,
      website: o.website,
      location: o.location,
      visibility: o.visibility,
      repo_admin_change_team_access: false,
      username: o.name,
    };
  }

  private repoJson(r: FakeRepo) {
    const host = new URL(this.url).host;
    const owner = this.orgs.get(r.owner.toLowerCase());
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
      html_url: `${this.url}/${r.owner}/${r.name}`,
      ssh_url: `git@${host}:${r.owner}/${r.name}.git`,
      clone_url: `${this.url}/${r.owner}/${r.name}.git`,
      website: "",
      default_branch: r.defaultBranch,
      archived: false,
      object_format_name: "sha1",
      permissions: { admin: true, push: true, pull: true },
    };
  }

  private contentsJson(r: FakeRepo, path: string, content: string) {
    const sha = blobSha(content);
    return {
      name: path.split("/").pop(),
      path,
      sha,
      last_commit_sha: r.commits[r.commits.length - 1]?.sha ?? "",
      type: "file",
      size: Buffer.byteLength(content),
      encoding: "base64",
      content: Buffer.from(content, "utf8").toString("base64"),
      target: null,
      url: `${this.url}/api/v1/repos/${r.owner}/${r.name}/contents/${path}`,
      download_url: `${this.url}/${r.owner}/${r.name}/raw/branch/${r.defaultBranch}/${path}`,
    };
  }

  private commit(r: FakeRepo, branch: string, message: string): { sha: string; message: string } {
    const sha = createHash("sha1").update(randomBytes(16)).digest("hex");
    r.commits.push({ sha, message, branch });
    return { sha, message };
  }

  /** Who a request authenticates as, and how; undefined for no valid credentials. */
  private caller(
    header: string | undefined,
  ): { user: string; admin: boolean; basic: boolean; scopes?: string[] } | undefined {
    const basic = Buffer.from(`${this.username}:${this.password}`).toString("base64");
    if (header === `token ${this.token}`) return { user: this.username, admin: true, basic: false };
    if (header === `Basic ${basic}`) return { user: this.username, admin: true, basic: true };
    const token = header?.match(/^token (.+)$/)?.[1];
    const made = token ? this.tokens.get(token) : undefined;
    if (made) {
      const admin = made.owner === this.username;
      return { user: made.owner, admin, basic: false, scopes: made.scopes };
    }
    const pair = header?.match(/^Basic (.+)$/)?.[1];
    if (pair) {
      const [user, ...rest] = Buffer.from(pair, "base64").toString("utf8").split(":");
      const u = this.users.get(user.toLowerCase());
      if (u && u.password === rest.join(":")) return { user, admin: false, basic: true };
    }
    return undefined;
  }

  private authorized(header: string | undefined): boolean {
    return this.caller(header) !== undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.url);
    const body: unknown = text ? JSON.parse(text) : undefined;
    const method = req.method ?? "GET";
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v1/, "");
    this.requests.push({
      method,
      path,
      query: url.search,
      authorization: req.headers.authorization,
      body,
    });
    const outage = this.outages.shift();
    let reply: Reply;
    if (outage !== undefined) reply = this.error(outage, "Service Unavailable");
    else if (!req.headers.authorization) reply = this.error(401, "token is required");
    else if (!this.authorized(req.headers.authorization)) {
      reply = this.error(401, "user does not exist [uid: 0, name: ]");
    } else {
      const who = this.caller(req.headers.authorization)!;
      const tokenRoute = path.match(/^\/users\/([^/]+)\/tokens(?:\/([^/]+))?$/);
      if (tokenRoute) reply = this.accessTokens(method, who, tokenRoute[1], tokenRoute[2], body);
      else if (!who.admin && !(who.scopes ?? []).some((sc) => sc.includes("repository")))
        reply = this.error(403, "user should be an admin");
      else if (who.scopes && path.startsWith("/admin/") && !who.scopes.includes("write:admin"))
        reply = this.error(
          403,
          "token does not have at least one of required scope(s): [write:admin]",
        );
      else
        reply = this.route(method, path, url.searchParams, (body ?? {}) as Record<string, never>);
    }
    const [status, payload] = reply;
    res.writeHead(
      status,
      payload === undefined ? {} : { "content-type": "application/json;charset=utf-8" },
    );
    res.end(payload === undefined ? undefined : JSON.stringify(payload));
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, never>,
  ): Reply {
    let m: RegExpMatchArray | null;
    if (path === "/orgs" && method === "POST") return this.createOrg(body);
    if ((m = path.match(/^\/orgs\/([^/]+)$/))) return this.org(method, m[1], body);
    if ((m = path.match(/^\/orgs\/([^/]+)\/rename$/)) && method === "POST")
      return this.renameOrg(m[1], body);
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/transfer$/)) && method === "POST")
      return this.transfer(m[1], m[2], body);
    if ((m = path.match(/^\/orgs\/([^/]+)\/repos$/)) && method === "POST") {
      return this.createRepo(m[1], body);
    }
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/contents$/)) && method === "POST") {
      return this.changeFiles(m[1], m[2], body);
    }
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/)) && method === "GET") {
      return this.getContents(m[1], m[2], m[3], query.get("ref"));
    }
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)$/)))
      return this.repoOp(method, m[1], m[2], body);
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)(\/permission)?$/)))
      return this.collaborator(method, m[1], m[2], m[3], Boolean(m[4]), body);
    if (path === "/admin/users" && method === "POST") return this.createUser(body);
    if ((m = path.match(/^\/admin\/users\/([^/]+)$/))) return this.adminUser(method, m[1], body);
    if ((m = path.match(/^\/users\/([^/]+)$/)) && method === "GET") {
      const u = this.users.get(m[1].toLowerCase());
      return u ? [200, { login: m[1], email: u.email }] : this.notFound();
    }
    if (path === "/user/applications/oauth2" && method === "POST") return this.createApp(body);
    if (path === "/user/applications/oauth2" && method === "GET") return this.listApps(query);
    if ((m = path.match(/^\/user\/applications\/oauth2\/(\d+)$/)))
      return this.app(method, +m[1], body);
    return this.notFound();
  }

  /**
   * routers/api/v1/user/app.go: tokens are made and listed with basic auth only (reqBasicOrRevProxyAuth), by the
   * user or a site admin; a name is unique per user (422 otherwise); the secret is shown once, as `sha1`.
   */
  private accessTokens(
    method: string,
    who: { user: string; admin: boolean; basic: boolean },
    owner: string,
    name: string | undefined,
    body: unknown,
  ): Reply {
    if (!who.basic) return this.error(401, "auth required");
    if (!who.admin && who.user.toLowerCase() !== owner.toLowerCase())
      return this.error(403, "user should be the owner or an admin");
    const mine = [...this.tokens.entries()].filter(
      ([, t]) => t.owner.toLowerCase() === owner.toLowerCase(),
    );
    if (method === "GET" && !name)
      return [200, mine.map(([, t]) => ({ id: t.id, name: t.name, scopes: t.scopes }))];
    if (method === "POST" && !name) {
      const b = body as { name?: string; scopes?: string[] };
      if (mine.some(([, t]) => t.name === b.name))
        return this.error(422, "access token name has been used already");
      const secret = randomBytes(20).toString("hex");
      const id = this.nextId++;
      this.tokens.set(secret, { owner, name: String(b.name), scopes: b.scopes ?? [], id });
      return [
        201,
        { id, name: b.name, sha1: secret, token_last_eight: secret.slice(-8), scopes: b.scopes },
      ];
    }
    if (method === "DELETE" && name) {
      const found = mine.find(([, t]) => t.name === name || String(t.id) === name);
      if (!found) return this.notFound();
      this.tokens.delete(found[0]);
      return [204];
    }
    return this.error(405, "Method Not Allowed");
  }

  private createUser(body: Record<string, string>): Reply {
    if (!body.username) return this.error(422, "[UserName]: Required");
    if (this.users.has(body.username.toLowerCase()) || this.orgs.has(body.username.toLowerCase())) {
      return this.error(422, `user already exists [name: ${body.username}]`);
    }
    this.users.set(body.username.toLowerCase(), { email: body.email, password: body.password });
    return [201, { login: body.username, email: body.email }];
  }

  private adminUser(method: string, name: string, body: Record<string, string>): Reply {
    const u = this.users.get(name.toLowerCase());
    if (!u) return this.notFound();
    if (method === "PATCH") {
      if (body.password !== undefined) u.password = body.password;
      if (body.email !== undefined) u.email = body.email;
      return [200, { login: name, email: u.email }];
    }
    if (method === "DELETE") {
      this.users.delete(name.toLowerCase());
      for (const c of this.collaborators.values()) c.delete(name.toLowerCase());
      return [204];
    }
    return this.error(405, "Method Not Allowed");
  }

  private collaborator(
    method: string,
    owner: string,
    name: string,
    user: string,
    permission: boolean,
    body: Record<string, string>,
  ): Reply {
    const repo = this.repo(owner, name);
    if (!repo) return this.notFound();
    if (!this.users.has(user.toLowerCase())) return this.notFound();
    const key = `${repo.owner}/${repo.name}`.toLowerCase();
    const list = this.collaborators.get(key) ?? new Map<string, string>();
    this.collaborators.set(key, list);
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
    return this.error(405, "Method Not Allowed");
  }

  private createOrg(body: Record<string, string>): Reply {
    if (!body.username) return this.error(422, "[UserName]: Required");
    if (this.orgs.has(body.username.toLowerCase())) {
      return this.error(422, `user already exists [name: ${body.username}]`);
    }
    const org: FakeOrg = {
      id: this.nextId++,
      name: body.username,
      fullName: body.full_name ?? "",
      description: body.description ?? "",
      website: body.website ?? "",
      location: body.location ?? "",
      visibility: body.visibility || "public",
    };
    this.orgs.set(org.name.toLowerCase(), org);
    return [201, this.orgJson(org)];
  }

  private org(method: string, name: string, body: Record<string, string>): Reply {
    const org = this.orgs.get(name.toLowerCase());
    if (!org) return this.notFound();
    if (method === "GET") return [200, this.orgJson(org)];
    if (method === "PATCH") {
      // Like Gitea before optional fields: every editable field is taken from the body, present or not.
      org.fullName = body.full_name ?? "";
      org.description = body.description ?? "";
      org.website = body.website ?? "";
      org.location = body.location ?? "";
      if (body.visibility) org.visibility = body.visibility;
      return [200, this.orgJson(org)];
    }
    if (method === "DELETE") {
      if ([...this.repos.values()].some((r) => r.owner.toLowerCase() === name.toLowerCase())) {
        return this.error(500, `user still has ownership of repositories [uid: ${org.id}]`);
      }
      this.orgs.delete(name.toLowerCase());
      return [204];
    }
    return this.error(405, "Method Not Allowed");
  }

  /**
   * Gitea 1.26's routers/api/v1/org/org.go `Rename`: 204, or 422 when the new name is taken; the organization's
   * repositories move with it (and Gitea keeps a redirect from the old name, not modelled here).
   */
  private renameOrg(name: string, body: Record<string, string>): Reply {
    const org = this.orgs.get(name.toLowerCase());
    if (!org) return this.notFound();
    const to = body.new_name;
    if (!to) return this.error(422, "[NewName]: Required");
    if (this.orgs.has(to.toLowerCase()) || this.users.has(to.toLowerCase()))
      return this.error(422, `user already exists [name: ${to}]`);
    this.orgs.delete(name.toLowerCase());
    org.name = to;
    this.orgs.set(to.toLowerCase(), org);
    for (const repo of [...this.repos.values()].filter(
      (r) => r.owner.toLowerCase() === name.toLowerCase(),
    ))
      this.move(repo, to);
    return [204];
  }

  /** routers/api/v1/repo/transfer.go `Transfer`: by a site admin to an organization, done at once (202). */
  private transfer(owner: string, name: string, body: Record<string, string>): Reply {
    const repo = this.repo(owner, name);
    if (!repo) return this.notFound();
    const to = this.orgs.get((body.new_owner ?? "").toLowerCase());
    if (!to) return this.error(404, "The new owner does not exist or cannot be found");
    if (this.repo(to.name, repo.name))
      return this.error(422, `repository already exists [uname: ${to.name}, name: ${repo.name}]`);
    this.move(repo, to.name);
    return [202, this.repoJson(repo)];
  }

  /** Moves a repository to another owner, with its history and collaborators. */
  private move(repo: FakeRepo, owner: string): void {
    const oldKey = `${repo.owner}/${repo.name}`.toLowerCase();
    this.repos.delete(oldKey);
    repo.owner = owner;
    const newKey = `${repo.owner}/${repo.name}`.toLowerCase();
    this.repos.set(newKey, repo);
    const collaborators = this.collaborators.get(oldKey);
    this.collaborators.delete(oldKey);
    if (collaborators) this.collaborators.set(newKey, collaborators);
  }

  private createRepo(owner: string, body: Record<string, never>): Reply {
    const org = this.orgs.get(owner.toLowerCase());
    if (!org) return this.error(422, `org does not exist [id: 0, name: ${owner}]`);
    const name = body["name"] as string;
    if (!name) return this.error(422, "[Name]: Required");
    if (this.repo(org.name, name)) {
      return this.error(409, "The repository with the same name already exists.");
    }
    const repo: FakeRepo = {
      id: this.nextId++,
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
      this.commit(repo, repo.defaultBranch, "Initial commit");
    }
    this.repos.set(`${org.name}/${name}`.toLowerCase(), repo);
    return [201, this.repoJson(repo)];
  }

  private repoOp(method: string, owner: string, name: string, body: Record<string, never>): Reply {
    const repo = this.repo(owner, name);
    if (!repo) return this.notFound();
    if (method === "GET") return [200, this.repoJson(repo)];
    if (method === "PATCH") {
      const rename = body["name"] as string | undefined;
      if (rename !== undefined && rename !== repo.name) {
        // Gitea renames in place, keeping the history.
        const oldKey = `${repo.owner}/${repo.name}`.toLowerCase();
        this.repos.delete(oldKey);
        repo.name = rename;
        this.repos.set(`${repo.owner}/${repo.name}`.toLowerCase(), repo);
        const collaborators = this.collaborators.get(oldKey);
        this.collaborators.delete(oldKey);
        if (collaborators)
          this.collaborators.set(`${repo.owner}/${repo.name}`.toLowerCase(), collaborators);
      }
      if (body["description"] !== undefined) repo.description = body["description"];
      if (body["private"] !== undefined) repo.private = body["private"];
      const branch = body["default_branch"] as string | undefined;
      // Gitea keeps the old default branch, without error, when the new one does not exist.
      if (branch !== undefined && (repo.branches.size === 0 || repo.branches.has(branch))) {
        repo.defaultBranch = branch;
      }
      return [200, this.repoJson(repo)];
    }
    if (method === "DELETE") {
      this.repos.delete(`${repo.owner}/${repo.name}`.toLowerCase());
      return [204];
    }
    return this.error(405, "Method Not Allowed");
  }

  private getContents(owner: string, name: string, path: string, ref: string | null): Reply {
    const repo = this.repo(owner, name);
    if (!repo) return this.notFound();
    const files = repo.branches.get(ref ?? repo.defaultBranch);
    if (!files) return this.notFound(`object does not exist [id: ${ref}, rel_path: ]`);
    const content = files.get(path);
    if (content !== undefined) return [200, this.contentsJson(repo, path, content)];
    const prefix = `${path}/`;
    const children = [...files.keys()].filter((p) => p.startsWith(prefix));
    if (children.length > 0) {
      const names = [...new Set(children.map((p) => p.slice(prefix.length).split("/")[0]))];
      return [200, names.map((n) => ({ name: n, path: `${prefix}${n}`, type: "dir", sha: "" }))];
    }
    return this.notFound(`object does not exist [id: , rel_path: ${path}]`);
  }

  private changeFiles(owner: string, name: string, body: Record<string, never>): Reply {
    const repo = this.repo(owner, name);
    if (!repo) return this.notFound();
    const branch = (body["branch"] as string) || repo.defaultBranch;
    const files = repo.branches.get(branch);
    if (!files && repo.branches.size > 0) {
      return this.error(404, `branch does not exist [name: ${branch}]`);
    }
    const operations = (body["files"] ?? []) as {
      operation: string;
      path: string;
      content?: string;
      sha?: string;
    }[];
    const next = new Map(files ?? []);
    for (const op of operations) {
      const current = next.get(op.path);
      if (op.operation === "create" && current !== undefined) {
        return this.error(422, `repository file already exists [path: ${op.path}]`);
      }
      if (op.operation === "update" || op.operation === "delete") {
        if (current === undefined) {
          return this.error(404, `repository file does not exist [path: ${op.path}]`);
        }
        if (!op.sha) {
          return this.error(422, "a SHA or commit ID must be provided when updating a file");
        }
        if (op.sha !== blobSha(current)) {
          return this.error(
            422,
            `sha does not match [given: ${op.sha}, expected: ${blobSha(current)}]`,
          );
        }
      }
      if (op.operation === "delete") next.delete(op.path);
      else next.set(op.path, Buffer.from(op.content ?? "", "base64").toString("utf8"));
    }
    // In place, so a test holding the branch's map sees the commit.
    const target = files ?? new Map<string, string>();
    target.clear();
    for (const [path, content] of next) target.set(path, content);
    repo.branches.set(branch, target);
    const commit = this.commit(repo, branch, (body["message"] as string) || "Update files");
    return [
      201,
      {
        files: operations.map((op) =>
          op.operation === "delete"
            ? null
            : this.contentsJson(repo, op.path, next.get(op.path) ?? ""),
        ),
        commit: { sha: commit.sha, message: commit.message, html_url: `${this.url}/commit` },
        verification: { verified: false, reason: "gpg.error.not_signed_commit", signature: "" },
      },
    ];
  }

  private createApp(body: Record<string, never>): Reply {
    if (!body["name"]) return this.error(422, "[Name]: Required");
    const app: FakeApp = {
      id: this.nextId++,
      name: body["name"],
      clientId: randomUUID(),
      clientSecret: `gto_${randomBytes(24).toString("hex")}`,
      redirectUris: body["redirect_uris"] ?? [],
      confidentialClient: body["confidential_client"] ?? false,
    };
    this.apps.set(app.id, app);
    return [201, this.appJson(app, true)];
  }

  /** Like Gitea 1.26 (seen against the sandbox's): pages of `limit`, secrets blank. */
  private listApps(query: URLSearchParams): Reply {
    const limit = Number(query.get("limit") ?? 30);
    const page = Number(query.get("page") ?? 1);
    const all = [...this.apps.values()].map((a) => this.appJson(a, false));
    return [200, all.slice((page - 1) * limit, page * limit)];
  }

  private appJson(a: FakeApp, withSecret: boolean) {
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

  private app(method: string, id: number, body: Record<string, never>): Reply {
    const app = this.apps.get(id);
    if (!app) return this.notFound();
    if (method === "GET") return [200, this.appJson(app, false)];
    if (method === "PATCH") {
      app.name = body["name"];
      app.redirectUris = body["redirect_uris"] ?? [];
      app.confidentialClient = body["confidential_client"] ?? false;
      // Like Gitea: every update issues a new secret and the old one stops working.
      app.clientSecret = `gto_${randomBytes(24).toString("hex")}`;
      return [200, this.appJson(app, true)];
    }
    if (method === "DELETE") {
      this.apps.delete(id);
      return [204];
    }
    return this.error(405, "Method Not Allowed");
  }
}
