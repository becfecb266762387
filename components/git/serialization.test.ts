/**
 * Pulumi stores each dynamic provider in the state as code serialized by closure and runs it in a process of its
 * own. A provider that captures the Pulumi SDK, a jest-only global or a relative `require` works in unit tests
 * and breaks in a real `pulumi up`; here each one is serialized exactly as `pulumi.dynamic.Resource` does,
 * loaded by a plain node process, and driven against the fake Gitea.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { FakeGitea } from "../../test/fake-gitea";
import { giteaFilesProvider } from "./gitea-files";
import { giteaOAuth2ApplicationProvider } from "./gitea-oauth2-application";
import { giteaOrganizationProvider } from "./gitea-organization";
import { giteaRepositoryProvider } from "./gitea-repository";

const run = promisify(execFile);
const gitea = new FakeGitea();
let dir: string;

beforeAll(async () => {
  await gitea.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-gitea-providers-"));
});
afterAll(async () => {
  await gitea.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Serializes a provider as the dynamic resource does and runs `body` against it in a fresh node process. */
async function runSerialized(
  name: string,
  provider: pulumi.dynamic.ResourceProvider,
  body: string,
): Promise<Record<string, unknown>> {
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  expect(serialized.containsSecrets).toBe(false);
  // Small and SDK-free: capturing @pulumi/pulumi would drag megabytes of code (and fail to load) here.
  expect(serialized.text).not.toMatch(/@pulumi|require\("\.{1,2}\//);
  expect(serialized.text.length).toBeLessThan(60_000);
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(file, serialized.text);
  const script = `
    const provider = require(${JSON.stringify(file)}).${serialized.exportName}();
    const endpoint = JSON.parse(process.env.GITEA_ENDPOINT);
    (async () => { ${body} })().then(
      (result) => process.stdout.write(JSON.stringify(result)),
      (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); },
    );
  `;
  const endpoint = JSON.stringify({ url: gitea.url, token: gitea.token });
  // Asynchronous on purpose: the fake Gitea answers from this process's event loop.
  const { stdout } = await run(process.execPath, ["-e", script], {
    env: { PATH: process.env.PATH, GITEA_ENDPOINT: endpoint },
  });
  return JSON.parse(stdout);
}

describe("serialized dynamic providers", () => {
  it("organization: create, read, diff, rename and delete from the serialized code", async () => {
    const result = await runSerialized(
      "organization",
      giteaOrganizationProvider,
      `
      const c = await provider.create({ endpoint, name: "serialized", fullName: "S", description: "",
        website: "", visibility: "private" });
      const r = await provider.read(c.id, c.outs);
      const d = await provider.diff(c.id, c.outs, { ...c.outs, name: "renamed" });
      const u = await provider.update(c.id, c.outs, { ...c.outs, name: "renamed" });
      const existedBeforeDelete = (await provider.read(c.id, u.outs)).props.name;
      await provider.delete(c.id, u.outs);
      return { id: c.id, fullName: r.props.fullName, replaces: d.replaces, existedBeforeDelete };
      `,
    );
    expect(result).toEqual({
      id: "serialized",
      fullName: "S",
      replaces: [],
      existedBeforeDelete: "renamed",
    });
    expect(gitea.orgs.has("serialized")).toBe(false);
    expect(gitea.orgs.has("renamed")).toBe(false);
  });

  it("repository: create and read from the serialized code", async () => {
    gitea.orgs.set("ser", {
      id: 500,
      name: "ser",
      fullName: "",
      description: "",
      website: "",
      location: "",
      visibility: "private",
    });
    const result = await runSerialized(
      "repository",
      giteaRepositoryProvider,
      `
      const c = await provider.create({ endpoint, owner: "ser", name: "gitops", description: "d",
        private: true, defaultBranch: "main", autoInit: true });
      const r = await provider.read(c.id, c.outs);
      return { id: c.id, cloneUrl: r.props.cloneUrl, private: r.props.private };
      `,
    );
    expect(result).toEqual({
      id: "ser/gitops",
      cloneUrl: `${gitea.url}/ser/gitops.git`,
      private: true,
    });
  });

  it("files: check, create and read (blob ids via crypto.subtle) from the serialized code", async () => {
    const result = await runSerialized(
      "files",
      giteaFilesProvider,
      `
      const inputs = { endpoint, owner: "ser", repo: "gitops", branch: "main", message: "seed",
        files: { "README.md": "# seeded\\n", "apps/a.yaml": "kind: Application\\n" } };
      const checked = await provider.check(inputs, inputs);
      const c = await provider.create(inputs);
      const r = await provider.read(c.id, c.outs);
      return { failures: checked.failures || [], id: c.id, same: JSON.stringify(r.props.fileShas) ===
        JSON.stringify(c.outs.fileShas), shaLength: c.outs.fileShas["README.md"].length };
      `,
    );
    expect(result).toEqual({ failures: [], id: "ser/gitops@main", same: true, shaLength: 40 });
    expect(gitea.repo("ser", "gitops")?.branches.get("main")?.get("apps/a.yaml")).toBe(
      "kind: Application\n",
    );
  });

  it("OAuth2 application: the secret survives read and follows update in the serialized code", async () => {
    const result = await runSerialized(
      "oauth2",
      giteaOAuth2ApplicationProvider,
      `
      const c = await provider.create({ endpoint, name: "grafana", redirectUris: ["https://g/cb"],
        confidentialClient: true });
      const r = await provider.read(c.id, c.outs);
      const u = await provider.update(c.id, r.props, { endpoint, name: "grafana",
        redirectUris: ["https://g/cb", "https://g/cb2"], confidentialClient: true });
      return { id: c.id, created: c.outs.clientSecret, read: r.props.clientSecret,
        updated: u.outs.clientSecret };
      `,
    );
    expect(result.read).toBe(result.created);
    expect(result.updated).not.toBe(result.created);
    expect(result.updated).toBe(gitea.apps.get(Number(result.id))?.clientSecret);
  });
});
