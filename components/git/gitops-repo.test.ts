import * as pulumi from "@pulumi/pulumi";
import {
  find,
  installMocks,
  isSecretInput,
  isSecretValue,
  ofType,
  settle,
  unwrap,
} from "../../test/mocks";

const ORG = "pulumi-nodejs:dynamic/hearth:GiteaOrganization";
const REPO = "pulumi-nodejs:dynamic/hearth:GiteaRepository";
const FILES = "pulumi-nodejs:dynamic/hearth:GiteaFiles";
const OAUTH2 = "pulumi-nodejs:dynamic/hearth:GiteaOAuth2Application";

// The mock engine does not run dynamic providers; answer for the repository as its provider would.
installMocks((args) => {
  if (args.type === OAUTH2)
    return { appId: 7, clientId: "client-uuid", clientSecret: "gto_mocked" };
  if (args.type !== REPO) return undefined;
  const full = `${args.inputs.owner}/${args.inputs.name}`;
  return {
    fullName: full,
    cloneUrl: `https://git.home.example.org/${full}.git`,
    htmlUrl: `https://git.home.example.org/${full}`,
  };
});

// The mock monitor ignores `additionalSecretOutputs` (the engine applies it), so record what is asked for.
const secretOutputsByName = new Map<string, string[]>();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (
  req: { getName(): string; getAdditionalsecretoutputsList(): string[] },
  cb: unknown,
) => {
  secretOutputsByName.set(req.getName(), req.getAdditionalsecretoutputsList());
  return register(req, cb);
};

const endpoint = {
  url: "https://git.home.example.org",
  token: pulumi.secret("planted-gitea-token"),
};
/**
 * The harness's `inputs` keep the wire wrapper of a secret object that holds a nested secret (the token):
 * look inside it.
 */
function plain(value: unknown): unknown {
  const wrapped = value as { value?: unknown } | undefined;
  return isSecretValue(value) ? wrapped?.value : value;
}

const seed = { "README.md": "# GitOps\n", "apps/grafana.yaml": "kind: Application\n" };

describe("GitOpsRepo", () => {
  it("creates the organization, a private repository and the seed files, in that order, as its children", async () => {
    const { GitOpsRepo } = await import("./gitops-repo");
    const gitops = new GitOpsRepo("gitops", { endpoint, files: seed });
    await settle();
    const component = find("hearth:git:GitOpsRepo", "gitops");
    const org = find(ORG, "gitops-org");
    const repo = find(REPO, "gitops-repo");
    const files = find(FILES, "gitops-files");
    for (const child of [org, repo, files]) {
      expect(child.parent).toBe(component.urn);
      expect(child.custom).toBe(true);
      expect(typeof child.inputs.__provider).toBe("string");
    }
    expect(org.inputs).toMatchObject({ name: "hearth", fullName: "hearth", visibility: "private" });
    expect(repo.inputs).toMatchObject({
      owner: "hearth",
      name: "gitops",
      private: true,
      autoInit: true,
      defaultBranch: "main",
    });
    expect(files.inputs).toMatchObject({
      owner: "hearth",
      repo: "gitops",
      branch: "main",
      files: seed,
    });
    // The repository waits for the organization, the files for the repository.
    expect(repo.dependencies).toContain(org.urn);
    expect(files.dependencies).toContain(repo.urn);

    expect(await unwrap(gitops.cloneUrl)).toBe("https://git.home.example.org/hearth/gitops.git");
    expect(await unwrap(gitops.repoUrl)).toBe("https://git.home.example.org/hearth/gitops");
    expect(await unwrap(gitops.fullName)).toBe("hearth/gitops");
  });

  it("keeps the endpoint secret in every child's inputs and asks the engine to keep it secret in state", async () => {
    await settle();
    for (const [type, name] of [
      [ORG, "gitops-org"],
      [REPO, "gitops-repo"],
      [FILES, "gitops-files"],
    ]) {
      const child = find(type, name);
      expect(isSecretInput(child, "endpoint")).toBe(true);
      expect(isSecretInput(child, "endpoint.token")).toBe(true);
      expect(plain(child.inputs.endpoint)).toEqual({
        url: "https://git.home.example.org",
        token: "planted-gitea-token",
      });
      expect(isSecretInput(child, "owner") || isSecretInput(child, "name")).toBe(false);
      expect(secretOutputsByName.get(name)).toEqual(["endpoint"]);
    }
    // The seed is plain text, not a credential: it stays readable in previews.
    expect(isSecretInput(find(FILES, "gitops-files"), "files")).toBe(false);
  });

  it("takes the organization, repository and branch names it is given", async () => {
    const { GitOpsRepo } = await import("./gitops-repo");
    const basic = { url: "https://git.lab", username: "admin", password: pulumi.secret("pw") };
    const custom = new GitOpsRepo("state", {
      endpoint: basic,
      org: "infra",
      repo: "cluster-state",
      branch: "production",
      files: { "README.md": "x" },
    });
    await settle();
    expect(find(ORG, "state-org").inputs.name).toBe("infra");
    expect(find(REPO, "state-repo").inputs).toMatchObject({
      owner: "infra",
      name: "cluster-state",
      defaultBranch: "production",
    });
    expect(find(FILES, "state-files").inputs).toMatchObject({ branch: "production" });
    expect(isSecretInput(find(REPO, "state-repo"), "endpoint.password")).toBe(true);
    expect(await unwrap(custom.fullName)).toBe("infra/cluster-state");
    expect(ofType("hearth:git:GitOpsRepo")).toHaveLength(2);
  });
});

describe("GiteaOAuth2Application", () => {
  it("registers with its own type and asks the engine to keep clientSecret and endpoint secret", async () => {
    const { GiteaOAuth2Application } = await import("./gitea-oauth2-application");
    const app = new GiteaOAuth2Application("argocd-sso", {
      endpoint,
      name: "ArgoCD",
      redirectUris: ["https://argocd.home.example.org/auth/callback"],
    });
    await settle();
    const reg = find(OAUTH2, "argocd-sso");
    expect(reg.inputs).toMatchObject({
      name: "ArgoCD",
      confidentialClient: true,
      redirectUris: ["https://argocd.home.example.org/auth/callback"],
    });
    expect(isSecretInput(reg, "endpoint.token")).toBe(true);
    expect(secretOutputsByName.get("argocd-sso")).toEqual(["endpoint", "clientSecret"]);
    // The outputs are wired to what the provider returns (an initialized class field would hide them).
    expect(await unwrap(app.clientId)).toBe("client-uuid");
    expect(await unwrap(app.clientSecret)).toBe("gto_mocked");
    expect(await unwrap(app.appId)).toBe(7);
  });
});
