/**
 * Authelia's recipe: the configuration and users file Hearth writes, checked against Authelia's own JSON
 * schemas at the pinned version, the access rules, and the chart values.
 *
 * The schemas are Authelia's (`docs/static/schemas/v4.39/json-schema/` at tag v4.39.19), read at test time
 * from a git copy of authelia/authelia: `$HEARTH_AUTHELIA_REPO`, else the library's mirror. Authelia's
 * own `authelia config validate` cannot be built here (ADR 10), so the schema is the strictest consumer at
 * hand. Without a copy the schema checks are skipped and say so.
 */
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { hashSync } from "bcryptjs";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { parse, stringify } from "yaml";
import { createRsaKey } from "../../provider/rsa-key";
import { reveal } from "../../provider/wire";
import { AutheliaInputs, autheliaConfig, usersDatabase } from "./config";
import { autheliaValues, forwardAuthAddress } from "./values";

const TAG = "v4.39.19";
const REPO = process.env.HEARTH_AUTHELIA_REPO ?? "/work/.mirror/authelia+authelia/repo";

function schema(file: string): Record<string, unknown> | undefined {
  if (!existsSync(REPO)) return undefined;
  try {
    const text = execFileSync(
      "git",
      ["-C", REPO, "show", `${TAG}:docs/static/schemas/v4.39/json-schema/${file}`],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const configSchema = schema("configuration.json");
const usersSchema = schema("user-database.json");
const withSchemas = configSchema && usersSchema ? describe : describe.skip;
if (!configSchema || !usersSchema) {
  console.warn(
    `apps/authelia/index.test.ts: Authelia's JSON schemas at ${TAG} not found in ${REPO}; the schema checks are NOT run (set HEARTH_AUTHELIA_REPO to a git copy of authelia/authelia).`,
  );
}

const key = reveal(createRsaKey({ bits: 2048 }).outs) as { privateKeyPem: string; keyId: string };

function inputs(over: Partial<AutheliaInputs> = {}): AutheliaInputs {
  return {
    domain: "home.example.org",
    hostname: "auth.home.example.org",
    secondFactor: true,
    users: [
      {
        name: "ada",
        displayName: "Ada",
        email: "ada@example.org",
        groups: ["admins"],
        passwordHash: hashSync("initial-password-ada", 10),
      },
      {
        name: "grace",
        displayName: "grace",
        email: "grace@example.org",
        groups: [],
        passwordHash: hashSync("initial-password-grace", 10),
      },
    ],
    clients: [
      {
        app: "argocd",
        clientId: "hearth-argocd",
        clientName: "Argo CD",
        redirectUris: ["https://argocd.home.example.org/auth/callback"],
        scopes: ["openid", "profile", "email", "groups"],
        secretHash: hashSync("a-client-secret", 10),
        groups: ["admins"],
        pkce: false,
      },
      {
        app: "zot",
        clientId: "hearth-zot",
        clientName: "Zot",
        redirectUris: ["https://registry.home.example.org/zot/auth/callback/oidc"],
        scopes: ["openid", "profile", "email", "groups"],
        secretHash: hashSync("another-client-secret", 10),
        groups: [],
        pkce: true,
      },
    ],
    protectedHosts: [
      {
        host: "home.home.example.org",
        groups: ["admins", "family"],
        bypassPaths: ["/api/healthcheck"],
      },
    ],
    secrets: {
      sessionSecret: "s".repeat(64),
      storageEncryptionKey: "k".repeat(64),
      oidcHmacSecret: "h".repeat(64),
      resetPasswordJwtSecret: "j".repeat(64),
      jwksKeyPem: key.privateKeyPem,
      jwksKeyId: key.keyId,
    },
    ...over,
  };
}

/** The generated file as Authelia reads it: written to YAML text and parsed back. */
const asRead = (value: Record<string, unknown>) => parse(stringify(value, { lineWidth: 0 }));

function validator(s: Record<string, unknown>) {
  // Authelia's patterns are Go regexps with escapes such as `\<` that a `u`-flag RegExp refuses.
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(s);
}

withSchemas(`Authelia's JSON schemas at ${TAG}`, () => {
  it("accept the generated configuration", () => {
    const validate = validator(configSchema!);
    const ok = validate(asRead(autheliaConfig(inputs())));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("accept the generated users file", () => {
    const validate = validator(usersSchema!);
    const ok = validate(asRead(usersDatabase(inputs().users)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("refuse broken files: an unknown policy, a plaintext-looking client secret, a user without password", () => {
    const validate = validator(configSchema!);
    const config = asRead(autheliaConfig(inputs()));
    config.access_control.default_policy = "allow";
    config.identity_providers.oidc.clients[0].client_secret = "not-a-digest";
    expect(validate(config)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    expect(paths).toContain("/access_control/default_policy");
    expect(paths).toContain("/identity_providers/oidc/clients/0/client_secret");

    const users = validator(usersSchema!);
    const db = asRead(usersDatabase(inputs().users));
    delete db.users.ada.password;
    expect(users(db)).toBe(false);
  });
});

describe("autheliaConfig", () => {
  const config = autheliaConfig(inputs()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it("denies by default, lets health paths through first, then asks for two factors of the named groups", () => {
    expect(config.access_control.default_policy).toBe("deny");
    expect(config.access_control.rules).toEqual([
      { domain: "home.home.example.org", policy: "bypass", resources: ["^/api/healthcheck$"] },
      {
        domain: "home.home.example.org",
        policy: "two_factor",
        subject: ["group:admins", "group:family"],
      },
    ]);
    const one = autheliaConfig(inputs({ secondFactor: false })) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(one.access_control.rules[1].policy).toBe("one_factor");
  });

  it("gives each client its own policy, a digest only, and PKCE where the app sends it", () => {
    const oidc = config.identity_providers.oidc;
    expect(oidc.authorization_policies["hearth-argocd"]).toEqual({
      default_policy: "deny",
      rules: [{ policy: "two_factor", subject: ["group:admins"] }],
    });
    expect(oidc.authorization_policies["hearth-zot"].rules).toEqual([{ policy: "two_factor" }]);
    for (const c of oidc.clients) expect(c.client_secret).toMatch(/^\$2[aby]\$10\$/);
    expect(JSON.stringify(config)).not.toContain("a-client-secret");
    expect(oidc.clients[1]).toMatchObject({ require_pkce: true, pkce_challenge_method: "S256" });
    expect(oidc.clients[0].require_pkce).toBeUndefined();
    expect(oidc.jwks[0]).toMatchObject({ key_id: key.keyId, algorithm: "RS256", use: "sig" });
  });

  it("keeps the users file Hearth's: no reset or change in Authelia, bcrypt as the plugin writes it", () => {
    expect(config.authentication_backend.password_reset.disable).toBe(true);
    expect(config.authentication_backend.password_change.disable).toBe(true);
    expect(config.authentication_backend.file.path).toBe("/hearth/users_database.yml");
    expect(config.session.cookies).toEqual([
      { domain: "home.example.org", authelia_url: "https://auth.home.example.org" },
    ]);
    expect(config.storage.local.path).toBe("/config/db.sqlite3");
  });
});

describe("autheliaValues", () => {
  const v = autheliaValues({ timezone: "Europe/Berlin", checksum: "abc" }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it("turns off the chart's own configuration and secrets and mounts Hearth's at the paths the chart names", () => {
    expect(v.configMap).toEqual({ disabled: true, filters: { disabled: true } });
    expect(v.secret).toEqual({ disabled: true, existingSecret: "hearth-authelia" });
    expect(v.pod.extraVolumeMounts).toContainEqual({
      name: "hearth",
      mountPath: "/configuration.yaml",
      subPath: "configuration.yaml",
      readOnly: true,
    });
    expect(v.pod.kind).toBe("Deployment");
    expect(v.pod.annotations).toEqual({ "hearth.dev/config-checksum": "abc" });
    expect(JSON.stringify(v)).not.toMatch(/BEGIN|\$2[aby]\$/);
  });

  it("asks Helm to keep its volume claim when the release is uninstalled (retired with keep-data)", () => {
    expect(v.persistence.annotations).toEqual({ "helm.sh/resource-policy": "keep" });
    expect(v.annotations).toBeUndefined();
  });

  it("names the Service Traefik's ForwardAuth calls", () => {
    expect(v.nameOverride).toBe("authelia");
    expect(forwardAuthAddress()).toBe(
      "http://authelia.authelia.svc.cluster.local/api/authz/forward-auth",
    );
  });
});
