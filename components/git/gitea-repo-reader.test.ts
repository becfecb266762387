import { FakeGitea } from "../../test/fake-gitea";
import { GiteaConnection } from "./gitea-client";
import {
  GiteaRepoReaderInputs,
  GiteaRepoReaderState,
  giteaRepoReaderProvider as provider,
} from "./gitea-repo-reader";

const gitea = new FakeGitea();
let endpoint: GiteaConnection;

beforeAll(async () => {
  await gitea.start();
  endpoint = { url: gitea.url, token: gitea.token };
  gitea.addOrg("hearth");
  for (const name of ["gitops", "other"]) gitea.addRepo("hearth", name);
});
afterAll(() => gitea.stop());

const inputs = (extra: Partial<GiteaRepoReaderInputs> = {}): GiteaRepoReaderInputs => ({
  endpoint,
  owner: "hearth",
  repo: "gitops",
  username: "hearth-argocd",
  email: "hearth-argocd@users.noreply.invalid",
  password: "planted-reader-password",
  ...extra,
});
const perm = (repo: string) => gitea.collaborators.get(`hearth/${repo}`)?.get("hearth-argocd");

describe("giteaRepoReaderProvider against a Gitea API", () => {
  let state: GiteaRepoReaderState;

  it("creates the user through the admin API and grants it read on the repository only", async () => {
    const { id, outs } = await provider.create!(inputs());
    state = outs as GiteaRepoReaderState;
    expect(id).toBe("hearth-argocd");
    expect(gitea.users.get("hearth-argocd")?.password).toBe("planted-reader-password");
    expect(perm("gitops")).toBe("read");
    expect(perm("other")).toBeUndefined();
    // Argo CD clones with a read:repository token the reader made with its own password, never the password.
    const token = gitea.tokens.get(state.token);
    expect(token).toMatchObject({ owner: "hearth-argocd", scopes: ["read:repository"] });
    const mint = gitea.requests.find((r) => r.method === "POST" && r.path.endsWith("/tokens"));
    expect(mint?.path).toBe("/users/hearth-argocd/tokens");
    expect(mint?.authorization).toBe(
      `Basic ${Buffer.from("hearth-argocd:planted-reader-password").toString("base64")}`,
    );
    const put = gitea.requests.find((r) => r.method === "PUT");
    expect(put).toMatchObject({
      path: "/repos/hearth/gitops/collaborators/hearth-argocd",
      body: { permission: "read" },
    });
  });

  it("takes over the user an interrupted run left, setting the password it owns", async () => {
    gitea.users.get("hearth-argocd")!.password = "someone-else-s";
    await provider.create!(inputs());
    expect(gitea.users.get("hearth-argocd")?.password).toBe("planted-reader-password");
  });

  it("sees a widened grant on refresh and narrows it back to read on the next update", async () => {
    gitea.collaborators.get("hearth/gitops")!.set("hearth-argocd", "admin");
    const { props } = await provider.read!("hearth-argocd", state);
    expect(props.permission).toBe("admin");
    const d = await provider.diff!("hearth-argocd", props as GiteaRepoReaderState, inputs());
    expect(d.changes).toBe(true);
    expect(d.replaces).toEqual([]);
    await provider.update!("hearth-argocd", props as GiteaRepoReaderState, inputs());
    expect(perm("gitops")).toBe("read");
  });

  it("moves the grant to another repository, and changes the password in place", async () => {
    await provider.update!(
      "hearth-argocd",
      state,
      inputs({ repo: "other", password: "planted-new" }),
    );
    const { outs } = await provider.update!(
      "hearth-argocd",
      { ...state, repo: "other" },
      inputs({ repo: "other", password: "planted-newer" }),
    );
    expect(perm("other")).toBe("read");
    expect(perm("gitops")).toBeUndefined();
    expect(gitea.users.get("hearth-argocd")?.password).toBe("planted-newer");
    // A new password makes a new token with it; the old one no longer works.
    expect(outs?.token).not.toBe(state.token);
    expect(gitea.tokens.has(outs?.token as string)).toBe(true);
    expect(gitea.tokens.has(state.token)).toBe(false);
  });

  it("deletes the grant and the user, and tolerates both being gone", async () => {
    const s = { ...state, repo: "other" };
    await provider.delete!("hearth-argocd", s);
    expect(gitea.users.has("hearth-argocd")).toBe(false);
    await provider.delete!("hearth-argocd", s);
  });
});
