import * as pulumi from "@pulumi/pulumi";
import {
  find,
  installMocks,
  isSecret,
  isSecretInput,
  settle,
  unwrap,
  testPlatform,
  reveal,
} from "../../test/mocks";

const HASH = "$2a$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0";

installMocks((args) =>
  args.type === "hearth:secrets:GeneratedPassword"
    ? { result: "planted-argo-admin-pw", bcryptHash: HASH }
    : undefined,
);

/* eslint-disable @typescript-eslint/no-explicit-any */

describe("argoCdValues", () => {
  it("serves plain HTTP behind the ingress with the hashed admin password", async () => {
    const { argoCdValues } = await import("./values");
    const v = argoCdValues({
      hostname: "argocd.home.example.org",
      adminPasswordBcrypt: HASH,
    }) as any;
    expect(v.configs.params["server.insecure"]).toBe(true);
    expect(v.configs.secret.argocdServerAdminPassword).toBe(HASH);
    expect(v.server.ingress.enabled).toBe(false);
    expect(v.dex.enabled).toBe(false);
    expect(v.global.domain).toBe("argocd.home.example.org");
    expect(v.fullnameOverride).toBe("argocd");
  });

  it("refuses a password that is not a bcrypt hash", async () => {
    const { argoCdValues } = await import("./values");
    expect(() => argoCdValues({ hostname: "h", adminPasswordBcrypt: "hunter2" })).toThrow(
      /bcrypt hash/,
    );
  });
});

describe("repositorySecretData and rootApplicationSpec", () => {
  it("registers an HTTPS git repository with the token as password", async () => {
    const { repositorySecretData } = await import("./gitops");
    expect(repositorySecretData("https://git.example.org/hearth/gitops.git", "u", "t")).toEqual({
      type: "git",
      url: "https://git.example.org/hearth/gitops.git",
      username: "u",
      password: "t",
    });
    expect(() => repositorySecretData("git@git.example.org:hearth/gitops.git", "u", "t")).toThrow(
      /not an https/,
    );
    // Plain HTTP crosses no network only on loopback (the sandbox's Gitea).
    expect(repositorySecretData("http://127.0.0.1:13000/hearth/gitops.git", "u", "t").url).toBe(
      "http://127.0.0.1:13000/hearth/gitops.git",
    );
    expect(() =>
      repositorySecretData("http://git.example.org/hearth/gitops.git", "u", "t"),
    ).toThrow(/plain http only to a loopback address/);
  });

  it("syncs the path automatically into the cluster Argo CD runs in", async () => {
    const { rootApplicationSpec } = await import("./gitops");
    expect(rootApplicationSpec("https://r", "apps", "HEAD", "argocd")).toEqual({
      project: "hearth-root",
      source: { repoURL: "https://r", path: "apps", targetRevision: "HEAD" },
      destination: { server: "https://kubernetes.default.svc", namespace: "argocd" },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    });
  });
});

