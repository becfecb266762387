/**
 * The stack written with the real Pulumi CLI (the cached toolchain) on a file backend of its own: each secret
 * set with `pulumi config set --secret`, its value on stdin and in no argument, encrypted in the file and read
 * back by Pulumi; a replaced file keeps nothing of the config it held.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toolchainEnv } from "../../scripts/toolchain/env";
import { StackPlan } from "./render";
import { pulumiIn, PulumiRun, writeStack } from "./write";

const root = join(__dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "hearth-init-write-"));
const env = { ...toolchainEnv(join(work, "state")), PULUMI_CONFIG_PASSPHRASE: "a test passphrase" };
const havePulumi = spawnSync("pulumi", ["version"], { env }).status === 0;

afterAll(() => rmSync(work, { recursive: true, force: true }));

(havePulumi ? describe : describe.skip)("writeStack with the real Pulumi CLI", () => {
  const TSIG = Buffer.from("planted tsig secret, 32 bytes...").toString("base64");
  const S3 = "planted-s3-secret-key";
  const plan: StackPlan = {
    stack: "home",
    config: {
      "hearth:domain": "home.example.org",
      "hearth:dns": { provider: "rfc2136", server: "ns1.example.org", tsigKeyName: "hearth" },
    },
    secrets: [
      { key: "hearth:dnsTsigSecret", path: false, value: TSIG },
      { key: "hearth:backupSecretAccessKeys.nas", path: true, value: S3 },
    ],
    problems: [],
  };

  it("sets each secret through stdin and writes the file around Pulumi's ciphertext", () => {
    const dir = join(work, "project");
    spawnSync("mkdir", ["-p", dir]);
    copyFileSync(join(root, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    const calls: string[][] = [];
    const pulumi = pulumiIn(dir, env);
    const recorded: PulumiRun = (args, input) => {
      calls.push(args);
      return pulumi(args, input);
    };
    const file = writeStack(plan, dir, recorded);
    expect(calls.map((c) => c.slice(0, 3).join(" "))).toEqual([
      "stack select --create",
      "config set --secret",
      "config set --secret",
    ]);
    expect(JSON.stringify(calls)).not.toContain(TSIG);
    expect(JSON.stringify(calls)).not.toContain(S3);
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain(TSIG);
    expect(text).not.toContain(S3);
    expect(text).toMatch(/^# Written by npm run init for stack home\./);
    expect(text).toMatch(/^ {2}hearth:dnsTsigSecret:\n {4}secure: v1:/m);
    expect(text).toMatch(/^ {2}hearth:backupSecretAccessKeys:\n {4}nas:\n {6}secure: v1:/m);
    expect(text).toMatch(/^encryptionsalt: v1:/m);
    // Pulumi reads the file back and decrypts what it set.
    const get = (key: string, ...more: string[]) =>
      pulumi(["config", "get", key, "--stack", "home", ...more]).stdout.trim();
    expect(get("hearth:dnsTsigSecret")).toBe(TSIG);
    expect(get("hearth:backupSecretAccessKeys.nas", "--path")).toBe(S3);
    expect(get("hearth:domain")).toBe("home.example.org");

    // Written again (--force): nothing of the old config survives.
    writeStack(
      {
        stack: "home",
        config: { "hearth:domain": "other.example.org" },
        secrets: [],
        problems: [],
      },
      dir,
      pulumi,
    );
    const again = readFileSync(file, "utf8");
    expect(again).not.toContain("hearth:dnsTsigSecret");
    expect(again).toContain("hearth:domain: other.example.org");
    expect(again).toMatch(/^encryptionsalt: v1:/m);
  });
});
