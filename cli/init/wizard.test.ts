/**
 * The wizard's loop with a scripted asker: defaults taken, a wrong answer asked again with the message `up`
 * gives, a problem across answers sending the wizard back to the question that settles it, flags refused for
 * good without a terminal; and the stack it renders evaluated by the whole program under mocks.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { catalogue } from "../../apps";
import { generateEd25519KeyPair } from "../../components/secrets/openssh";
import { hearthKeys, readStackFile } from "../../stacks/stack-file";
import { Problem, validateConfig } from "../../stacks/validate";
import { FlagAnswers, flagAsker } from "./flags";
import { Answers, InitEnv, Question } from "./answers";
import { planStack, renderStackFile } from "./render";
import { Asker, runWizard, WizardRefusal } from "./wizard";

const login = generateEd25519KeyPair("ada@laptop");
const pxe = generateEd25519KeyPair("root@pxe");
const TSIG = Buffer.from("a tsig secret of 32 bytes, here.").toString("base64");

const env: InitEnv = {
  home: "/home/ada",
  timezone: "Europe/Berlin",
  readFile: (path) =>
    ({
      "/home/ada/.ssh/id_ed25519.pub": `${login.publicKey}\n`,
      "/home/ada/.ssh/id_ed25519": login.privateKey,
    })[path],
  stackExists: (stack) => stack === "dev",
};

/** Answers by question id, each a list for the times it is asked; records what was asked and shown. */
function scripted(script: Record<string, string[]>) {
  const asked: { id: string; problems: Problem[] }[] = [];
  const reports: Problem[][] = [];
  const asker: Asker = {
    async ask(q: Question, problems: Problem[]) {
      asked.push({ id: q.id, problems });
      const left = script[q.id];
      // Enter (the default) for any question the script does not name.
      return left && left.length > 0 ? left.shift()! : "";
    },
    report(problems) {
      reports.push(problems);
    },
  };
  return { asker, asked, reports };
}

const METAL = {
  stack: ["dev", "home"],
  domain: ["home.example.org"],
  "pxe-host-key": [pxe.publicKey],
  nodes: ["1"],
  "node1-mac": ["52:54:zz", "52:54:00:00:00:11"],
  "user1-name": ["ada"],
  "user1-email": ["ada@example.org"],
  dns: ["rfc2136"],
  "dns-server": ["ns1.example.org"],
  "tsig-secret": ["not base64!", TSIG],
  "public-address": ["203.0.113.10"],
};

