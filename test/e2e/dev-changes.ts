/**
 * `npm run test:e2e`'s changes to the running dev stack: a setting, the GitOps repository's name, an interrupted
 * and a killed up, and the destroy that ends the run.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { catalogue } from "../../apps";
import { destroyAll, devApps, E2eContext } from "./dev-context";
import { changesIn, gitea, kube, kubectl, onNode, sandboxDir } from "./harness";

/** One app's setting changed: exactly its release is updated. */
export async function settingChanged(c: E2eContext): Promise<boolean | void> {
  const { run } = c;
  const { check, pulumi, configFile } = run;
  const d = parseDocument(readFileSync(configFile, "utf8"));
  // Only Homepage's entry: the dev stack's other settings (Traefik's image and node) stay as they are.
  d.setIn(["config", "hearth:apps", "settings", "homepage"], {
    values: { config: { settings: { title: "Hearth (e2e)" } } },
  });
  writeFileSync(configFile, d.toString());
  const p = await pulumi("preview-change", ["preview", "--json"]);
  const changes = changesIn(p.out);
  check(
    "the preview updates exactly the homepage release",
    JSON.stringify(changes) === JSON.stringify({ update: ["hearth-homepage-release"] }),
    JSON.stringify(changes),
  );
  const u = await pulumi("up-change", ["up", "--yes", "--skip-preview"]);
  check("the change applies", u.code === 0, u.out.slice(-2000));
  const cm = kube(["-n", "homepage", "get", "configmap", "-o", "json"]);
  check("the new title is in the cluster", cm.includes("Hearth (e2e)"));
  const again = await pulumi("preview-after-change", ["preview", "--expect-no-changes"]);
  return check("after it, nothing more changes", again.code === 0, again.out.slice(-2000));
}

/** Argo CD's Gitea credential reads the GitOps repository and can do nothing else. */
export async function argoReader(c: E2eContext): Promise<boolean | void> {
  const { run } = c;
  const { check } = run;
  const secret = JSON.parse(
    kube(["-n", "argocd", "get", "secret", "gitops-repo", "-o", "json"]),
  ) as {
    data: Record<string, string>;
  };
  const field = (k: string) => Buffer.from(secret.data[k] ?? "", "base64").toString();
  const user = field("username");
  const auth = `Basic ${Buffer.from(`${user}:${field("password")}`).toString("base64")}`;
  const base = readFileSync(join(sandboxDir, "gitea", "url"), "utf8").trim();
  const read = await fetch(`${base}/api/v1/repos/hearth/gitops/contents/README.md`, {
    headers: { authorization: auth },
  });
  const write = await fetch(`${base}/api/v1/repos/hearth/gitops/contents/pwned.md`, {
    method: "POST",
    headers: { authorization: auth, "content-type": "application/json" },
    body: JSON.stringify({
      content: Buffer.from("no").toString("base64"),
      message: "should be refused",
    }),
  });
  const admin = await fetch(`${base}/api/v1/admin/users`, { headers: { authorization: auth } });
  check("Argo CD clones as the reader user, not the admin", user === "hearth-argocd", user);
  check("the reader can read the GitOps repository", read.status === 200, String(read.status));
  return check(
    "the reader can neither push nor use the admin API",
    write.status === 403 && admin.status === 403,
    `push ${write.status}, admin ${admin.status}`,
  );
}

/** The GitOps repository renamed in place, keeping its history. */
export async function repoRenamed(c: E2eContext): Promise<boolean | void> {
  const { run } = c;
  const { check, pulumi, configFile } = run;
  const commits = async (repo: string) =>
    ((await gitea(`/repos/hearth/${repo}/commits?limit=50`)).body as { sha: string }[]).map(
      (c) => c.sha,
    );
  const before = await commits("gitops");
  const d = parseDocument(readFileSync(configFile, "utf8"));
  d.setIn(["config", "hearth:gitea", "repo"], "gitops-renamed");
  writeFileSync(configFile, d.toString());
  const p = await pulumi("preview-rename", ["preview", "--json"]);
  const changes = changesIn(p.out);
  // The repository, its organization and its files are never replaced; Argo CD's repository Secret, whose URL
  // changes, is updated in place too (the providers' enableSecretMutable).
  const gone = [
    ...(changes.replace ?? []),
    ...(changes.delete ?? []),
    ...(changes["create-replacement"] ?? []),
  ];
  check(
    "the preview renames the repository in place: neither it nor its files are replaced or deleted",
    (changes.update ?? []).includes("hearth-gitops-repo") &&
      !gone.some((r) => /^hearth-(gitops-(repo|files|org)|argocd-gitops-repo)$/.test(r)),
    JSON.stringify(changes),
  );
  const u = await pulumi("up-rename", ["up", "--yes", "--skip-preview"]);
  check("the rename applies", u.code === 0, u.out.slice(-2000));
  const after = await commits("gitops-renamed");
  check(
    "the renamed repository keeps every commit, and the seed files are still there",
    before.length > 0 &&
      before.every((sha) => after.includes(sha)) &&
      (await gitea("/repos/hearth/gitops-renamed/contents/README.md")).status === 200,
    `${before.length} commits before, ${after.length} after`,
  );
  const again = await pulumi("preview-after-rename", ["preview", "--expect-no-changes"]);
  return check("after it, nothing more changes", again.code === 0, again.out.slice(-2000));
}

