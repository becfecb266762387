/**
 * `npm run init` in a real terminal: the wizard runs in tmux, is answered with send-keys as a newcomer would
 * (Enter for most defaults), is given a wrong MAC and a wrong TSIG secret, shows `up`'s message for each and
 * asks again, then writes the stack with the real Pulumi CLI. The pane never shows a secret; the stack file is
 * evaluated by the whole program under mocks.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateEd25519KeyPair } from "../components/secrets/openssh";
import { toolchainEnv } from "../scripts/toolchain/env";
import { readStackFile } from "../stacks/stack-file";
import { shellQuote } from "../components/shell";

const root = join(__dirname, "..");
const work = mkdtempSync(join(tmpdir(), "hearth-init-tmux-"));
const env = { ...toolchainEnv(join(work, "state")), PULUMI_CONFIG_PASSPHRASE: "a test passphrase" };
const ready =
  spawnSync("tmux", ["-V"]).status === 0 && spawnSync("pulumi", ["version"], { env }).status === 0;
/** A tmux server of this test's own, so no other session is touched. */
const socket = `hearth-init-${process.pid}`;
const tmux = (...args: string[]) =>
  spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });

afterAll(() => {
  tmux("kill-server");
  rmSync(work, { recursive: true, force: true });
});

/** The visible screen (or with `history`, everything since the start), as lines. */
function pane(history = false): string[] {
  const r = tmux("capture-pane", "-p", "-t", "init", ...(history ? ["-S", "-2000"] : []));
  return r.stdout.split("\n");
}

/** The line the cursor is on: the last line with text. */
function currentLine(): string {
  return [...pane()].reverse().find((l) => l.trim() !== "") ?? "";
}

