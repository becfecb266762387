import { FakeGitea, FakeRepo } from "../../test/fake-gitea";
import { blobSha } from "../../test/fake-gitea-files";
import { GiteaConnection } from "./gitea-client";
import {
  GiteaFilesInputs,
  GiteaFilesState,
  filePathProblem,
  filesProblems,
  giteaFilesProvider as provider,
  planFileOperations,
} from "./gitea-files";
import { UNKNOWN_VALUE } from "./property-diff";

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

/** A repository initialized as Gitea's auto_init does: a README on main. */
function repository(name: string): FakeRepo {
  const repo: FakeRepo = {
    id: 100 + gitea.repos.size,
    owner: "hearth",
    name,
    description: "",
    private: true,
    defaultBranch: "main",
    branches: new Map([["main", new Map([["README.md", `# ${name}\n\n`]])]]),
    commits: [{ sha: "0".repeat(40), message: "Initial commit", branch: "main" }],
  };
  gitea.repos.set(`hearth/${name}`, repo);
  return repo;
}

function inputs(repo: string, files: Record<string, string>): GiteaFilesInputs {
  return { endpoint, owner: "hearth", repo, branch: "main", files, message: "Seed (Hearth)" };
}

const seed = {
  "README.md": "# GitOps\n",
  "apps/argocd.yaml": "kind: Application\n",
  "workloads/argocd/README.md": "manifests\n",
};

