/**
 * The Gitea auth source the recipe asks for, through the real `gitea admin auth add-oauth` (the sandbox's
 * Gitea 1.26.0 binary, built by scripts/toolchain/build-sandbox.sh gitea). The chart's `configure-gitea` init
 * container runs that command with one `--<kebab-case key> "<value>"` per `gitea.oauth` key but
 * `existingSecret`, and `--key`/`--secret` from that Secret (templates/_helpers.tpl `gitea.oauth_settings`
 * and templates/gitea/init.yaml at the chart's main branch 2d7a0d6; 12.7.0 itself is not obtainable here).
 * Gitea fetches the discovery document when the source is added, so a local server answers for the issuer.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { giteaOauthSource } from "../apps/gitea/values";

const run = promisify(execFile);
const gitea = join(
  process.env.HEARTH_CACHE ?? join(homedir(), ".cache", "hearth"),
  "sandbox",
  "bin",
  "gitea",
);

/** The flags the chart renders from one `gitea.oauth` entry (sprig's kebabcase of each key). */
function chartFlags(entry: Record<string, string>, key: string, secret: string): string[] {
  const kebab = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
  return [
    ...Object.entries(entry)
      .filter(([k]) => k !== "existingSecret")
      .flatMap(([k, v]) => [`--${kebab(k)}`, v]),
    "--key",
    key,
    "--secret",
    secret,
  ];
}

(existsSync(gitea) ? test : test.skip)(
  "Gitea 1.26.0 creates the OpenID Connect source from the recipe's entry, and refuses an unreachable issuer",
  async () => {
    const server = createServer((_req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          issuer: base,
          authorization_endpoint: `${base}/api/oidc/authorization`,
          token_endpoint: `${base}/api/oidc/token`,
          userinfo_endpoint: `${base}/api/oidc/userinfo`,
          jwks_uri: `${base}/jwks.json`,
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), "hearth-gitea-oauth-"));
    writeFileSync(
      join(dir, "app.ini"),
      [
        `WORK_PATH = ${dir}`,
        "RUN_USER = " + (process.env.USER ?? "root"),
        "[database]",
        "DB_TYPE = sqlite3",
        `PATH = ${join(dir, "gitea.db")}`,
        "[security]",
        "INSTALL_LOCK = true",
        "[log]",
        "LEVEL = Warn",
      ].join("\n"),
    );
    const env = { ...process.env, GITEA_I_AM_BEING_UNSAFE_RUNNING_AS_ROOT: "true" };
    const cli = (...args: string[]) =>
      run(gitea, ["--config", join(dir, "app.ini"), "--work-path", dir, ...args], { env });
    try {
      await cli("migrate");
      const entry = giteaOauthSource({
        issuer,
        clientId: "hearth-gitea",
        adminGroup: "admins",
        groups: [],
      });
      await cli("admin", "auth", "add-oauth", ...chartFlags(entry, "hearth-gitea", "s3cret"));
      // Gitea's own log lines (the warning about running as root) share stdout with the table and can land in
      // the middle of a row: take them out before reading it.
      const list = (await cli("admin", "auth", "list")).stdout.replace(
        /\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} [^\n]*\n/g,
        "",
      );
      expect(list).toMatch(/\bauthelia\s+OAuth2\s+true/);
      // An issuer that does not answer fails the command, so Gitea's init container waits for Authelia.
      const down = giteaOauthSource({
        issuer: "http://127.0.0.1:9",
        clientId: "x",
        adminGroup: "admins",
        groups: [],
      });
      await expect(
        cli("admin", "auth", "add-oauth", ...chartFlags({ ...down, name: "down" }, "x", "y")),
      ).rejects.toThrow(/Failed to initialize OpenID Connect Provider/);
    } finally {
      server.close();
    }
  },
  60_000,
);