async function until(what: string, test: () => boolean, seconds = 30): Promise<void> {
  for (let i = 0; !test(); i++) {
    if (i > seconds * 10)
      throw new Error(`waited for ${what}; the pane shows:\n${pane(true).join("\n")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits for `prompt` to be asked (the cursor's line starts with it), then types `value` and Enter. */
async function answer(prompt: string, value = ""): Promise<void> {
  await until(`the prompt "${prompt}"`, () => currentLine().startsWith(prompt));
  const asked = pane(true).filter((l) => l.startsWith(prompt)).length;
  if (value !== "") tmux("send-keys", "-t", "init", "-l", "--", value);
  tmux("send-keys", "-t", "init", "Enter");
  // Answered once the prompt's line is no longer the cursor's, or it was asked again below.
  await until(`"${prompt}" to be answered`, () => {
    const all = pane(true).filter((l) => l.startsWith(prompt)).length;
    return all > asked || !currentLine().startsWith(prompt);
  });
}

(ready ? describe : describe.skip)("npm run init in tmux", () => {
  it("asks, refuses a wrong MAC and a wrong secret with up's messages, and writes a stack that evaluates", async () => {
    const home = join(work, "home");
    const project = join(work, "project");
    mkdirSync(join(home, ".ssh"), { recursive: true });
    mkdirSync(project);
    writeFileSync(join(project, "Pulumi.yaml"), readFileSync(join(root, "Pulumi.yaml")));
    const login = generateEd25519KeyPair("ada@laptop");
    writeFileSync(join(home, ".ssh/id_ed25519"), login.privateKey, { mode: 0o600 });
    writeFileSync(join(home, ".ssh/id_ed25519.pub"), `${login.publicKey}\n`);
    const pxeKey = generateEd25519KeyPair("root@pxe").publicKey;
    const tsig = Buffer.from("a typed tsig secret of 32 bytes!").toString("base64");
    const s3 = "typed-s3-secret-key-0123456789";

    const exports = Object.entries({ ...env, HOME: home })
      .filter(([k]) => /^(PATH|PULUMI_[A-Z_]+|HOME)$/.test(k))
      .map(([k, v]) => `export ${k}=${shellQuote(String(v))}`);
    writeFileSync(
      join(work, "run.sh"),
      [
        ...exports,
        `cd ${shellQuote(root)}`,
        `node -r ./node_modules/ts-node/register/transpile-only cli/init.ts --dir ${shellQuote(project)}`,
        'echo "[exit $?]"',
        "sleep 300",
        "",
      ].join("\n"),
    );
    const started = Date.now();
    expect(
      tmux(
        "new-session",
        "-d",
        "-s",
        "init",
        "-x",
        "200",
        "-y",
        "50",
        `bash ${join(work, "run.sh")}`,
      ).status,
    ).toBe(0);

    await answer("Stack name");
    await answer("Domain", "home.example.org");
    await answer("Time zone", "Europe/Berlin");
    await answer("Machines");
    await answer("Your LAN");
    await answer("Its router");
    await answer("PXE controller's address");
    await answer("PXE controller's SSH host key", pxeKey);
    await answer("How many machines", "1");
    await answer("Machine 1: host name");
    await answer("Machine 1: MAC address", "52:54:zz");
    // `up`'s message for that value, then the same question again.
    const refusal =
      '  - hearth:nodes[0].mac: "52:54:zz" is not a MAC address; write six hex pairs with colons, e.g. 52:54:00:12:34:56';
    await until("the MAC asked again", () => currentLine().startsWith("Machine 1: MAC address"));
    const screen = pane().filter((l) => l.trim() !== "");
    // (tmux drops a line's trailing spaces)
    expect(screen.slice(-2)).toEqual([refusal, "Machine 1: MAC address:"]);
    await answer("Machine 1: MAC address", "52:54:00:00:00:11");
    await answer("Machine 1: address");
    await answer("Machine 1: role");
    await answer("Machine 1: disk");
    await answer("Your SSH public key");
    await answer("File of its private key");
    await answer("Apps");
    await answer("How many people sign in");
    await answer("Person 1: login", "ada");
    await answer("Person 1: e-mail", "ada@example.org");
    await answer("Person 1: groups");
    await answer("Reached from outside through", "rfc2136");
    await answer("Your DNS server", "ns1.example.org");
    await answer("Its zone");
    await answer("TSIG key name");
    await answer("TSIG algorithm");
    await answer("TSIG secret", "not base64!");
    await until("the secret asked again", () => currentLine().startsWith("TSIG secret"));
    expect(
      pane()
        .filter((l) => l.trim() !== "")
        .slice(-2),
    ).toEqual([
      '  - hearth:dnsTsigSecret: is not base64; give the key\'s secret as tsig-keygen prints it (secret "...";)',
      "TSIG secret (typing is not shown):",
    ]);
    await answer("TSIG secret", tsig);
    await answer("Public address of the home", "203.0.113.10");
    await answer("E-mail for Let's Encrypt");
    await answer("How many backup targets", "1");
    await answer("Backup target 1: name");
    await answer("Backup target 1: where");
    await answer("Backup target 1: S3 endpoint", "http://nas.lan:9000");
    await answer("Backup target 1: bucket");
    await answer("Backup target 1: access key id", "hearth-nas");
    await answer("Backup target 1: secret access key", s3);
    await until("the wizard to finish", () => pane(true).some((l) => l.startsWith("[exit ")), 60);
    const seconds = (Date.now() - started) / 1000;

    const all = pane(true).join("\n");
    expect(all).toContain("[exit 0]");
    expect(all).toContain(
      "Set with pulumi config set --secret (stored encrypted): hearth:sshPrivateKey, hearth:dnsTsigSecret, hearth:backupSecretAccessKeys.nas.",
    );
    for (const secret of [tsig, s3, "not base64!", "PRIVATE KEY"])
      expect(all).not.toContain(secret);

    const file = join(project, "Pulumi.home.yaml");
    expect(existsSync(file)).toBe(true);
    const text = readFileSync(file, "utf8");
    for (const secret of [tsig, s3, "PRIVATE KEY"]) expect(text).not.toContain(secret);
    expect(readStackFile(text).secretKeys.sort()).toEqual([
      "hearth:backupSecretAccessKeys",
      "hearth:dnsTsigSecret",
      "hearth:sshPrivateKey",
    ]);
    const { evaluateStackFile } = await import("./evaluate/evaluate");
    const { registrations } = await evaluateStackFile(file);
    expect(
      registrations.filter((r) => r.type === "hearth:metal:MetalNode").map((r) => r.name),
    ).toEqual(["hearth-node1"]);
    expect(registrations.some((r) => r.type === "hearth:backup:AppBackup")).toBe(true);
    process.stdout.write(`init in tmux: ${seconds.toFixed(1)} s from start to [exit 0]\n`);
  }, 180_000);
});

(ready ? describe : describe.skip)("npm run init -- --non-interactive", () => {
  const project = join(work, "flags");
  const home = join(work, "flags-home");
  const login = generateEd25519KeyPair("ada@laptop");
  const tsig = Buffer.from("a tsig secret from the environment").toString("base64");
  beforeAll(() => {
    mkdirSync(join(home, ".ssh"), { recursive: true });
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, "Pulumi.yaml"), readFileSync(join(root, "Pulumi.yaml")));
    writeFileSync(join(home, ".ssh/id_ed25519"), login.privateKey, { mode: 0o600 });
    writeFileSync(join(home, ".ssh/id_ed25519.pub"), `${login.publicKey}\n`);
  });
  const init = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    spawnSync(
      "node",
      [
        "-r",
        "./node_modules/ts-node/register/transpile-only",
        "cli/init.ts",
        "--dir",
        project,
        ...args,
      ],
      { cwd: root, env: { ...env, HOME: home, ...extra }, encoding: "utf8" },
    );
  const flags = [
    "--non-interactive",
    "--domain",
    "coop.example.org",
    "--pxe-host-key",
    generateEd25519KeyPair("root@pxe").publicKey,
    "--nodes",
    "1",
    "--node1-mac",
    "52:54:00:00:00:21",
    "--apps",
    "traefik,cert-manager,homepage",
    "--dns",
    "rfc2136",
    "--dns-server",
    "ns1.example.org:5353",
    "--public-address",
    "203.0.113.20",
    "--acme-email",
    "admins@example.org",
  ];

  it("refuses a wrong flag with up's message, and a secret on the command line, writing nothing", () => {
    const wrong = init(flags.map((f) => (f === "52:54:00:00:00:21" ? "52:54:zz" : f)));
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe(
      'Hearth init: nothing was written:\n  - hearth:nodes[0].mac: "52:54:zz" is not a MAC address; write six hex pairs with colons, e.g. 52:54:00:12:34:56\n',
    );
    const onCommandLine = init([...flags, "--tsig-secret", tsig]);
    expect(onCommandLine.status).toBe(2);
    expect(onCommandLine.stderr).toContain(
      "--tsig-secret: a secret is never taken on the command line, where ps shows it; use --tsig-secret-file FILE or HEARTH_INIT_TSIG_SECRET",
    );
    const dev = init(flags, { PULUMI_CONFIG_PASSPHRASE: "hearth-local-dev-only" });
    expect(dev.status).toBe(2);
    expect(dev.stderr).toContain("public passphrase");
    expect(existsSync(join(project, "Pulumi.home.yaml"))).toBe(false);
  });

  it("writes the stack from flags and the environment alone", () => {
    const r = init(flags, { HEARTH_INIT_TSIG_SECRET: tsig });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      "Set with pulumi config set --secret (stored encrypted): hearth:sshPrivateKey, hearth:dnsTsigSecret.",
    );
    const text = readFileSync(join(project, "Pulumi.home.yaml"), "utf8");
    expect(text).not.toContain(tsig);
    expect(text).toContain("server: ns1.example.org:5353");
    expect(r.stdout + r.stderr).not.toContain(tsig);
  });
});
