/**
 * Test support: an in-memory Gitea on 127.0.0.1 that implements the endpoints Hearth's Gitea providers call,
 * with the status codes and response bodies of Gitea's API (routers/api/v1: org, repo, file, user/app).
 * Tests change `orgs`/`repos`/`apps` directly to play out-of-band edits and deletions. This file holds the
 * server, its state, authentication and routing; the routes are in fake-gitea-{orgs,repos,files,users,oauth}.ts.
 */
import { createHash, randomBytes } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import { AddressInfo } from "node:net";
import { changeFiles, getContents } from "./fake-gitea-files";
import { app, createApp, listApps } from "./fake-gitea-oauth";
import { createOrg, org, renameOrg } from "./fake-gitea-orgs";
import { createRepo, repoOp, transfer } from "./fake-gitea-repos";
import { accessTokens, adminUser, collaborator, createUser } from "./fake-gitea-users";

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

/** A status and a JSON body, as a route answers. */
export type Reply = [number, unknown?];

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
  /** The next id of an organization, repository, user token or OAuth2 application. */
  nextId = 1;
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

  /** A Gitea error answer: the message and the swagger URL, with `errors` when given. */
  error(status: number, message: string, errors?: string[]): Reply {
    const body: Record<string, unknown> = { message, url: `${this.url}/api/swagger` };
    if (errors) body.errors = errors;
    return [status, body];
  }

  /** Gitea's 404 answer. */
  notFound(...errors: string[]): Reply {
    return this.error(404, "The target couldn't be found.", errors);
  }

  /** Records a commit on `branch` under a random id. */
  commit(r: FakeRepo, branch: string, message: string): { sha: string; message: string } {
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
      if (tokenRoute) reply = accessTokens(this, method, who, tokenRoute[1], tokenRoute[2], body);
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
    if (path === "/orgs" && method === "POST") return createOrg(this, body);
    if ((m = path.match(/^\/orgs\/([^/]+)$/))) return org(this, method, m[1], body);
    if ((m = path.match(/^\/orgs\/([^/]+)\/rename$/)) && method === "POST")
      return renameOrg(this, m[1], body);
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/transfer$/)) && method === "POST")
      return transfer(this, m[1], m[2], body);
    if ((m = path.match(/^\/orgs\/([^/]+)\/repos$/)) && method === "POST") {
      return createRepo(this, m[1], body);
    }
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/contents$/)) && method === "POST") {
      return changeFiles(this, m[1], m[2], body);
    }
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/)) && method === "GET") {
      return getContents(this, m[1], m[2], m[3], query.get("ref"));
    }
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)$/)))
      return repoOp(this, method, m[1], m[2], body);
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)(\/permission)?$/)))
      return collaborator(this, method, m[1], m[2], m[3], Boolean(m[4]), body);
    if (path === "/admin/users" && method === "POST") return createUser(this, body);
    if ((m = path.match(/^\/admin\/users\/([^/]+)$/))) return adminUser(this, method, m[1], body);
    if ((m = path.match(/^\/users\/([^/]+)$/)) && method === "GET") {
      const u = this.users.get(m[1].toLowerCase());
      return u ? [200, { login: m[1], email: u.email }] : this.notFound();
    }
    if (path === "/user/applications/oauth2" && method === "POST") return createApp(this, body);
    if (path === "/user/applications/oauth2" && method === "GET") return listApps(this, query);
    if ((m = path.match(/^\/user\/applications\/oauth2\/(\d+)$/)))
      return app(this, method, +m[1], body);
    return this.notFound();
  }
}
