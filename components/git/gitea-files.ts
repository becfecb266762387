import * as pulumi from "@pulumi/pulumi";
import { GiteaEndpoint } from "../types";
import {
  GiteaConnection,
  encodeFilePath,
  encodeSegment,
  giteaFind,
  giteaRequest,
  gitBlobSha,
  objectFormatOf,
  withContext,
} from "./gitea-client";
import type { GiteaContents, GiteaFileOperation, GiteaFilesResponse, GiteaRepo } from "./gitea-api";
import { UNKNOWN_VALUE, canonicalJson, diffProperties } from "./property-diff";

/** What the files provider receives, every input resolved. */
export interface GiteaFilesInputs {
  endpoint: GiteaConnection;
  owner: string;
  repo: string;
  branch: string;
  /** Repository path -> UTF-8 content. */
  files: Record<string, string>;
  message: string;
}

/** What the files provider keeps in state. */
export interface GiteaFilesState extends GiteaFilesInputs {
  /** Repository path -> git blob id Gitea reported for it, what drift is detected against. */
  fileShas: Record<string, string>;
}

/** A new branch is new files there and the removal of the old ones; a moved repository keeps its files. */
const FILES_DIFF = {
  // A renamed or moved repository (a new name, its organization renamed) keeps its files: an update writes
  // to the new place. A replacement would remove the files through the old place, which Gitea redirects to the
  // moved repository.
  replaceOn: ["branch"],
  updateOn: ["owner", "repo", "files", "message", "endpoint"],
};

/** Why a repository path cannot be committed, or undefined when it can. */
export function filePathProblem(path: string): string | undefined {
  if (path === "") return "the path is empty";
  if (path.startsWith("/") || path.endsWith("/")) return "the path must not start or end with /";
  if (path.includes("\\")) return "the path must use / as separator, not \\";
  const segments = path.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    return "the path must not contain empty, . or .. segments";
  }
  if (segments[0] === ".git") return "the path must not be inside .git";
  return undefined;
}

/** Problems with a `files` input, one line each; empty when it can be committed as it is. */
export function filesProblems(files: unknown): string[] {
  if (files === UNKNOWN_VALUE) return [];
  if (files === null || typeof files !== "object" || Array.isArray(files)) {
    return ["files must be an object mapping repository paths to file contents"];
  }
  const problems: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    const problem = filePathProblem(path);
    if (problem) problems.push(`${JSON.stringify(path)}: ${problem}`);
    if (typeof content !== "string") {
      problems.push(`${JSON.stringify(path)}: the content must be a string`);
    }
  }
  return problems;
}

/**
 * The operations that make a branch hold `desired` and no longer hold `removed`, given the blob id each path
 * has there now (undefined: absent). Files already right are left alone, so a commit only carries changes.
 */
export function planFileOperations(
  live: Record<string, string | undefined>,
  desired: Record<string, string>,
  desiredShas: Record<string, string>,
  removed: string[],
): GiteaFileOperation[] {
  const operations: GiteaFileOperation[] = [];
  for (const path of Object.keys(desired).sort()) {
    const content = Buffer.from(desired[path], "utf8").toString("base64");
    const current = live[path];
    if (current === undefined) operations.push({ operation: "create", path, content });
    else if (current !== desiredShas[path]) {
      operations.push({ operation: "update", path, content, sha: current });
    }
  }
  for (const path of [...removed].sort()) {
    const current = live[path];
    if (current !== undefined && !(path in desired)) {
      operations.push({ operation: "delete", path, sha: current });
    }
  }
  return operations;
}

function contentsPath(owner: string, repo: string, path: string, branch: string): string {
  const repoPath = `/repos/${encodeSegment(owner)}/${encodeSegment(repo)}`;
  return `${repoPath}/contents/${encodeFilePath(path)}?ref=${encodeURIComponent(branch)}`;
}

