/** The shapes of Gitea's REST API objects, as far as Hearth reads them (types only: nothing at run time). */

/** Gitea's `Organization` object, the fields Hearth reads. */
export interface GiteaOrg {
  id: number;
  name?: string;
  username: string;
  full_name: string;
  description: string;
  website: string;
  location: string;
  email?: string;
  visibility: "public" | "limited" | "private";
}

/** Gitea's `Repository` object, the fields Hearth reads. */
export interface GiteaRepo {
  id: number;
  owner: { login: string };
  name: string;
  full_name: string;
  description: string;
  private: boolean;
  empty: boolean;
  default_branch: string;
  clone_url: string;
  ssh_url: string;
  html_url: string;
}

/** Gitea's `OAuth2Application`; `client_secret` is only filled on create and on update. */
export interface GiteaOAuth2App {
  id: number;
  name: string;
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  confidential_client: boolean;
}

/** Gitea's `ContentsResponse` for one file (a directory answers with an array instead). */
export interface GiteaContents {
  name: string;
  path: string;
  sha: string;
  type: "file" | "dir" | "symlink" | "submodule";
  size: number;
  encoding?: string | null;
  content?: string | null;
}

/** One operation of `POST /repos/{owner}/{repo}/contents` (`ChangeFileOperation`). */
export interface GiteaFileOperation {
  operation: "create" | "update" | "delete";
  path: string;
  /** Base64 content, for create and update. */
  content?: string;
  /** Blob id of the file being replaced or deleted. */
  sha?: string;
}

/** Gitea's `FilesResponse`: one entry per operation (null for deletes) and the commit made. */
export interface GiteaFilesResponse {
  files: (GiteaContents | null)[] | null;
  commit: { sha: string; message?: string } | null;
}
