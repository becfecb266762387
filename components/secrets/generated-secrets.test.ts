import { find, installMocks, isSecret, ofType, settle, unwrap } from "../../test/mocks";

const PASSWORD_TYPE = "hearth:secrets:GeneratedPassword";

// The mock echoes inputs; give each password a result as Hearth's provider plugin would.
installMocks((args) =>
  args.type === PASSWORD_TYPE ? { result: `generated-${args.name}` } : undefined,
);

describe("resolvePasswordSpecs", () => {
  it("applies the defaults: 32 characters, no punctuation", async () => {
    const { resolvePasswordSpecs } = await import("./generated-secrets");
    expect(resolvePasswordSpecs("s", { admin: {}, db: { length: 48, special: true } })).toEqual([
      { key: "admin", length: 32, special: false, rotateAfterDays: 0, protect: false },
      { key: "db", length: 48, special: true, rotateAfterDays: 0, protect: false },
    ]);
  });

  it("reports every bad entry at once, naming the component and key", async () => {
    const { resolvePasswordSpecs } = await import("./generated-secrets");
    let message = "";
    try {
      resolvePasswordSpecs("gitea", {
        short: { length: 8 },
        "bad key": {},
        half: { length: 20.5 },
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^generated secrets gitea:/);
    expect(message).toContain('password "short" has length 8; use a whole number of at least 16');
    expect(message).toContain('password key "bad key" must start with a letter or digit');
    expect(message).toContain('password "half" has length 20.5');
  });
});

describe("GeneratedSecrets", () => {
  it("makes one RandomPassword per key under the component and exposes each as a secret", async () => {
    const { GeneratedSecrets } = await import("./generated-secrets");
    const secrets = new GeneratedSecrets("gitea", {
      passwords: { admin: {}, "db-password": { length: 40, special: true } },
    });
    await settle();
    const component = find("hearth:secrets:GeneratedSecrets", "gitea");
    expect(ofType(PASSWORD_TYPE).map((r) => r.name)).toEqual(["gitea-admin", "gitea-db-password"]);

    const admin = find(PASSWORD_TYPE, "gitea-admin");
    expect(admin.parent).toBe(component.urn);
    expect(admin.inputs).toMatchObject({ length: 32, special: false });
    const db = find(PASSWORD_TYPE, "gitea-db-password");
    expect(db.parent).toBe(component.urn);
    expect(db.inputs).toMatchObject({ length: 40, special: true });

    expect(Object.keys(secrets.passwords)).toEqual(["admin", "db-password"]);
    expect(await isSecret(secrets.passwords.admin)).toBe(true);
    expect(await isSecret(secrets.passwords["db-password"])).toBe(true);
    expect(await unwrap(secrets.passwords["db-password"])).toBe("generated-gitea-db-password");
  });

  it("protects a password that guards data outliving it, and only that one", async () => {
    const { GeneratedSecrets } = await import("./generated-secrets");
    new GeneratedSecrets("guard", { passwords: { restic: { protect: true }, admin: {} } });
    await settle();
    const byName = (n: string) => ofType(PASSWORD_TYPE).find((r) => r.name === n)!;
    expect(byName("guard-restic").options.protect).toBe(true);
    expect(byName("guard-admin").options.protect).toBe(false);
  });

  it("refuses a too-short password before registering anything under it", async () => {
    const { GeneratedSecrets } = await import("./generated-secrets");
    expect(() => new GeneratedSecrets("weak", { passwords: { pin: { length: 4 } } })).toThrow(
      /generated secrets weak:.*"pin" has length 4/s,
    );
    await settle();
    expect(ofType(PASSWORD_TYPE).filter((r) => r.name.startsWith("weak-"))).toEqual([]);
  });
});
