import { FakeGitea } from "../../test/fake-gitea";
import { GiteaConnection } from "./gitea-client";
import {
  GiteaRepositoryInputs,
  GiteaRepositoryState,
  giteaRepositoryProvider as provider,
} from "./gitea-repository";

const gitea = new FakeGitea();
let endpoint: GiteaConnection;

beforeAll(async () => {
  await gitea.start();
  endpoint = { url: gitea.url, token: gitea.token };
  gitea.orgs.set("hearth", {
    id: 1,
    name: "hearth",
    fullName: "",
    description: "",
    website: "",
    location: "",
    visibility: "private",
  });
});
afterAll(() => gitea.stop());

function inputs(name: string, extra: Partial<GiteaRepositoryInputs> = {}): GiteaRepositoryInputs {
  return {
    endpoint,
    owner: "hearth",
    name,
    description: "desired state",
    private: true,
    defaultBranch: "main",
    autoInit: true,
    ...extra,
  };
}

async function created(name: string): Promise<GiteaRepositoryState> {
  const { id, outs } = await provider.create(inputs(name));
  expect(id).toBe(`hearth/${name}`);
  return outs as GiteaRepositoryState;
}

describe("giteaRepositoryProvider CRUD against a Gitea API", () => {
  it("creates a private, initialized repository and records Gitea's URLs", async () => {
    const outs = await created("gitops");
    const post = gitea.requests.find((r) => r.method === "POST" && r.path === "/orgs/hearth/repos");
    expect(post?.body).toEqual({
      name: "gitops",
      description: "desired state",
      private: true,
      auto_init: true,
      default_branch: "main",
    });
    expect(outs).toMatchObject({
      fullName: "hearth/gitops",
      cloneUrl: `${gitea.url}/hearth/gitops.git`,
      htmlUrl: `${gitea.url}/hearth/gitops`,
      repoId: gitea.repo("hearth", "gitops")?.id,
    });
    expect(outs.sshUrl).toMatch(/^git@127\.0\.0\.1:\d+:hearth\/gitops\.git$/);
    expect(gitea.repo("hearth", "gitops")?.branches.get("main")?.has("README.md")).toBe(true);
  });

  it("adopts a repository exactly as asked for, as an interrupted run leaves it", async () => {
    const first = await created("interrupted");
    const again = await provider.create(inputs("interrupted"));
    expect(again.id).toBe("hearth/interrupted");
    expect(again.outs).toEqual(first);
  });

  it("explains a different repository that already exists (409) and a missing organization", async () => {
    await created("twice");
    gitea.repo("hearth", "twice")!.private = !gitea.repo("hearth", "twice")!.private;
    await expect(provider.create(inputs("twice"))).rejects.toThrow(
      /Gitea repository hearth\/twice already exists and differs from this one in private: choose another repository name.*HTTP 409/,
    );
    await expect(provider.create(inputs("lost", { owner: "nobody" }))).rejects.toThrow(
      /the organization "nobody" does not exist; create it first.*HTTP 422: org does not exist/,
    );
  });

  it("reads live values and notices a repository deleted out of band", async () => {
    const outs = await created("watched");
    const repo = gitea.repo("hearth", "watched")!;
    repo.description = "changed in Gitea";
    repo.private = false;
    const read = await provider.read!("hearth/watched", outs);
    expect(read.props).toMatchObject({
      description: "changed in Gitea",
      private: false,
      name: "watched",
    });
    gitea.repos.delete("hearth/watched");
    expect((await provider.read!("hearth/watched", outs)).id).toBe("");
  });

  it("updates description and visibility in place", async () => {
    const outs = await created("tuned");
    const news = inputs("tuned", { description: "new words", private: false });
    const { outs: updated } = await provider.update!("hearth/tuned", outs, news);
    expect(updated).toMatchObject({
      description: "new words",
      private: false,
      cloneUrl: outs.cloneUrl,
    });
    const patch = gitea.requests.filter((r) => r.method === "PATCH").pop();
    expect(patch?.path).toBe("/repos/hearth/tuned");
    expect(patch?.body).toEqual({
      description: "new words",
      private: false,
      default_branch: "main",
    });
  });

  it("renames in place through the old name, keeping the commits", async () => {
    const outs = await created("old-name");
    const before = gitea.repo("hearth", "old-name")!;
    const { outs: renamed } = await provider.update!("hearth/old-name", outs, inputs("new-name"));
    const patch = gitea.requests.filter((r) => r.method === "PATCH").pop();
    expect(patch?.path).toBe("/repos/hearth/old-name");
    expect(patch?.body).toMatchObject({ name: "new-name" });
    expect(renamed).toMatchObject({
      name: "new-name",
      fullName: "hearth/new-name",
      repoId: outs.repoId,
    });
    // The same repository, its initial commit and README with it.
    expect(gitea.repo("hearth", "new-name")).toBe(before);
    expect(gitea.repo("hearth", "old-name")).toBeUndefined();
    expect(before.branches.get("main")?.has("README.md")).toBe(true);
  });

  it("refuses a default branch that does not exist instead of recording it", async () => {
    const outs = await created("branchy");
    await expect(
      provider.update!("hearth/branchy", outs, inputs("branchy", { defaultBranch: "trunk" })),
    ).rejects.toThrow(
      /kept "main" as the default branch of hearth\/branchy: branch "trunk" does not exist/,
    );
  });

  it("records an autoInit or endpoint change without calling Gitea", async () => {
    const outs = await created("quiet");
    const before = gitea.writes().length;
    const { outs: updated } = await provider.update!("hearth/quiet", outs, {
      ...outs,
      autoInit: false,
    });
    expect(updated.autoInit).toBe(false);
    expect(gitea.writes().length).toBe(before);
  });

  it("deletes, and tolerates a repository already gone", async () => {
    const outs = await created("temporary");
    await provider.delete!("hearth/temporary", outs);
    expect(gitea.repo("hearth", "temporary")).toBeUndefined();
    await expect(provider.delete!("hearth/temporary", outs)).resolves.toBeUndefined();
  });
});