describe("runWizard", () => {
  it("asks a newcomer's questions in order, takes the defaults, and asks a wrong answer again with up's message", async () => {
    const { asker, asked } = scripted(structuredClone(METAL));
    const answers = await runWizard(asker, env);
    expect(asked.map((a) => a.id)).toEqual([
      "stack",
      "stack",
      "domain",
      "timezone",
      "machines",
      "lan",
      "gateway",
      "pxe",
      "pxe-host-key",
      "nodes",
      "node1-name",
      "node1-mac",
      "node1-mac",
      "node1-ip",
      "node1-role",
      "node1-disk",
      "ssh-public-key",
      "ssh-private-key",
      "apps",
      "users",
      "user1-name",
      "user1-email",
      "user1-groups",
      "dns",
      "dns-server",
      "dns-zone",
      "tsig-key-name",
      "tsig-algorithm",
      "tsig-secret",
      "tsig-secret",
      "public-address",
      "acme-email",
      "backups",
    ]);
    const shown = (id: string) => asked.filter((a) => a.id === id).map((a) => a.problems);
    expect(shown("stack")[1]).toEqual([
      {
        path: "stack name",
        message:
          "Pulumi.dev.yaml already exists; choose another name, or run with --force to replace it",
      },
    ]);
    const mac: Problem = {
      path: "hearth:nodes[0].mac",
      message:
        '"52:54:zz" is not a MAC address; write six hex pairs with colons, e.g. 52:54:00:12:34:56',
    };
    expect(shown("node1-mac")).toEqual([[], [mac]]);
    // The same words `up` prints for that stack file.
    const plan = planStack({ ...answers, "node1-mac": "52:54:zz" }, env);
    const raw = hearthKeys(
      Object.fromEntries(
        Object.entries(plan.config).map(([k, v]) => [
          k,
          typeof v === "string" ? v : JSON.stringify(v),
        ]),
      ),
    );
    const up = validateConfig(raw, new Set(), catalogue);
    expect(up.ok ? [] : up.problems).toContainEqual(mac);
    // A secret's message never quotes what was typed.
    expect(shown("tsig-secret")[1]).toEqual([
      {
        path: "hearth:dnsTsigSecret",
        message: 'is not base64; give the key\'s secret as tsig-keygen prints it (secret "...";)',
      },
    ]);
    expect(answers).toMatchObject({
      timezone: "Europe/Berlin",
      lan: "192.168.1.0/24",
      gateway: "192.168.1.1",
      pxe: "192.168.1.2",
      "node1-ip": "192.168.1.11",
      "node1-role": "server",
      "ssh-public-key": login.publicKey,
      "ssh-private-key": "~/.ssh/id_ed25519",
      apps: "traefik,cert-manager,authelia,gitea,homepage",
      "user1-groups": "admins",
      "dns-zone": "home.example.org",
      "acme-email": "ada@example.org",
    });
  });

  it("renders a stack file the whole program evaluates under mocks, its secrets set apart", async () => {
    const { asker } = scripted(structuredClone(METAL));
    const plan = planStack(await runWizard(asker, env), env);
    expect(plan.secrets.map((s) => [s.key, s.path])).toEqual([
      ["hearth:sshPrivateKey", false],
      ["hearth:dnsTsigSecret", false],
    ]);
    expect(plan.secrets[0].value).toBe(login.privateKey);
    // What `pulumi config set --secret` leaves in the file: ciphertext in the secrets' places.
    const pulumiWrote = [
      "encryptionsalt: v1:salt",
      "config:",
      "  hearth:sshPrivateKey:",
      "    secure: v1:abc:sshkey",
      "  hearth:dnsTsigSecret:",
      "    secure: v1:abc:tsig",
      "",
    ].join("\n");
    const text = renderStackFile(plan, pulumiWrote);
    expect(text).not.toContain(TSIG);
    expect(text).not.toContain("PRIVATE KEY");
    expect(text).toContain('mac: "52:54:00:00:00:11"');
    expect(text).toContain("enabled: [ traefik, cert-manager, authelia, gitea, homepage ]");
    expect(text).toMatch(/^encryptionsalt: v1:salt$/m);
    const dir = mkdtempSync(join(tmpdir(), "hearth-init-"));
    const file = join(dir, "Pulumi.home.yaml");
    writeFileSync(file, text);
    expect(readStackFile(text).secretKeys.sort()).toEqual([
      "hearth:dnsTsigSecret",
      "hearth:sshPrivateKey",
    ]);
    const { evaluateStackFile } = await import("../evaluate/evaluate");
    const { registrations } = await evaluateStackFile(file);
    rmSync(dir, { recursive: true, force: true });
    const types = new Set(registrations.map((r) => r.type));
    for (const t of [
      "hearth:stack:Homelab",
      "hearth:metal:PxeController",
      "hearth:metal:MetalNode",
      "hearth:cluster:K3s",
      "hearth:edge:AppRecords",
      "hearth:edge:Rfc2136Record",
    ])
      expect([t, types.has(t)]).toEqual([t, true]);
  });

  it("goes back to the question that settles a problem across answers", async () => {
    const { asker, asked, reports } = scripted({
      ...structuredClone(METAL),
      stack: ["home"],
      nodes: ["2", "1"],
      "node1-mac": ["52:54:00:00:00:11"],
      "node2-mac": ["52:54:00:00:00:12"],
      "node2-role": ["server"],
      "tsig-secret": [TSIG],
    });
    const answers = await runWizard(asker, env);
    expect(reports).toEqual([
      [
        {
          path: "hearth:nodes",
          message: "2 servers cannot keep an etcd quorum through a failure; use 1, 3 or 5 servers",
        },
      ],
    ]);
    expect(asked.filter((a) => a.id === "nodes")).toHaveLength(2);
    expect(answers.nodes).toBe("1");
  });

  it("refuses for good, without a terminal, an answer the flags give wrong or do not give", async () => {
    const flags = (values: Record<string, string>) =>
      flagAsker(new FlagAnswers(values, { HEARTH_INIT_TSIG_SECRET: TSIG }));
    const given: Answers = {
      domain: "home.example.org",
      "pxe-host-key": pxe.publicKey,
      nodes: "1",
      "node1-mac": "52:54:00:00:00:11",
      "user1-name": "ada",
      "user1-email": "ada@example.org",
    };
    await expect(runWizard(flags(given), env)).resolves.toMatchObject({
      "node1-mac": "52:54:00:00:00:11",
    });
    const wrong = runWizard(flags({ ...given, "node1-mac": "52:54:zz" }), env);
    await expect(wrong).rejects.toThrow(WizardRefusal);
    await expect(wrong).rejects.toThrow(
      'hearth:nodes[0].mac: "52:54:zz" is not a MAC address; write six hex pairs with colons, e.g. 52:54:00:12:34:56',
    );
    const missing = { ...given };
    delete missing["node1-mac"];
    await expect(runWizard(flags(missing), env)).rejects.toThrow(
      "hearth:nodes[0].mac: is required",
    );
  });
});
