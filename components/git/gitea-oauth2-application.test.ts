import { FakeGitea } from "../../test/fake-gitea";
import { GiteaConnection } from "./gitea-client";
import {
  GiteaOAuth2ApplicationInputs,
  GiteaOAuth2ApplicationState,
  giteaOAuth2ApplicationProvider as provider,
} from "./gitea-oauth2-application";

const gitea = new FakeGitea();
let endpoint: GiteaConnection;

beforeAll(async () => {
  await gitea.start();
  endpoint = { url: gitea.url, token: gitea.token };
});
afterAll(() => gitea.stop());

function inputs(extra: Partial<GiteaOAuth2ApplicationInputs> = {}): GiteaOAuth2ApplicationInputs {
  return {
    endpoint,
    name: "argocd",
    redirectUris: ["https://argocd.home.example.org/auth/callback"],
    confidentialClient: true,
    ...extra,
  };
}

async function created(): Promise<{ id: string; outs: GiteaOAuth2ApplicationState }> {
  const { id, outs } = await provider.create(inputs());
  return { id, outs: outs as GiteaOAuth2ApplicationState };
}

describe("giteaOAuth2ApplicationProvider CRUD against a Gitea API", () => {
  it("creates the client and keeps the secret Gitea shows only now", async () => {
    const { id, outs } = await created();
    const app = gitea.apps.get(Number(id))!;
    expect(id).toBe(String(app.id));
    expect(outs).toMatchObject({
      appId: app.id,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
    });
    expect(outs.clientSecret).toMatch(/^gto_/);
    const post = gitea.requests.find(
      (r) => r.path === "/user/applications/oauth2" && r.method === "POST",
    );
    expect(post?.body).toEqual({
      name: "argocd",
      redirect_uris: ["https://argocd.home.example.org/auth/callback"],
      confidential_client: true,
    });
  });

  it("takes over a twin (same name and redirect URIs) with a new secret instead of making another", async () => {
    const first = await provider.create(inputs({ name: "twin" }));
    const before = gitea.apps.size;
    const again = await provider.create(inputs({ name: "twin" }));
    expect(gitea.apps.size).toBe(before);
    expect(again.id).toBe(first.id);
    expect((again.outs as GiteaOAuth2ApplicationState).clientSecret).toBe(
      gitea.apps.get(Number(first.id))!.clientSecret,
    );
    expect((again.outs as GiteaOAuth2ApplicationState).clientSecret).not.toBe(
      (first.outs as GiteaOAuth2ApplicationState).clientSecret,
    );
    // Same name, other redirect URIs: someone else's application, left alone.
    const other = await provider.create(
      inputs({ name: "twin", redirectUris: ["https://elsewhere.example.org/cb"] }),
    );
    expect(other.id).not.toBe(first.id);
  });

  it("keeps the secret on read (Gitea answers reads with an empty one) and shows drift", async () => {
    const { id, outs } = await created();
    gitea.apps.get(Number(id))!.redirectUris = ["https://evil.example.org/cb"];
    const read = await provider.read!(id, outs);
    expect(read.props.clientSecret).toBe(outs.clientSecret);
    expect(read.props.redirectUris).toEqual(["https://evil.example.org/cb"]);
    const readAgain = await provider.read!(id, read.props);
    expect(readAgain.props.clientSecret).toBe(outs.clientSecret);
  });

  it("takes the new secret from an update, since Gitea regenerates it on every PATCH", async () => {
    const { id, outs } = await created();
    const news = inputs({
      redirectUris: [
        "https://argocd.home.example.org/auth/callback",
        "http://localhost:8085/auth/callback",
      ],
    });
    const { outs: updated } = await provider.update!(id, outs, news);
    const app = gitea.apps.get(Number(id))!;
    expect(updated.clientSecret).toBe(app.clientSecret);
    expect(updated.clientSecret).not.toBe(outs.clientSecret);
    expect(updated.clientId).toBe(outs.clientId);
    expect(app.redirectUris).toHaveLength(2);
  });

  it("does not call Gitea (and so keeps the secret) when only the endpoint changed", async () => {
    const { id, outs } = await created();
    const before = gitea.writes().length;
    const basic = { url: gitea.url, username: gitea.username, password: gitea.password };
    const { outs: updated } = await provider.update!(id, outs, { ...inputs(), endpoint: basic });
    expect(gitea.writes().length).toBe(before);
    expect(updated.clientSecret).toBe(outs.clientSecret);
    expect(updated.endpoint).toEqual(basic);
  });

  it("reads a deleted client as gone, and deletes idempotently", async () => {
    const { id, outs } = await created();
    await provider.delete!(id, outs);
    expect(gitea.apps.has(Number(id))).toBe(false);
    expect((await provider.read!(id, outs)).id).toBe("");
    await expect(provider.delete!(id, outs)).resolves.toBeUndefined();
  });

  it("explains a rejected token on update with the config key to check", async () => {
    const { id, outs } = await created();
    const news = inputs({ name: "renamed", endpoint: { url: gitea.url, token: "expired" } });
    await expect(provider.update!(id, outs, news)).rejects.toThrow(
      /Updating Gitea OAuth2 application "argocd".*HTTP 401.*hearth:giteaToken/,
    );
  });
});

describe("giteaOAuth2ApplicationProvider.diff", () => {
  const olds = () =>
    ({ ...inputs(), appId: 1, clientId: "id", clientSecret: "s" }) as GiteaOAuth2ApplicationState;

  it("never replaces: a new client id would break every app configured with it", async () => {
    for (const change of [
      { name: "x" },
      { redirectUris: ["https://x/cb"] },
      { confidentialClient: false },
      { endpoint: { url: "https://other", token: "t" } },
    ]) {
      const diff = await provider.diff!("1", olds(), { ...olds(), ...change });
      expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    }
  });

  it("ignores the secret and client id, which are outputs", async () => {
    const news: Partial<GiteaOAuth2ApplicationState> = olds();
    delete news.clientSecret;
    delete news.clientId;
    expect((await provider.diff!("1", olds(), news)).changes).toBe(false);
  });
});