/** The file at `path` on `branch`, or undefined when there is none (absent, or a directory). */
async function liveFile(
  conn: GiteaConnection,
  owner: string,
  repo: string,
  branch: string,
  path: string,
): Promise<GiteaContents | undefined> {
  const found = await giteaFind<GiteaContents | GiteaContents[]>(
    conn,
    contentsPath(owner, repo, path, branch),
  );
  return found && !Array.isArray(found) && found.type === "file" ? found : undefined;
}

/** Commits what it takes for the branch to match; returns the blob id of every desired file. */
async function syncFiles(
  inputs: GiteaFilesInputs,
  removed: string[],
  message: string,
): Promise<Record<string, string>> {
  const { endpoint, owner, repo, branch, files } = inputs;
  const live: Record<string, string | undefined> = {};
  for (const path of [...Object.keys(files), ...removed]) {
    live[path] = (await liveFile(endpoint, owner, repo, branch, path))?.sha;
  }
  const desiredShas: Record<string, string> = {};
  for (const [path, content] of Object.entries(files)) {
    const current = live[path];
    desiredShas[path] = await gitBlobSha(content, current ? objectFormatOf(current) : "sha1");
  }
  const operations = planFileOperations(live, files, desiredShas, removed);
  if (operations.length > 0) {
    const answer = await giteaRequest<GiteaFilesResponse>(
      endpoint,
      "POST",
      `/repos/${encodeSegment(owner)}/${encodeSegment(repo)}/contents`,
      { body: { branch, message, files: operations } },
    );
    // Gitea answers one entry per operation, in order; its blob ids are the ones drift is checked against.
    operations.forEach((op, i) => {
      const written = answer.files?.[i];
      if (op.operation !== "delete" && written?.sha) desiredShas[op.path] = written.sha;
    });
  }
  return desiredShas;
}

/**
 * The dynamic provider behind `GiteaFiles`. Serialized by closure into the state, so it captures only the
 * import-free client and diff helpers and the pure functions above.
 */
export const giteaFilesProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: GiteaFilesInputs, news: GiteaFilesInputs) {
    const failures = filesProblems(news.files).map((reason) => ({ property: "files", reason }));
    for (const key of ["owner", "repo", "branch"] as const) {
      if (typeof news[key] !== "string" || news[key] === "") {
        failures.push({ property: key, reason: `${key} must be a non-empty string` });
      }
    }
    return failures.length > 0 ? { failures } : { inputs: news };
  },

  async diff(_id: string, olds: GiteaFilesState, news: GiteaFilesInputs) {
    return diffProperties({ ...olds }, { ...news }, FILES_DIFF);
  },

  async create(inputs: GiteaFilesInputs) {
    const where = `${inputs.owner}/${inputs.repo}@${inputs.branch}`;
    let fileShas: Record<string, string>;
    try {
      fileShas = await syncFiles(inputs, [], inputs.message);
    } catch (e) {
      throw withContext(
        e,
        `Committing ${Object.keys(inputs.files).length} files to Gitea ${where}`,
      );
    }
    const outs: GiteaFilesState = { ...inputs, fileShas };
    return { id: where, outs };
  },

  async read(id: string, props: GiteaFilesState) {
    const { endpoint, owner, repo, branch } = props;
    const repoPath = `/repos/${encodeSegment(owner)}/${encodeSegment(repo)}`;
    // The repository deleted out of band takes the files with it: an empty id tells the engine they are gone.
    if (!(await giteaFind<GiteaRepo>(endpoint, repoPath))) return { id: "", props: {} };
    const files: Record<string, string> = {};
    const fileShas: Record<string, string> = {};
    for (const [path, content] of Object.entries(props.files ?? {})) {
      const file = await liveFile(endpoint, owner, repo, branch, path);
      if (!file) continue; // deleted in Gitea: absent from state, so the next update recreates it
      const known = props.fileShas?.[path] ?? (await gitBlobSha(content, objectFormatOf(file.sha)));
      fileShas[path] = file.sha;
      if (file.sha === known) files[path] = content;
      else if (file.encoding === "base64" && typeof file.content === "string") {
        // Edited in Gitea: state takes the live text, so the diff shows it and the next update restores ours.
        files[path] = Buffer.from(file.content, "base64").toString("utf8");
      } else files[path] = `(changed in Gitea to blob ${file.sha}, too large to show)`;
    }
    const live: GiteaFilesState = { ...props, files, fileShas };
    return { id, props: live };
  },

  async update(id: string, olds: GiteaFilesState, news: GiteaFilesInputs) {
    const removed = Object.keys(olds.files ?? {}).filter((path) => !(path in news.files));
    const unchanged =
      olds.repo === news.repo &&
      olds.owner === news.owner &&
      removed.length === 0 &&
      canonicalJson(olds.files) === canonicalJson(news.files) &&
      olds.fileShas !== undefined;
    if (unchanged) return { outs: { ...news, fileShas: olds.fileShas } };
    let fileShas: Record<string, string>;
    try {
      fileShas = await syncFiles(news, removed, news.message);
    } catch (e) {
      throw withContext(e, `Committing file changes to Gitea ${id}`);
    }
    const outs: GiteaFilesState = { ...news, fileShas };
    return { outs };
  },

  async delete(id: string, props: GiteaFilesState) {
    const { endpoint, owner, repo } = props;
    const repoPath = `/repos/${encodeSegment(owner)}/${encodeSegment(repo)}`;
    try {
      if (!(await giteaFind<GiteaRepo>(endpoint, repoPath))) return; // the repository went first
      const remaining = { ...props, files: {} };
      await syncFiles(remaining, Object.keys(props.files ?? {}), "Remove files managed by Hearth");
    } catch (e) {
      throw withContext(e, `Removing managed files from Gitea ${id}`);
    }
  },
};

