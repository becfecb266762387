import * as pulumi from "@pulumi/pulumi";
import {
  find,
  installMocks,
  isSecret,
  isSecretInput,
  isSecretValue,
  settle,
  unwrap,
  testPlatform,
} from "../../test/mocks";

installMocks();

describe("giteaValues", () => {
  it("runs one SQLite pod with a volume and no bundled databases", async () => {
    const { giteaValues } = await import("./values");
    const v = giteaValues({
      hostname: "git.home.example.org",
      domain: "home.example.org",
      adminEmail: "a@home.example.org",
      storageSize: "5Gi",
    }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(v.ingress.enabled).toBe(false);
    expect(v["postgresql-ha"].enabled).toBe(false);
    expect(v.postgresql.enabled).toBe(false);
    expect(v["valkey-cluster"].enabled).toBe(false);
    expect(v.valkey.enabled).toBe(false);
    expect(v.persistence).toEqual({
      enabled: true,
      claimName: "gitea-shared-storage",
      size: "5Gi",
      // Helm keeps the claim when the release is uninstalled (retired with keep-data).
      annotations: { "helm.sh/resource-policy": "keep" },
      accessModes: ["ReadWriteOnce"],
    });
    // The backup copies exactly this SQLite file with SQLite's online backup.
    expect(v.gitea.config.database.PATH).toBe("/data/gitea/gitea.db");
    expect(v.strategy.type).toBe("Recreate");
    expect(v.gitea.config.database.DB_TYPE).toBe("sqlite3");
    expect(v.gitea.config.server.ROOT_URL).toBe("https://git.home.example.org/");
    expect(v.gitea.config.server.DISABLE_SSH).toBe(true);
    expect(v.gitea.config.webhook.ALLOWED_HOST_LIST).toBe(
      "external,home.example.org,*.home.example.org",
    );
    expect(v.gitea.admin).toEqual({
      existingSecret: "gitea-admin",
      email: "a@home.example.org",
      password: "",
      passwordMode: "keepUpdated",
    });
    expect(v.containerSecurityContext.allowPrivilegeEscalation).toBe(false);
    expect(v.containerSecurityContext.capabilities.drop).toEqual(["ALL"]);
  });
});

describe("gitea recipe", () => {
  it("deploys the pinned chart with the admin in a secret and exposes the API URL", async () => {
    const { deploy, meta } = await import("./index");
    const app = deploy("gitea", {
      platform: await testPlatform(),
      extra: { adminPassword: pulumi.secret("planted-admin-pw") },
    });
    await settle();

    const helmApp = find("hearth:app:HelmApp", "gitea");
    const release = find("kubernetes:helm.sh/v3:Release", "gitea-release");
    expect(release.parent).toBe(helmApp.urn);
    expect(release.inputs.chart).toBe("gitea");
    expect(release.inputs.version).toBe(meta.chart.version);
    expect(release.inputs.repositoryOpts).toEqual({ repo: "https://dl.gitea.com/charts/" });
    expect(release.inputs.namespace).toBe("gitea");
    const values = release.inputs.values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(values.ingress.enabled).toBe(false);
    expect(values.gitea.admin.existingSecret).toBe("gitea-admin");
    expect(values.gitea.admin.email).toBe("hearth-admin@home.example.org");
    const rendered = JSON.stringify(values);
    expect(rendered).not.toContain("planted-admin-pw");
    expect(rendered).not.toContain("r8sA8CPHD9");

    const secret = find("kubernetes:core/v1:Secret", "gitea-gitea-admin");
    expect(secret.parent).toBe(helmApp.urn);
    const data = secret.inputs.stringData as { value?: unknown };
    expect(isSecretValue(data) ? data.value : data).toEqual({
      username: "hearth-admin",
      password: "planted-admin-pw",
    });
    expect(isSecretInput(secret, "stringData.password")).toBe(true);
    expect(release.dependencies).toContain(secret.urn);

    const ingress = find("kubernetes:networking.k8s.io/v1:Ingress", "gitea-ingress");
    const rule = (ingress.inputs.spec as any).rules[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(rule.host).toBe("git.home.example.org");
    expect(rule.http.paths[0].backend.service).toEqual({
      name: "gitea-http",
      port: { number: 3000 },
    });

    expect(await unwrap(app.apiUrl)).toBe("https://git.home.example.org/api/v1");
    expect(await unwrap(app.url)).toBe("https://git.home.example.org");
    expect(app.internalUrl).toBe("http://gitea-http.gitea.svc.cluster.local:3000");
    expect(app.endpoint.username).toBe("hearth-admin");
    expect(await isSecret(pulumi.output(app.endpoint.password))).toBe(true);
  });

  it("creates the administrator the operator named (hearth:gitea.username), everywhere it is used", async () => {
    const { deploy } = await import("./index");
    const app = deploy("named", {
      platform: await testPlatform(),
      extra: { adminPassword: pulumi.secret("planted-admin-pw"), adminUsername: "alice" },
    });
    await settle();
    const secret = find("kubernetes:core/v1:Secret", "named-gitea-admin");
    const data = secret.inputs.stringData as { value?: unknown };
    expect((isSecretValue(data) ? data.value : data) as Record<string, string>).toMatchObject({
      username: "alice",
    });
    const values = find("kubernetes:helm.sh/v3:Release", "named-release").inputs.values as Record<
      string,
      any // eslint-disable-line @typescript-eslint/no-explicit-any
    >;
    expect(values.gitea.admin.email).toBe("alice@home.example.org");
    expect(app.endpoint.username).toBe("alice");
  });

  it("honours a hostname override and the operator's values", async () => {
    const { deploy } = await import("./index");
    const app = deploy("forge", {
      platform: await testPlatform(),
      overrides: { hostname: "code.example.net", values: { persistence: { size: "50Gi" } } },
      extra: { adminPassword: "x" },
    });
    await settle();
    const release = find("kubernetes:helm.sh/v3:Release", "forge-release");
    const values = release.inputs.values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(values.persistence.size).toBe("50Gi");
    expect(values.gitea.config.server.DOMAIN).toBe("code.example.net");
    // The Service name is pinned by fullnameOverride, whatever the release is called ("forge" here).
    expect(values.fullnameOverride).toBe("gitea");
    expect(app.internalUrl).toBe("http://gitea-http.gitea.svc.cluster.local:3000");
  });
});
