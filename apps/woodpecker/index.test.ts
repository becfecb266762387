import * as pulumi from "@pulumi/pulumi";
import { find, installMocks, isSecretInput, settle, testPlatform, reveal } from "../../test/mocks";

installMocks();

/* eslint-disable @typescript-eslint/no-explicit-any */

describe("woodpeckerRedirectUri", () => {
  it("is the /authorize path of the CI hostname, with overrides", async () => {
    const { woodpeckerRedirectUri } = await import("./index");
    expect(woodpeckerRedirectUri("home.example.org")).toBe("https://ci.home.example.org/authorize");
    expect(woodpeckerRedirectUri("home.example.org", { hostname: "build.example.net" })).toBe(
      "https://build.example.net/authorize",
    );
  });
});

describe("woodpeckerValues", () => {
  const inputs = {
    hostname: "ci.home.example.org",
    giteaUrl: "https://git.home.example.org",
    namespace: "woodpecker",
    admins: ["hearth-admin", "alice"],
    storageSize: "5Gi",
  };

  it("points the server at Gitea and takes every credential from Secrets", async () => {
    const { woodpeckerValues } = await import("./values");
    const v = woodpeckerValues(inputs) as any;
    expect(v.server.env).toEqual({
      WOODPECKER_HOST: "https://ci.home.example.org",
      WOODPECKER_ADMIN: "hearth-admin,alice",
      WOODPECKER_OPEN: "false",
      // Explicit, so the backup knows which file is the SQLite database.
      WOODPECKER_DATABASE_DRIVER: "sqlite3",
      WOODPECKER_DATABASE_DATASOURCE: "/var/lib/woodpecker/woodpecker.sqlite",
      WOODPECKER_GITEA: "true",
      WOODPECKER_GITEA_URL: "https://git.home.example.org",
    });
    expect(v.server.createAgentSecret).toBe(false);
    expect(v.server.extraSecretNamesForEnvFrom).toEqual(["woodpecker-server-env"]);
    expect(v.server.ingress.enabled).toBe(false);
    expect(v.server.persistentVolume).toEqual({ enabled: true, size: "5Gi" });
    expect(v.agent.mapAgentSecret).toBe(false);
    expect(v.agent.extraSecretNamesForEnvFrom).toEqual(["woodpecker-agent-env"]);
    expect(v.agent.env.WOODPECKER_SERVER).toBe("woodpecker-server:9000");
    expect(v.agent.env.WOODPECKER_BACKEND_K8S_NAMESPACE).toBe("woodpecker");
    expect(JSON.stringify(v)).not.toMatch(/SECRET"\s*:/);
  });

  it("refuses an admin list Woodpecker would split wrongly", async () => {
    const { woodpeckerValues } = await import("./values");
    expect(() => woodpeckerValues({ ...inputs, admins: ["a,b"] })).toThrow(/without commas/);
    expect(() => woodpeckerValues({ ...inputs, admins: [] })).toThrow(/non-empty/);
  });
});

describe("woodpecker pin", () => {
  // Chart versions and their appVersion, read from charts/woodpecker/Chart.yaml at each tag of
  // woodpecker-ci/helm (git tags 3.4.0 ... 3.6.5). There is no 3.4.3: a pin outside this table is
  // a version nobody can pull.
  const UPSTREAM_TAGS: Record<string, string> = {
    "3.4.0": "3.10.0",
    "3.4.1": "3.11.0",
    "3.4.2": "3.12.0",
    "3.5.0": "3.12.0",
    "3.5.1": "3.13.0",
    "3.6.0": "3.14.0",
    "3.6.1": "3.14.0",
    "3.6.2": "3.14.1",
    "3.6.3": "3.14.1",
    "3.6.4": "3.15.0",
    "3.6.5": "3.16.0",
  };

  it("is a chart tag that exists upstream and ships the appVersion the catalogue claims", async () => {
    const { meta } = await import("./index");
    expect(Object.keys(UPSTREAM_TAGS)).toContain(meta.chart.version);
    expect(UPSTREAM_TAGS[meta.chart.version]).toBe(meta.appVersion);
  });
});

describe("woodpecker recipe", () => {
  it("deploys the pinned OCI chart with the forge client and agent secret in Secrets", async () => {
    const { deploy, meta } = await import("./index");
    deploy("woodpecker", {
      platform: await testPlatform(),
      extra: {
        giteaUrl: pulumi.output("https://git.home.example.org"),
        oauthClientId: "client-id-1",
        oauthClientSecret: pulumi.secret("planted-client-secret"),
        agentSecret: pulumi.secret("planted-agent-secret"),
      },
    });
    await settle();

    const helmApp = find("hearth:app:HelmApp", "woodpecker");
    const ns = find("kubernetes:core/v1:Namespace", "woodpecker-namespace");
    expect((ns.inputs.metadata as any).labels["pod-security.kubernetes.io/enforce"]).toBe(
      "baseline",
    );
    const release = find("kubernetes:helm.sh/v3:Release", "woodpecker-release");
    expect(release.parent).toBe(helmApp.urn);
    expect(release.inputs.chart).toBe("oci://ghcr.io/woodpecker-ci/helm/woodpecker");
    expect(release.inputs.version).toBe(meta.chart.version);
    expect(release.inputs.repositoryOpts).toBeUndefined();
    const values = reveal(release.inputs.values);
    expect(values.server.env.WOODPECKER_GITEA).toBe("true");
    expect(values.server.env.WOODPECKER_GITEA_URL).toBe("https://git.home.example.org");
    expect(values.server.env.WOODPECKER_HOST).toBe("https://ci.home.example.org");
    expect(values.server.ingress.enabled).toBe(false);
    const rendered = JSON.stringify(values);
    expect(rendered).not.toContain("planted-client-secret");
    expect(rendered).not.toContain("planted-agent-secret");

    const server = find("kubernetes:core/v1:Secret", "woodpecker-woodpecker-server-env");
    expect(reveal(server.inputs.stringData)).toEqual({
      WOODPECKER_AGENT_SECRET: "planted-agent-secret",
      WOODPECKER_GITEA_CLIENT: "client-id-1",
      WOODPECKER_GITEA_SECRET: "planted-client-secret",
    });
    expect(isSecretInput(server, "stringData.WOODPECKER_GITEA_SECRET")).toBe(true);
    const agent = find("kubernetes:core/v1:Secret", "woodpecker-woodpecker-agent-env");
    expect(reveal(agent.inputs.stringData)).toEqual({
      WOODPECKER_AGENT_SECRET: "planted-agent-secret",
    });
    expect(isSecretInput(agent, "stringData.WOODPECKER_AGENT_SECRET")).toBe(true);
    expect(release.dependencies).toEqual(expect.arrayContaining([server.urn, agent.urn]));

    const ingress = find("kubernetes:networking.k8s.io/v1:Ingress", "woodpecker-ingress");
    const rule = (ingress.inputs.spec as any).rules[0];
    expect(rule.host).toBe("ci.home.example.org");
    expect(rule.http.paths[0].backend.service).toEqual({
      name: "woodpecker-server",
      port: { number: 80 },
    });
  });
});