/** An up interrupted mid-run (SIGINT), then re-run: it converges with no state edits. */
export async function interruptedUp(c: E2eContext): Promise<boolean | void> {
  const { run } = c;
  const { check, pulumi } = run;
  // The data Hearth keeps through a destroy (the data apps' namespaces, the GitOps repository) stays, and the
  // next run adopts it.
  const down = await destroyAll(run, "before-interrupt");
  check("destroy before the interrupted run", down.code === 0, down.out.slice(-2000));
  const cut = await pulumi("up-interrupted", ["up", "--yes", "--skip-preview"], {
    // Mid-run: some resources created, releases still installing.
    killWhen: (out) => (out.match(/ created \(/g) ?? []).length >= 20,
  });
  check(
    "the up was interrupted with SIGINT mid-run",
    cut.killed && cut.code !== 0,
    `code ${cut.code}`,
  );
  const rerun = await pulumi("up-after-interrupt", ["up", "--yes", "--skip-preview"]);
  check("the re-run converges with no state edits", rerun.code === 0, rerun.out.slice(-3000));
  const quiet = await pulumi("preview-after-interrupt", ["preview", "--expect-no-changes"]);
  return check("and then reports no changes", quiet.code === 0, quiet.out.slice(-2000));
}

/** An up killed mid-run (SIGKILL), then re-run after pulumi cancel (opt-in: HEARTH_E2E_SIGKILL=1). */
export async function killedUp(c: E2eContext): Promise<boolean | void> {
  const { run } = c;
  const { check, pulumi } = run;
  const down = await destroyAll(run, "before-kill");
  check("destroy before the killed run", down.code === 0, down.out.slice(-2000));
  const cut = await pulumi("up-killed", ["up", "--yes", "--skip-preview"], {
    killWhen: (out) => (out.match(/ created \(/g) ?? []).length >= 20,
    signal: "SIGKILL",
  });
  check("the up was killed mid-run", cut.killed && cut.code === null, `code ${cut.code}`);
  // A killed CLI leaves its plugins and the file backend's lock behind; `pulumi cancel` releases the lock.
  spawnSync("pkill", [
    "-KILL",
    "-f",
    "pulumi-language-nodejs|pulumi-resource-kubernetes|pulumi-resource-hearth|dynamic-provider",
  ]);
  const cancel = await pulumi("cancel-after-kill", ["cancel", "--yes"], { configFile: false });
  check("pulumi cancel releases the killed run's lock", cancel.code === 0, cancel.out);
  const rerun = await pulumi("up-after-kill", ["up", "--yes", "--skip-preview"]);
  check(
    "the re-run converges, adopting what the killed run created",
    rerun.code === 0,
    rerun.out.slice(-3000),
  );
  // The engine keeps the killed run's pending creates until a refresh drops them.
  const clear = await pulumi("refresh-clear-pending", [
    "refresh",
    "--yes",
    "--clear-pending-creates",
  ]);
  check(
    "refresh --clear-pending-creates drops the killed run's records",
    clear.code === 0,
    clear.out.slice(-2000),
  );
  const quiet = await pulumi("preview-after-kill", ["preview", "--expect-no-changes"]);
  check("and then reports no changes", quiet.code === 0, quiet.out.slice(-2000));
  return check(
    "with no pending operation left",
    !/pending operations/.test(quiet.out),
    quiet.out.slice(-1000),
  );
}

/** Destroy: it stops at the protected password, then leaves only the data kept on purpose. */
export async function destroyPhase(c: E2eContext): Promise<boolean | void> {
  const { run, canary } = c;
  const { check, pulumi } = run;
  const stopped = await pulumi("destroy-protected", ["destroy", "--yes"]);
  check(
    "pulumi destroy stops at the protected backup repository password",
    stopped.code !== 0 && /protected/.test(stopped.out),
    stopped.out.slice(-2000),
  );
  const r = await destroyAll(run, "final");
  check("with it unprotected, pulumi destroy succeeds", r.code === 0, r.out.slice(-3000));
  const namespaces = kube(["get", "namespaces", "-o", "jsonpath={.items[*].metadata.name}"]).split(
    " ",
  );
  const left = namespaces
    .filter((n) => !["default", "kube-system", "kube-public", "kube-node-lease"].includes(n))
    .sort();
  const kept = devApps(run)
    .filter((a) => catalogue[a]?.keepsData && a !== "argocd")
    .sort();
  check(
    `only the namespaces of the apps that keep data are left: ${kept.join(", ")}`,
    JSON.stringify(left) === JSON.stringify(kept),
    left.join(" "),
  );
  check(
    "the GitOps repository is left in Gitea, with its history",
    (await gitea("/repos/hearth/gitops-renamed")).status === 200,
  );
  for (const ns of left) kube(["delete", "namespace", ns, "--wait=true"]);
  await gitea("/repos/hearth/gitops-renamed", { method: "DELETE" });
  await gitea("/orgs/hearth", { method: "DELETE" });
  const crs = spawnSync(kubectl, [
    "--kubeconfig",
    join(sandboxDir, "kubeconfig"),
    "get",
    "clusterissuers,applications",
    "-A",
  ]);
  check(
    "no Hearth custom resource is left",
    !/hearth/.test(crs.stdout.toString()),
    crs.stdout.toString(),
  );
  check("no GitOps organization is left in Gitea", (await gitea("/orgs/hearth")).status === 404);
  const apps = await gitea("/user/applications/oauth2");
  check(
    "no OAuth2 application is left in Gitea",
    Array.isArray(apps.body) && apps.body.length === 0,
  );
  for (const node of ["node-1", "node-2", "node-3"]) {
    const state = onNode(
      node,
      "ls /etc/sysctl.d /etc/modules-load.d 2>/dev/null; cat ~/.ssh/authorized_keys",
    );
    check(`${node}: Hearth's files are gone`, !state.includes("90-hearth-k3s.conf"), state);
    check(
      `${node}: only the login key is authorized again`,
      !state.includes(canary) &&
        state
          .trim()
          .split("\n")
          .filter((l) => l.startsWith("ssh-")).length === 1,
      state,
    );
  }
}