describe("giteaFilesProvider CRUD against a Gitea API", () => {
  it("commits the files in one commit, updating the auto-init README by its sha", async () => {
    const repo = repository("seeded");
    const readmeSha = blobSha("# seeded\n\n");
    const { id, outs } = await provider.create(inputs("seeded", seed));
    expect(id).toBe("hearth/seeded@main");
    const post = gitea.requests.filter((r) => r.method === "POST").pop();
    expect(post?.path).toBe("/repos/hearth/seeded/contents");
    const body = post?.body as { branch: string; message: string; files: unknown[] };
    expect(body.branch).toBe("main");
    expect(body.message).toBe("Seed (Hearth)");
    expect(body.files).toEqual([
      { operation: "update", path: "README.md", content: b64("# GitOps\n"), sha: readmeSha },
      { operation: "create", path: "apps/argocd.yaml", content: b64("kind: Application\n") },
      { operation: "create", path: "workloads/argocd/README.md", content: b64("manifests\n") },
    ]);
    expect(Object.fromEntries(repo.branches.get("main")!)).toEqual(seed);
    expect(repo.commits).toHaveLength(2);
    expect((outs as GiteaFilesState).fileShas).toEqual({
      "README.md": blobSha("# GitOps\n"),
      "apps/argocd.yaml": blobSha("kind: Application\n"),
      "workloads/argocd/README.md": blobSha("manifests\n"),
    });
  });

  it("makes no commit when the branch already holds the files", async () => {
    const repo = repository("already");
    repo.branches.get("main")!.set("README.md", "# GitOps\n");
    const { outs } = await provider.create(inputs("already", { "README.md": "# GitOps\n" }));
    expect(repo.commits).toHaveLength(1);
    expect((outs as GiteaFilesState).fileShas["README.md"]).toBe(blobSha("# GitOps\n"));
  });

  it("reads unchanged files as they are, an edited one with its live text, a deleted one as absent", async () => {
    const repo = repository("drift");
    const { outs } = await provider.create(inputs("drift", seed));
    const state = outs as GiteaFilesState;
    expect((await provider.read!("hearth/drift@main", state)).props).toEqual(state);

    const files = repo.branches.get("main")!;
    files.set("apps/argocd.yaml", "kind: Application\n# edited in the UI\n");
    files.delete("workloads/argocd/README.md");
    const read = await provider.read!("hearth/drift@main", state);
    expect(read.props.files).toEqual({
      "README.md": "# GitOps\n",
      "apps/argocd.yaml": "kind: Application\n# edited in the UI\n",
    });
    expect(read.props.fileShas["apps/argocd.yaml"]).toBe(
      blobSha("kind: Application\n# edited in the UI\n"),
    );
    // The drifted state differs from the program, so the next up updates, and that restores the files.
    const diff = await provider.diff!("hearth/drift@main", read.props, inputs("drift", seed));
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const { outs: restored } = await provider.update!(
      "hearth/drift@main",
      read.props,
      inputs("drift", seed),
    );
    expect(Object.fromEntries(files)).toEqual(seed);
    expect(restored.fileShas).toEqual(state.fileShas);
  });

  it("reads the files of a repository deleted out of band as gone", async () => {
    repository("gone");
    const { outs } = await provider.create(inputs("gone", seed));
    gitea.repos.delete("hearth/gone");
    expect((await provider.read!("hearth/gone@main", outs)).id).toBe("");
  });

  it("updates in one commit: changed files by sha, new ones created, dropped ones deleted", async () => {
    const repo = repository("evolving");
    const { outs } = await provider.create(inputs("evolving", seed));
    const news = inputs("evolving", {
      "README.md": "# GitOps v2\n",
      "apps/argocd.yaml": "kind: Application\n",
      "apps/grafana.yaml": "kind: Application\n",
    });
    const commitsBefore = repo.commits.length;
    const { outs: updated } = await provider.update!("hearth/evolving@main", outs, news);
    expect(repo.commits.length).toBe(commitsBefore + 1);
    const body = gitea.requests.filter((r) => r.method === "POST").pop()?.body as {
      files: { operation: string; path: string }[];
    };
    expect(body.files.map((f) => `${f.operation} ${f.path}`)).toEqual([
      "update README.md",
      "create apps/grafana.yaml",
      "delete workloads/argocd/README.md",
    ]);
    expect(Object.fromEntries(repo.branches.get("main")!)).toEqual(news.files);
    expect(Object.keys(updated.fileShas).sort()).toEqual(Object.keys(news.files).sort());
  });

  it("changes nothing in Gitea when only the message or endpoint changed", async () => {
    const repo = repository("steady");
    const { outs } = await provider.create(inputs("steady", seed));
    const before = repo.commits.length;
    const { outs: updated } = await provider.update!("hearth/steady@main", outs, {
      ...inputs("steady", { ...seed }),
      message: "other words",
    });
    expect(repo.commits.length).toBe(before);
    expect(updated.message).toBe("other words");
  });

  it("removes only its own files on delete, and tolerates a repository already gone", async () => {
    const repo = repository("cleanup");
    repo.branches.get("main")!.set("operator-notes.md", "mine\n");
    const { outs } = await provider.create(inputs("cleanup", seed));
    await provider.delete!("hearth/cleanup@main", outs);
    expect([...repo.branches.get("main")!.keys()]).toEqual(["operator-notes.md"]);
    gitea.repos.delete("hearth/cleanup");
    await expect(provider.delete!("hearth/cleanup@main", outs)).resolves.toBeUndefined();
  });

  it("explains a branch that does not exist (Gitea's 404)", async () => {
    repository("nobranch");
    await expect(
      provider.create({ ...inputs("nobranch", seed), branch: "release" }),
    ).rejects.toThrow(
      /Committing 3 files to Gitea hearth\/nobranch@release: Gitea POST .*HTTP 404: branch does not exist \[name: release\]/,
    );
  });

  it("explains a file changed in Gitea between planning and committing (422 sha mismatch)", async () => {
    const repo = repository("racy");
    const files = repo.branches.get("main")!;
    // Someone edits README.md after the provider read its sha, just before the commit is handled.
    const original = gitea.requests.push.bind(gitea.requests);
    gitea.requests.push = (...items) => {
      const n = original(...items);
      if (items[0].method === "POST" && items[0].path.endsWith("/contents")) {
        files.set("README.md", "someone else\n");
      }
      return n;
    };
    try {
      await expect(provider.create(inputs("racy", { "README.md": "# GitOps\n" }))).rejects.toThrow(
        /HTTP 422: sha does not match/,
      );
    } finally {
      gitea.requests.push = original;
    }
  });
});

