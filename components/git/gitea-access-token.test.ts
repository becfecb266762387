/**
 * The Gitea access token provider against the fake Gitea: made with the login's password over basic auth (the
 * only way Gitea makes one), used alone afterwards, replaced when revoked, deleted on delete.
 */
import { FakeGitea } from "../../test/fake-gitea";
import { giteaRequest } from "./gitea-client";
import {
  GiteaAccessTokenInputs,
  GiteaAccessTokenState,
  giteaAccessTokenProvider as provider,
} from "./gitea-access-token";

const gitea = new FakeGitea();
beforeAll(() => gitea.start());
afterAll(() => gitea.stop());

const inputs = (): GiteaAccessTokenInputs => ({
  endpoint: { url: gitea.url, username: gitea.username, password: gitea.password },
  name: "hearth",
  scopes: ["write:admin", "write:organization", "write:repository", "write:user"],
});

describe("giteaAccessTokenProvider against a Gitea API", () => {
  let state: GiteaAccessTokenState;

  it("makes a scoped token with basic auth, which then works alone", async () => {
    const { id, outs } = await provider.create!(inputs());
    state = outs as GiteaAccessTokenState;
    expect(id).toBe(`${gitea.username}/hearth`);
    expect(gitea.tokens.get(state.token)).toMatchObject({
      owner: gitea.username,
      name: "hearth",
      scopes: inputs().scopes,
    });
    const mint = gitea.requests.find((r) => r.path.endsWith("/tokens") && r.method === "POST");
    expect(mint?.authorization).toMatch(/^Basic /);
    await giteaRequest({ url: gitea.url, token: state.token }, "POST", "/orgs", {
      body: { username: "by-token" },
    });
    expect(gitea.orgs.has("by-token")).toBe(true);
  });

  it("replaces a token of the same name that an interrupted run left", async () => {
    const { outs } = await provider.create!(inputs());
    expect(gitea.tokens.has(state.token)).toBe(false);
    state = outs as GiteaAccessTokenState;
    expect(gitea.tokens.has(state.token)).toBe(true);
  });

  it("sees a token revoked in Gitea on refresh and makes it again on the next up", async () => {
    gitea.tokens.delete(state.token);
    const { props } = await provider.read!(state.token, state);
    expect(props.token).toBe("");
    const d = await provider.diff!("x", props as GiteaAccessTokenState, inputs());
    expect(d).toMatchObject({ changes: true, replaces: ["token"], deleteBeforeReplace: true });
  });

  it("replaces the token for other scopes and keeps it for new credentials", async () => {
    const { outs } = await provider.create!(inputs());
    state = outs as GiteaAccessTokenState;
    const fewer = { ...inputs(), scopes: ["write:repository"] };
    expect(await provider.diff!("x", state, fewer)).toMatchObject({
      replaces: ["scopes"],
      deleteBeforeReplace: true,
    });
    const moved = { ...inputs(), endpoint: { ...inputs().endpoint, url: `${gitea.url}/` } };
    expect((await provider.diff!("x", state, moved)).replaces).toEqual([]);
    const { outs: kept } = await provider.update!("x", state, moved);
    expect(kept?.token).toBe(state.token);
  });

  it("deletes the token, and tolerates it being gone", async () => {
    await provider.delete!("x", state);
    expect(gitea.tokens.has(state.token)).toBe(false);
    await provider.delete!("x", state);
  });
});