/** Arguments of `GiteaFiles`. */
export interface GiteaFilesArgs {
  /** Gitea's URL and admin credentials; kept secret in state. */
  endpoint: GiteaEndpoint;
  /** Owner (organization or user) of the repository; the organization renamed updates it in place. */
  owner: pulumi.Input<string>;
  /** Repository name; a rename of the repository updates it in place. */
  repo: pulumi.Input<string>;
  /** Branch the files are committed to; it must exist. @default "main" */
  branch?: pulumi.Input<string>;
  /** Repository path (`apps/argocd.yaml`) -> UTF-8 content. Other files in the repository are left alone. */
  files: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Message of the commits that bring the files up to date. @default "Update files managed by Hearth" */
  message?: pulumi.Input<string>;
}

/**
 * Files kept in a Gitea repository branch: create and update commit what differs, in one commit; refresh
 * compares blob ids, so an edit made in Gitea shows up as drift and the next update puts the content back;
 * delete removes the files. Its id is `owner/repo@branch`.
 */
export class GiteaFiles extends pulumi.dynamic.Resource {
  // `declare`: the base constructor sets the outputs, and an initialized field would overwrite them.
  declare public readonly owner: pulumi.Output<string>;
  declare public readonly repo: pulumi.Output<string>;
  declare public readonly branch: pulumi.Output<string>;
  /** Repository path -> content, as last committed (or as found in Gitea after a refresh). */
  declare public readonly files: pulumi.Output<Record<string, string>>;
  /** Repository path -> git blob id in Gitea. */
  declare public readonly fileShas: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: GiteaFilesArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      giteaFilesProvider,
      name,
      {
        endpoint: pulumi.secret(args.endpoint),
        owner: args.owner,
        repo: args.repo,
        branch: args.branch ?? "main",
        files: args.files,
        message: args.message ?? "Update files managed by Hearth",
        fileShas: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["endpoint"] }),
      "hearth",
      "GiteaFiles",
    );
  }
}
