/**
 * Every invalid fixture through the whole program under mocks, as `npm run plan` runs it: refused with a
 * ConfigError whose problems are the fixture's, each at a `hearth:` key path, before a single resource
 * registers. A rule that only a component enforces would show here as a stack trace or as registrations.
 */
import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { ConfigError } from "../stacks/validate";
import { evaluateStackFile } from "../cli/evaluate/evaluate";
import { registrations } from "./mocks";

const dir = join(__dirname, "fixtures/invalid");
const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

describe("invalid fixtures under mocks", () => {
  it.each(files)("refuses invalid/%s with its problems and registers nothing", async (f) => {
    const path = join(dir, f);
    const { expect: expected } = parse(readFileSync(path, "utf8")) as { expect: string[] };
    let error: unknown;
    try {
      await evaluateStackFile(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p.path).toMatch(/^hearth:[a-zA-Z]/);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual(expected);
    expect(registrations.map((r) => `${r.type}::${r.name}`)).toEqual([]);
  });
});

describe("files and secrets read once config is valid", () => {
  it("refuses a private key that cannot be read, at its key, before any resource", async () => {
    const home = join(__dirname, "fixtures/valid/metal-home.yaml");
    const evaluation = evaluateStackFile(home, (values) => {
      values["hearth:sshPrivateKey"] = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n";
    });
    await expect(evaluation).rejects.toThrow(ConfigError);
    await expect(evaluation).rejects.toThrow(
      /hearth:sshPrivateKey: the SSH private key cannot be read: .*; give an unencrypted OpenSSH private key/,
    );
    expect(registrations).toEqual([]);
  });
});
