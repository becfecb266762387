import { parse } from "yaml";
import { filesProblems } from "./gitea-files";
import { gitopsSeedFiles, gitopsSeedProblems } from "./seed";

describe("gitopsSeedFiles", () => {
  const files = gitopsSeedFiles({
    domain: "home.example.org",
    apps: ["nextcloud", { name: "grafana", namespace: "observability" }],
  });

  it("lays out a README, the apps/ folder with one Application per app, and a workloads/ folder each", () => {
    expect(Object.keys(files).sort()).toEqual([
      "README.md",
      "apps/README.md",
      "apps/grafana.yaml",
      "apps/nextcloud.yaml",
      "workloads/grafana/README.md",
      "workloads/nextcloud/README.md",
    ]);
    // Every path is one the GiteaFiles provider accepts.
    expect(filesProblems(files)).toEqual([]);
  });

  it("renders ArgoCD Applications that parse as YAML and point at the app's folder and namespace", () => {
    const app = parse(files["apps/grafana.yaml"]);
    expect(app).toEqual({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: {
        name: "grafana",
        namespace: "argocd",
        labels: { "app.kubernetes.io/managed-by": "hearth" },
      },
      spec: {
        project: "hearth-apps",
        source: {
          repoURL: "https://git.home.example.org/hearth/gitops.git",
          targetRevision: "main",
          path: "workloads/grafana",
          directory: { recurse: true },
        },
        destination: { server: "https://kubernetes.default.svc", namespace: "observability" },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    });
    expect(parse(files["apps/nextcloud.yaml"]).spec.destination.namespace).toBe("nextcloud");
    expect(files["apps/nextcloud.yaml"]).toMatch(/^# Hearth writes this file/);
  });

  it("takes the repository URL, branch and ArgoCD namespace when given", () => {
    const custom = gitopsSeedFiles({
      domain: "lab.example.net",
      apps: ["wiki"],
      repoUrl: "https://gitea.lab.example.net/infra/state.git",
      branch: "production",
      argocdNamespace: "gitops",
    });
    const app = parse(custom["apps/wiki.yaml"]);
    expect(app.metadata.namespace).toBe("gitops");
    expect(app.spec.source).toMatchObject({
      repoURL: "https://gitea.lab.example.net/infra/state.git",
      targetRevision: "production",
    });
    expect(custom["README.md"]).toContain("Commit to `production`");
  });

  it("writes a README naming the domain and listing every app with its namespace and folder", () => {
    const readme = files["README.md"];
    expect(readme).toMatch(/^# GitOps state of home\.example\.org\n/);
    expect(readme).toContain("| grafana | observability | `workloads/grafana/` |");
    expect(readme).toContain("| nextcloud | nextcloud | `workloads/nextcloud/` |");
    expect(readme).toContain("(in namespace `argocd`)");
    expect(files["workloads/grafana/README.md"]).toContain("namespace `observability`");
  });

  it("keeps apps/ present with no apps, so the root Application's path exists", () => {
    const empty = gitopsSeedFiles({ domain: "home.example.org", apps: [] });
    expect(Object.keys(empty).sort()).toEqual(["README.md", "apps/README.md"]);
    expect(empty["README.md"]).toContain("No apps yet");
  });

  it("is deterministic whatever the order of the apps", () => {
    const reversed = gitopsSeedFiles({
      domain: "home.example.org",
      apps: [{ name: "grafana", namespace: "observability" }, "nextcloud"],
    });
    expect(reversed).toEqual(files);
  });
});

describe("gitopsSeedProblems", () => {
  it("reports every problem at once", () => {
    const args = {
      domain: "not a domain",
      apps: ["Nextcloud", "wiki", "wiki", { name: "ok", namespace: "Bad_NS" }],
      repoUrl: "ftp://x",
      branch: "a..b",
      argocdNamespace: "Argo",
    };
    expect(gitopsSeedProblems(args)).toEqual([
      'domain "not a domain" is not a domain name like home.example.org',
      'app name "Nextcloud" is not a DNS label (lowercase letters, digits, -; at most 63)',
      'app "wiki" is listed twice',
      'namespace "Bad_NS" of app ok is not a DNS label',
      'repoUrl "ftp://x" is not a git URL (https://, ssh:// or git@)',
      'branch "a..b" is not a valid branch name',
      'argocdNamespace "Argo" is not a DNS label',
    ]);
    expect(() => gitopsSeedFiles(args)).toThrow(
      /^Cannot seed the GitOps repository:\n {2}- domain "not a domain"/,
    );
  });

  it("accepts ordinary arguments", () => {
    expect(
      gitopsSeedProblems({
        domain: "home.example.org",
        apps: ["a", "b-2"],
        repoUrl: "git@git.home.example.org:hearth/gitops.git",
        branch: "release/v1",
      }),
    ).toEqual([]);
  });
});
