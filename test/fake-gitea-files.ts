/**
 * The fake Gitea's file routes (routers/api/v1/repo/file.go): read a file or a folder, and change several
 * files in one commit, checking each update's blob id as Gitea does. The server and its state are in
 * fake-gitea.ts.
 */
import { createHash } from "node:crypto";
import type { FakeGitea, FakeRepo, Reply } from "./fake-gitea";

/** The git blob id of a text, as Gitea reports it. */
export function blobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest("hex");
}

/** A file as Gitea's contents API answers it. */
export function contentsJson(g: FakeGitea, r: FakeRepo, path: string, content: string) {
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
    url: `${g.url}/api/v1/repos/${r.owner}/${r.name}/contents/${path}`,
    download_url: `${g.url}/${r.owner}/${r.name}/raw/branch/${r.defaultBranch}/${path}`,
  };
}

/** GET /repos/{owner}/{name}/contents/{path}: a file, or the entries of a folder. */
export function getContents(
  g: FakeGitea,
  owner: string,
  name: string,
  path: string,
  ref: string | null,
): Reply {
  const repo = g.repo(owner, name);
  if (!repo) return g.notFound();
  const files = repo.branches.get(ref ?? repo.defaultBranch);
  if (!files) return g.notFound(`object does not exist [id: ${ref}, rel_path: ]`);
  const content = files.get(path);
  if (content !== undefined) return [200, contentsJson(g, repo, path, content)];
  const prefix = `${path}/`;
  const children = [...files.keys()].filter((p) => p.startsWith(prefix));
  if (children.length > 0) {
    const names = [...new Set(children.map((p) => p.slice(prefix.length).split("/")[0]))];
    return [200, names.map((n) => ({ name: n, path: `${prefix}${n}`, type: "dir", sha: "" }))];
  }
  return g.notFound(`object does not exist [id: , rel_path: ${path}]`);
}

/** POST /repos/{owner}/{name}/contents: files created, updated and deleted in one commit. */
export function changeFiles(
  g: FakeGitea,
  owner: string,
  name: string,
  body: Record<string, never>,
): Reply {
  const repo = g.repo(owner, name);
  if (!repo) return g.notFound();
  const branch = (body["branch"] as string) || repo.defaultBranch;
  const files = repo.branches.get(branch);
  if (!files && repo.branches.size > 0) {
    return g.error(404, `branch does not exist [name: ${branch}]`);
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
      return g.error(422, `repository file already exists [path: ${op.path}]`);
    }
    if (op.operation === "update" || op.operation === "delete") {
      if (current === undefined) {
        return g.error(404, `repository file does not exist [path: ${op.path}]`);
      }
      if (!op.sha) {
        return g.error(422, "a SHA or commit ID must be provided when updating a file");
      }
      if (op.sha !== blobSha(current)) {
        return g.error(422, `sha does not match [given: ${op.sha}, expected: ${blobSha(current)}]`);
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
  const commit = g.commit(repo, branch, (body["message"] as string) || "Update files");
  return [
    201,
    {
      files: operations.map((op) =>
        op.operation === "delete" ? null : contentsJson(g, repo, op.path, next.get(op.path) ?? ""),
      ),
      commit: { sha: commit.sha, message: commit.message, html_url: `${g.url}/commit` },
      verification: { verified: false, reason: "gpg.error.not_signed_commit", signature: "" },
    },
  ];
}
