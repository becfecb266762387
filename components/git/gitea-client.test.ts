import { createHash } from "node:crypto";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { FakeGitea } from "../../test/fake-gitea";
import { blobSha } from "../../test/fake-gitea-files";
import {
  GiteaConnection,
  encodeFilePath,
  gitBlobSha,
  giteaDelete,
  giteaFind,
  giteaRequest,
  withContext,
} from "./gitea-client";
import { giteaMessageOf, isGiteaError } from "./gitea-errors";
import { apiRoot, authorizationHeader } from "./gitea-http";

const gitea = new FakeGitea();
let conn: GiteaConnection;

beforeAll(async () => {
  await gitea.start();
  conn = { url: gitea.url, token: gitea.token };
});
afterAll(() => gitea.stop());

/** The rejection of a promise, failing the test when it resolves. */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the call to fail");
}

describe("authentication", () => {
  it("sends `token X` for a token and basic auth for username and password", async () => {
    await giteaRequest(conn, "POST", "/orgs", { body: { username: "auth-a" } });
    const basic = { url: gitea.url, username: gitea.username, password: gitea.password };
    await giteaRequest(basic, "GET", "/orgs/auth-a");
    const [first, second] = gitea.requests.slice(-2);
    expect(first.authorization).toBe(`token ${gitea.token}`);
    expect(second.authorization).toBe(
      `Basic ${Buffer.from("gitea_admin:admin-password").toString("base64")}`,
    );
  });

  it("prefers the token when both are given, and refuses to call without any credentials", () => {
    expect(
      authorizationHeader({ url: "https://g", token: "t", username: "u", password: "p" }),
    ).toBe("token t");
    expect(() => authorizationHeader({ url: "https://g", username: "u" })).toThrow(
      /No credentials for Gitea at https:\/\/g: set hearth:giteaToken/,
    );
  });

  it("turns a 401 into a message that names hearth:giteaToken, the endpoint and Gitea's words", async () => {
    const e = await rejection(giteaRequest({ url: gitea.url, token: "wrong" }, "GET", "/orgs/x"));
    expect(isGiteaError(e, 401)).toBe(true);
    expect(e.message).toContain("GET /api/v1/orgs/x");
    expect(e.message).toContain("HTTP 401: user does not exist [uid: 0, name: ]");
    expect(e.message).toContain("check hearth:giteaToken");
    expect(e.message).not.toContain("wrong"); // the token itself never lands in a message
  });
});

describe("answers", () => {
  it("returns parsed JSON on 2xx", async () => {
    const org = await giteaRequest<{ username: string; visibility: string }>(
      conn,
      "POST",
      "/orgs",
      {
        body: { username: "answers", visibility: "private" },
      },
    );
    expect(org).toMatchObject({ username: "answers", visibility: "private" });
  });

  it("finds undefined on 404 and deletes false when already gone; request throws on 404", async () => {
    expect(await giteaFind(conn, "/orgs/nobody")).toBeUndefined();
    expect(await giteaDelete(conn, "/orgs/nobody")).toBe(false);
    await giteaRequest(conn, "POST", "/orgs", { body: { username: "doomed" } });
    expect(await giteaDelete(conn, "/orgs/doomed")).toBe(true);
    const e = await rejection(giteaRequest(conn, "GET", "/orgs/doomed"));
    expect(isGiteaError(e, 404)).toBe(true);
    expect(e.message).toContain("The target couldn't be found.");
  });

  it("reports 409 and 422 with Gitea's message", async () => {
    await giteaRequest(conn, "POST", "/orgs", { body: { username: "dup" } });
    const e422 = await rejection(
      giteaRequest(conn, "POST", "/orgs", { body: { username: "dup" } }),
    );
    expect(isGiteaError(e422, 422)).toBe(true);
    expect((e422 as { giteaMessage?: string }).giteaMessage).toBe(
      "user already exists [name: dup]",
    );
    await giteaRequest(conn, "POST", "/orgs/dup/repos", { body: { name: "r" } });
    const e409 = await rejection(
      giteaRequest(conn, "POST", "/orgs/dup/repos", { body: { name: "r" } }),
    );
    expect(isGiteaError(e409, 409)).toBe(true);
    expect(e409.message).toContain("The repository with the same name already exists.");
  });

  it("keeps status and Gitea's message when context is added", async () => {
    const e = await rejection(giteaRequest(conn, "GET", "/orgs/missing"));
    const wrapped = withContext(e, "Reading org missing");
    expect(wrapped.message).toMatch(/^Reading org missing: Gitea GET/);
    expect(isGiteaError(wrapped, 404)).toBe(true);
  });
});