describe("giteaRepositoryProvider: a new owner", () => {
  it("follows its organization's rename: no transfer, the new URLs recorded", async () => {
    const outs = await created("follows");
    // As Gitea does on POST /orgs/hearth/rename (the repository moves with it).
    const repo = gitea.repos.get("hearth/follows")!;
    gitea.repos.delete("hearth/follows");
    repo.owner = "home";
    gitea.repos.set("home/follows", repo);
    gitea.addOrg("home");
    const before = gitea.requests.length;
    const { outs: next } = await provider.update!(
      "hearth/follows",
      outs,
      inputs("follows", { owner: "home" }),
    );
    expect(gitea.requests.slice(before).some((r) => r.path.endsWith("/transfer"))).toBe(false);
    expect(next).toMatchObject({ owner: "home", fullName: "home/follows", repoId: outs.repoId });
    expect((next as GiteaRepositoryState).cloneUrl).toBe(`${gitea.url}/home/follows.git`);
  });

  it("is transferred there otherwise, with its history", async () => {
    const outs = await created("moves");
    gitea.addOrg("elsewhere");
    const { outs: next } = await provider.update!(
      "hearth/moves",
      outs,
      inputs("moves", { owner: "elsewhere" }),
    );
    const transfer = gitea.requests.find((r) => r.path === "/repos/hearth/moves/transfer");
    expect(transfer?.body).toEqual({ new_owner: "elsewhere" });
    expect(gitea.repos.get("elsewhere/moves")?.id).toBe(outs.repoId);
    expect(gitea.repos.get("elsewhere/moves")?.commits.length).toBeGreaterThan(0);
    expect(next).toMatchObject({ fullName: "elsewhere/moves" });
  });
});

describe("giteaRepositoryProvider.diff", () => {
  const olds = (): GiteaRepositoryState =>
    ({ ...inputs("gitops"), repoId: 3, fullName: "hearth/gitops" }) as GiteaRepositoryState;

  it("moves on a new owner and renames on a new name, in place (a replacement would lose the history)", async () => {
    const moved = await provider.diff!("x", olds(), { ...olds(), owner: "other" });
    expect(moved).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const rename = await provider.diff!("x", olds(), { ...olds(), name: "other" });
    expect(rename.replaces).toEqual([]);
    expect(rename.changes).toBe(true);
  });

  it("updates description, visibility, default branch and autoInit in place", async () => {
    for (const change of [
      { description: "x" },
      { private: false },
      { defaultBranch: "trunk" },
      { autoInit: false },
    ]) {
      const diff = await provider.diff!("x", olds(), { ...olds(), ...change });
      expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    }
  });

  it("sees no change when computed outputs differ from nothing", async () => {
    const news: Partial<GiteaRepositoryState> = olds();
    delete news.repoId;
    delete news.fullName;
    expect((await provider.diff!("x", olds(), news)).changes).toBe(false);
  });
});