describe("argocd recipe", () => {
  it("deploys the chart, the repository Secret and a root Application after the release", async () => {
    const { deploy, meta } = await import("./index");
    const deployed = deploy("argocd", {
      platform: await testPlatform(),
      extra: {
        repoUrl: "https://git.home.example.org/hearth/gitops.git",
        repoToken: pulumi.secret("planted-repo-token"),
        protectedNamespaces: ["gitea", "traefik"],
      },
    });
    await settle();

    const component = find("hearth:apps:ArgoCd", "argocd");
    const password = find("hearth:secrets:GeneratedPassword", "argocd-admin-password");
    expect(password.parent).toBe(component.urn);
    const helmApp = find("hearth:app:HelmApp", "argocd");
    expect(helmApp.parent).toBe(component.urn);

    const release = find("kubernetes:helm.sh/v3:Release", "argocd-release");
    expect(release.inputs.chart).toBe("argo-cd");
    expect(release.inputs.version).toBe(meta.chart.version);
    expect(release.inputs.repositoryOpts).toEqual({ repo: "https://argoproj.github.io/argo-helm" });
    expect(isSecretInput(release, "values")).toBe(true);
    const values = reveal(release.inputs.values);
    expect(values.server.ingress.enabled).toBe(false);
    expect(values.configs.params["server.insecure"]).toBe(true);
    expect(values.configs.secret.argocdServerAdminPassword).toBe(HASH);
    expect(JSON.stringify(values)).not.toContain("planted-argo-admin-pw");

    const repo = find("kubernetes:core/v1:Secret", "argocd-gitops-repo");
    expect(repo.parent).toBe(component.urn);
    expect((repo.inputs.metadata as any).labels).toEqual({
      "argocd.argoproj.io/secret-type": "repository",
    });
    expect((repo.inputs.metadata as any).namespace).toBe("argocd");
    expect(reveal(repo.inputs.stringData)).toEqual({
      type: "git",
      url: "https://git.home.example.org/hearth/gitops.git",
      username: "hearth-admin",
      password: "planted-repo-token",
    });
    expect(isSecretInput(repo, "stringData.password")).toBe(true);

    // A push to the GitOps repository is not cluster-admin: the root app may only make Applications in Argo
    // CD's namespace, theirs only namespaced objects outside Hearth's and Kubernetes' namespaces, and
    // "default" allows nothing.
    const project = (n: string) =>
      find("kubernetes:argoproj.io/v1alpha1:AppProject", `argocd-project-${n}`);
    const rootProject = reveal(project("hearth-root").inputs.spec);
    expect(rootProject).toMatchObject({
      sourceRepos: ["https://git.home.example.org/hearth/gitops.git"],
      destinations: [{ server: "https://kubernetes.default.svc", namespace: "argocd" }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [{ group: "argoproj.io", kind: "Application" }],
    });
    const appsProject = reveal(project("hearth-apps").inputs.spec);
    expect(appsProject.clusterResourceWhitelist).toEqual([]);
    expect(appsProject.destinations.map((d: { namespace: string }) => d.namespace)).toEqual([
      "*",
      "!kube-system",
      "!kube-public",
      "!kube-node-lease",
      "!argocd",
      "!gitea",
      "!traefik",
    ]);
    expect(reveal(project("default").inputs.spec)).toMatchObject({
      sourceRepos: [],
      destinations: [],
      clusterResourceWhitelist: [],
    });
    expect(reveal(project("default").inputs.metadata).annotations).toEqual({
      "pulumi.com/patchForce": "true",
    });

    const root = find("kubernetes:argoproj.io/v1alpha1:Application", "argocd-root");
    expect(root.parent).toBe(component.urn);
    expect(root.dependencies).toEqual(
      expect.arrayContaining([release.urn, repo.urn, project("hearth-root").urn]),
    );
    expect((root.inputs.spec as any).project).toBe("hearth-root");
    expect((root.inputs.metadata as any).namespace).toBe("argocd");
    expect((root.inputs.metadata as any).finalizers).toBeUndefined();
    const spec = root.inputs.spec as any;
    expect(spec.source).toEqual({
      repoURL: "https://git.home.example.org/hearth/gitops.git",
      path: "apps",
      targetRevision: "HEAD",
    });

    const ingress = find("kubernetes:networking.k8s.io/v1:Ingress", "argocd-ingress");
    expect((ingress.inputs.spec as any).rules[0].http.paths[0].backend.service).toEqual({
      name: "argocd-server",
      port: { number: 80 },
    });

    expect(deployed.resource).toBeDefined();
    expect(await unwrap(deployed.url!)).toBe("https://argocd.home.example.org");
    expect(await isSecret(deployed.adminPassword)).toBe(true);
    expect(await unwrap(deployed.adminPassword)).toBe("planted-argo-admin-pw");
  });
});
