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

const USER_HASH = "$2a$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0";
const PROBE_HASH = "$2a$10$0ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba";

installMocks((args) => {
  if (args.type !== "hearth:secrets:GeneratedPassword") return undefined;
  return args.name.endsWith("-probe-password")
    ? { result: "planted-probe-pw", bcryptHash: PROBE_HASH }
    : { result: "planted-user-pw", bcryptHash: USER_HASH };
});

/* eslint-disable @typescript-eslint/no-explicit-any */

describe("htpasswdFile", () => {
  it("writes one user:hash line per entry", async () => {
    const { htpasswdFile } = await import("./config");
    expect(
      htpasswdFile([
        { user: "hearth", bcryptHash: USER_HASH },
        { user: "healthcheck", bcryptHash: PROBE_HASH },
      ]),
    ).toBe(`hearth:${USER_HASH}\nhealthcheck:${PROBE_HASH}\n`);
  });

  it("refuses plain passwords, bad or duplicate users and an empty file", async () => {
    const { htpasswdFile } = await import("./config");
    expect(() => htpasswdFile([{ user: "hearth", bcryptHash: "secret" }])).toThrow(/bcrypt/);
    expect(() => htpasswdFile([{ user: "a:b", bcryptHash: USER_HASH }])).toThrow(/not valid/);
    expect(() =>
      htpasswdFile([
        { user: "a", bcryptHash: USER_HASH },
        { user: "a", bcryptHash: USER_HASH },
      ]),
    ).toThrow(/twice/);
    expect(() => htpasswdFile([])).toThrow(/at least one/);
  });
});

describe("zotConfig", () => {
  it("authenticates with htpasswd and grants every repository to the user alone", async () => {
    const { zotConfig } = await import("./config");
    const config = JSON.parse(zotConfig("hearth"));
    expect(config.storage.rootDirectory).toBe("/var/lib/registry");
    expect(config.http.port).toBe("5000");
    expect(config.http.auth).toEqual({ htpasswd: { path: "/secret/htpasswd" } });
    expect(config.http.accessControl.repositories["**"]).toEqual({
      policies: [{ users: ["hearth"], actions: ["read", "create", "update", "delete"] }],
      defaultPolicy: [],
    });
    expect(config.http.accessControl.adminPolicy.users).toEqual(["hearth"]);
    expect(JSON.stringify(config)).not.toContain("anonymousPolicy");
  });
});

describe("zotValues", () => {
  it("mounts our config and htpasswd and drops the chart's sample users", async () => {
    const { zotValues } = await import("./values");
    const v = zotValues({ user: "hearth", storageSize: "5Gi", probeAuthHeader: "aGM6cHc=" }) as any;
    expect(v.ingress.enabled).toBe(false);
    expect(v.service.type).toBe("ClusterIP");
    expect(v.persistence).toBe(true);
    expect(v.pvc.storage).toBe("5Gi");
    expect(v.mountConfig).toBe(true);
    expect(v.mountSecret).toBe(false);
    expect(v.secretFiles).toEqual({ htpasswd: null });
    expect(v.externalSecrets).toEqual([{ secretName: "zot-htpasswd", mountPath: "/secret" }]);
    expect(v.authHeader).toBe("aGM6cHc=");
    // The Service name is pinned: the Ingress routes to ZOT_FULLNAME whatever the release is called.
    expect(v.fullnameOverride).toBe("zot");
  });
});

describe("zot recipe", () => {
  it("deploys the chart with generated htpasswd users and secret values", async () => {
    const { deploy, meta } = await import("./index");
    const deployed = deploy("zot", { platform: await testPlatform(), extra: {} });
    await settle();

    const component = find("hearth:apps:ZotRegistry", "zot");
    expect(find("hearth:secrets:GeneratedPassword", "zot-password").parent).toBe(component.urn);
    const release = find("kubernetes:helm.sh/v3:Release", "zot-release");
    expect(release.inputs.chart).toBe("zot");
    expect(release.inputs.version).toBe(meta.chart.version);
    expect(release.inputs.repositoryOpts).toEqual({ repo: "https://zotregistry.dev/helm-charts" });
    expect(isSecretInput(release, "values")).toBe(true);
    const values = reveal(release.inputs.values);
    expect(values.ingress.enabled).toBe(false);
    expect(values.authHeader).toBe(Buffer.from("healthcheck:planted-probe-pw").toString("base64"));
    const rendered = JSON.stringify(values);
    expect(rendered).not.toContain("planted-user-pw");
    expect(rendered).not.toContain("vmiurPmJvHylk78HHFWuruFFVePlit9rZWGA");

    const ns = find("kubernetes:core/v1:Namespace", "zot-namespace");
    expect((ns.inputs.metadata as any).labels["pod-security.kubernetes.io/enforce"]).toBe(
      "restricted",
    );
    const secret = find("kubernetes:core/v1:Secret", "zot-zot-htpasswd");
    expect(reveal(secret.inputs.stringData)).toEqual({
      htpasswd: `hearth:${USER_HASH}\nhealthcheck:${PROBE_HASH}\n`,
    });
    expect(isSecretInput(secret, "stringData.htpasswd")).toBe(true);
    expect(release.dependencies).toContain(secret.urn);

    const ingress = find("kubernetes:networking.k8s.io/v1:Ingress", "zot-ingress");
    expect((ingress.inputs.spec as any).rules[0]).toMatchObject({
      host: "registry.home.example.org",
      http: { paths: [{ backend: { service: { name: "zot", port: { number: 5000 } } } }] },
    });

    expect(deployed.username).toBe("hearth");
    expect(await isSecret(deployed.password)).toBe(true);
    expect(await unwrap(deployed.password)).toBe("planted-user-pw");
  });

  it("refuses the probe's reserved user name", async () => {
    const { deploy } = await import("./index");
    const p = await testPlatform();
    expect(() => deploy("registry", { platform: p, extra: { username: "healthcheck" } })).toThrow(
      /reserved/,
    );
  });
});