describe("retries and reachability", () => {
  it("retries an idempotent call through a 503 and gives up on a POST at once", async () => {
    await giteaRequest(conn, "POST", "/orgs", { body: { username: "flaky" } });
    gitea.outages.push(503, 503);
    const org = await giteaRequest<{ username: string }>(conn, "GET", "/orgs/flaky", {
      retryDelayMs: 1,
    });
    expect(org.username).toBe("flaky");
    gitea.outages.push(503);
    const e = await rejection(
      giteaRequest(conn, "POST", "/orgs", { body: { username: "x" }, retryDelayMs: 1 }),
    );
    expect(isGiteaError(e, 503)).toBe(true);
    expect(gitea.orgs.has("x")).toBe(false);
  });

  it("retries through the tunnel's 530 (no connector up), a POST too, since it never reached Gitea", async () => {
    gitea.outages.push(530, 530);
    await giteaRequest(conn, "POST", "/orgs", { body: { username: "tunnelled" }, retryDelayMs: 1 });
    expect(gitea.orgs.has("tunnelled")).toBe(true);
    gitea.outages.push(530, 521, 523, 520, 522, 524, 502, 504);
    await expect(giteaFind(conn, "/orgs/tunnelled", { retryDelayMs: 1 })).resolves.toBeDefined();
  });

  it("keeps trying for about a minute and a half by default, not 3.5 s", async () => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate"] });
    try {
      for (let i = 0; i < 9; i++) gitea.outages.push(503);
      let done = false;
      const call = giteaFind(conn, "/orgs/absent").then(() => (done = true));
      let waited = 0;
      while (!done && waited < 200_000) {
        await jest.advanceTimersByTimeAsync(1000);
        waited += 1000;
      }
      await call;
      // 1 + 2 + 4 + 8 + 15 * 5 seconds of waiting before the tenth try.
      expect(waited).toBeGreaterThanOrEqual(90_000);
      expect(gitea.outages).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  it("explains an unreachable Gitea with its URL", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const e = await rejection(
      giteaRequest({ url: `http://127.0.0.1:${port}`, token: "t" }, "GET", "/version", {
        attempts: 2,
        retryDelayMs: 1,
      }),
    );
    expect(isGiteaError(e, 0)).toBe(true);
    expect(e.message).toMatch(
      new RegExp(
        `Could not reach Gitea at http://127.0.0.1:${port}/api/v1 for GET /api/v1/version`,
      ),
    );
    expect(e.message).toContain("ECONNREFUSED");
    expect(e.message).toContain("after 2 tries");
  });

  it("says so when a 2xx answer is not JSON (a web page in front of Gitea)", async () => {
    const page = http.createServer((_req, res) => res.end("<html>login</html>"));
    await new Promise<void>((r) => page.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
    const e = await rejection(giteaRequest({ url, token: "t" }, "GET", "/orgs/a"));
    await new Promise<void>((r) => page.close(() => r()));
    expect(e.message).toContain("is not JSON (<html>login</html>)");
  });
});

describe("pure helpers", () => {
  it("builds the API root and rejects what is not an http(s) URL", () => {
    expect(apiRoot("https://git.example.org/")).toBe("https://git.example.org/api/v1");
    expect(apiRoot("http://10.0.0.5:3000/gitea")).toBe("http://10.0.0.5:3000/gitea/api/v1");
    expect(() => apiRoot("git.example.org")).toThrow(/is not an http\(s\) URL/);
  });

  it("reads Gitea's message from its error shapes", () => {
    expect(giteaMessageOf('{"message":"x","url":"u"}')).toBe("x");
    expect(
      giteaMessageOf('{"message":"The target couldn\'t be found.","errors":["no repo"]}'),
    ).toBe("The target couldn't be found.; no repo");
    expect(
      giteaMessageOf('[{"fieldNames":["Name"],"classification":"Required","message":"Required"}]'),
    ).toBe("Name: Required");
    expect(giteaMessageOf("")).toBe("(empty response)");
    expect(giteaMessageOf("x".repeat(400))).toHaveLength(303);
  });

  it("escapes file paths segment by segment", () => {
    expect(encodeFilePath("apps/my app/ü.yaml")).toBe("apps/my%20app/%C3%BC.yaml");
  });

  it("computes git blob ids as git does, in SHA-1 and SHA-256", async () => {
    expect(await gitBlobSha("hello\n")).toBe("ce013625030ba8dba906f756967f9e9ca394464a");
    expect(await gitBlobSha("")).toBe("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    expect(await gitBlobSha("grüße\n")).toBe(blobSha("grüße\n"));
    const sha256 = createHash("sha256").update("blob 6\0hello\n").digest("hex");
    expect(await gitBlobSha("hello\n", "sha256")).toBe(sha256);
  });
});