describe("giteaFilesProvider.check", () => {
  it("passes good inputs and unknown files through", async () => {
    const good = inputs("x", seed);
    expect(await provider.check!(good, good)).toEqual({ inputs: good });
    const unknown = { ...good, files: UNKNOWN_VALUE as unknown as Record<string, string> };
    expect(await provider.check!(unknown, unknown)).toEqual({ inputs: unknown });
  });

  it("fails bad paths, non-string content and an empty branch, each with a reason", async () => {
    const bad = {
      ...inputs("x", { "/abs.yaml": "a", "a/../b": "b", "ok.yaml": 3 as unknown as string }),
      branch: "",
    };
    const result = await provider.check!(bad, bad);
    expect(result.failures).toEqual([
      { property: "files", reason: '"/abs.yaml": the path must not start or end with /' },
      { property: "files", reason: '"a/../b": the path must not contain empty, . or .. segments' },
      { property: "files", reason: '"ok.yaml": the content must be a string' },
      { property: "branch", reason: "branch must be a non-empty string" },
    ]);
  });
});

describe("giteaFilesProvider.diff", () => {
  const olds = () => ({ ...inputs("gitops", seed), fileShas: {} }) as GiteaFilesState;

  it("replaces when the files move to another branch", async () => {
    const diff = await provider.diff!("x", olds(), { ...olds(), branch: "elsewhere" });
    expect(diff).toEqual({ changes: true, replaces: ["branch"], deleteBeforeReplace: false });
  });

  it("follows a renamed or moved repository in place: a replacement would delete the files through Gitea's redirect", async () => {
    for (const change of [{ repo: "renamed" }, { owner: "renamed-org" }]) {
      const diff = await provider.diff!("x", olds(), { ...olds(), ...change });
      expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    }
  });

  it("updates in place when content, message or endpoint change", async () => {
    for (const change of [
      { files: { ...seed, "README.md": "new" } },
      { message: "x" },
      { endpoint: { url: "https://other", token: "t" } },
    ]) {
      const diff = await provider.diff!("x", olds(), { ...olds(), ...change });
      expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    }
  });

  it("sees no change for the same files in another key order", async () => {
    const reordered = Object.fromEntries(Object.entries(seed).reverse());
    expect((await provider.diff!("x", olds(), { ...olds(), files: reordered })).changes).toBe(
      false,
    );
  });
});

describe("pure helpers", () => {
  it("plans create, update and delete only where the branch differs", () => {
    const ops = planFileOperations(
      { "same.txt": "s1", "old.txt": "o1", "gone.txt": "g1", "dropped.txt": undefined },
      { "same.txt": "same", "old.txt": "new", "fresh.txt": "fresh" },
      { "same.txt": "s1", "old.txt": "o2", "fresh.txt": "f1" },
      ["gone.txt", "dropped.txt"],
    );
    expect(ops).toEqual([
      { operation: "create", path: "fresh.txt", content: b64("fresh") },
      { operation: "update", path: "old.txt", content: b64("new"), sha: "o1" },
      { operation: "delete", path: "gone.txt", sha: "g1" },
    ]);
  });

  it("accepts ordinary paths and names what is wrong with the others", () => {
    expect(filePathProblem("apps/argocd.yaml")).toBeUndefined();
    expect(filePathProblem("")).toBe("the path is empty");
    expect(filePathProblem("a\\b")).toMatch(/not \\/);
    expect(filePathProblem(".git/config")).toBe("the path must not be inside .git");
    expect(filesProblems(["a"])).toEqual([
      "files must be an object mapping repository paths to file contents",
    ]);
  });
});

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}
