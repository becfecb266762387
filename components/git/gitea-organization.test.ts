import { FakeGitea } from "../../test/fake-gitea";
import { GiteaConnection } from "./gitea-client";
import {
  GiteaOrganizationInputs,
  GiteaOrganizationState,
  giteaOrganizationProvider as provider,
} from "./gitea-organization";
import { UNKNOWN_VALUE } from "./property-diff";

const gitea = new FakeGitea();
let endpoint: GiteaConnection;

beforeAll(async () => {
  await gitea.start();
  endpoint = { url: gitea.url, token: gitea.token };
});
afterAll(() => gitea.stop());

function inputs(
  name: string,
  extra: Partial<GiteaOrganizationInputs> = {},
): GiteaOrganizationInputs {
  return {
    endpoint,
    name,
    fullName: `${name} org`,
    description: "GitOps",
    website: "",
    visibility: "private",
    ...extra,
  };
}

async function created(name: string): Promise<GiteaOrganizationState> {
  const { id, outs } = await provider.create(inputs(name));
  expect(id).toBe(name);
  return outs as GiteaOrganizationState;
}

describe("giteaOrganizationProvider CRUD against a Gitea API", () => {
  it("creates the organization with Gitea's field names and keeps its id", async () => {
    const outs = await created("hearth");
    const post = gitea.requests.find((r) => r.method === "POST" && r.path === "/orgs");
    expect(post?.body).toEqual({
      username: "hearth",
      full_name: "hearth org",
      description: "GitOps",
      website: "",
      visibility: "private",
    });
    expect(outs.orgId).toBe(gitea.orgs.get("hearth")?.id);
    expect(gitea.orgs.get("hearth")?.visibility).toBe("private");
  });

  it("renames the organization in place: its repositories move with it, and reads follow the new name", async () => {
    const outs = await created("before");
    const repo = gitea.addRepo("before", "gitops");
    const renamed = await provider.update!("before", outs, inputs("after"));
    const rename = gitea.requests.find((r) => r.path === "/orgs/before/rename");
    expect(rename?.body).toEqual({ new_name: "after" });
    expect(gitea.orgs.has("before")).toBe(false);
    expect(gitea.orgs.get("after")?.id).toBe(outs.orgId);
    expect(gitea.repos.get("after/gitops")?.id).toBe(repo.id);
    // The id stays what it was at creation; reads and deletes go by the name in state.
    const read = await provider.read!("before", renamed.outs as GiteaOrganizationState);
    expect(read.id).toBe("before");
    expect((read.props as GiteaOrganizationState).orgId).toBe(outs.orgId);
  });

  it("adopts an organization exactly as asked for, as an interrupted run leaves it", async () => {
    const first = await created("interrupted");
    const again = await provider.create(inputs("interrupted"));
    expect(again).toEqual({ id: "interrupted", outs: first });
  });

  it("explains a name already taken by a different organization (Gitea's 422)", async () => {
    await created("taken");
    gitea.orgs.get("taken")!.description = "someone else's";
    await expect(provider.create(inputs("taken"))).rejects.toThrow(
      /Gitea organization "taken" already exists and differs from this one in description: choose another organization name.*HTTP 422: user already exists \[name: taken\]/,
    );
  });

  it("explains rejected credentials (401) with the config key to check", async () => {
    const bad = { ...inputs("nope"), endpoint: { url: gitea.url, token: "revoked" } };
    await expect(provider.create(bad)).rejects.toThrow(/HTTP 401.*check hearth:giteaToken/);
  });

  it("reads live values, so a change made in Gitea shows as drift", async () => {
    const outs = await created("drifty");
    gitea.orgs.get("drifty")!.description = "edited in the UI";
    const read = await provider.read!("drifty", outs);
    expect(read.id).toBe("drifty");
    expect(read.props.description).toBe("edited in the UI");
    expect(read.props.fullName).toBe("drifty org");
    expect(read.props.endpoint).toEqual(endpoint);
  });

  it("reads an organization deleted out of band as gone (empty id)", async () => {
    const outs = await created("vanished");
    gitea.orgs.delete("vanished");
    expect((await provider.read!("vanished", outs)).id).toBe("");
  });

  it("updates in place, sending back fields it does not manage", async () => {
    const outs = await created("edited");
    gitea.orgs.get("edited")!.location = "Basement";
    const news = inputs("edited", { description: "new", visibility: "limited" });
    const { outs: updated } = await provider.update!("edited", outs, news);
    expect(updated).toMatchObject({ description: "new", visibility: "limited", orgId: outs.orgId });
    const org = gitea.orgs.get("edited")!;
    expect(org).toMatchObject({ description: "new", visibility: "limited", location: "Basement" });
  });

  it("makes no call when only the endpoint (e.g. a rotated token) changed", async () => {
    const outs = await created("rotated");
    const before = gitea.writes().length;
    const basic = { url: gitea.url, username: gitea.username, password: gitea.password };
    const { outs: updated } = await provider.update!("rotated", outs, { ...outs, endpoint: basic });
    expect(gitea.writes().length).toBe(before);
    expect(updated.endpoint).toEqual(basic);
  });

  it("deletes, tolerates an organization already gone, and explains one that still owns repositories", async () => {
    const outs = await created("leaving");
    await provider.delete!("leaving", outs);
    expect(gitea.orgs.has("leaving")).toBe(false);
    await expect(provider.delete!("leaving", outs)).resolves.toBeUndefined();

    const owner = await created("owner");
    gitea.repos.set("owner/keep", {
      id: 999,
      owner: "owner",
      name: "keep",
      description: "",
      private: true,
      defaultBranch: "main",
      branches: new Map(),
      commits: [],
    });
    await expect(provider.delete!("owner", owner)).rejects.toThrow(
      /Deleting Gitea organization "owner" .*still owns repositories.*HTTP 500: user still has ownership of repositories/,
    );
  });
});

describe("giteaOrganizationProvider.diff", () => {
  const olds: GiteaOrganizationState = { ...inputs("hearth"), orgId: 7 } as GiteaOrganizationState;
  beforeAll(() => {
    olds.endpoint = endpoint;
  });

  it("renames in place on a new name: a replacement would delete its repositories", async () => {
    const diff = await provider.diff!("hearth", olds, { ...olds, name: "other" });
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("updates in place on display fields and the endpoint", async () => {
    for (const change of [
      { description: "x" },
      { fullName: "x" },
      { website: "https://x" },
      { visibility: "public" as const },
      { endpoint: { url: "https://other", token: "t" } },
    ]) {
      const diff = await provider.diff!("hearth", olds, { ...olds, ...change });
      expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    }
  });

  it("sees no change when nothing managed changed, whatever the serialized provider", async () => {
    const diff = await provider.diff!("hearth", olds, { ...olds, __provider: "new code" });
    expect(diff.changes).toBe(false);
  });

  it("never plans a replacement, even for a name not known yet", async () => {
    const diff = await provider.diff!("hearth", olds, { ...olds, name: UNKNOWN_VALUE });
    expect(diff.replaces).toEqual([]);
  });
});
