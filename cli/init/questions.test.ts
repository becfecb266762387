import { defaultRole, hostIn, InitEnv } from "./answers";
import { isQuestionFlag, nextQuestion, questionsFor, questionTemplates } from "./questions";

const env: InitEnv = { home: "/home/ada", timezone: "Europe/Berlin", readFile: () => undefined };

describe("questions", () => {
  it("derive defaults from the answers before them", () => {
    expect(hostIn("10.1.0.0/16", 2)).toBe("10.1.0.2");
    expect(hostIn("not a network", 2)).toBeUndefined();
    expect([1, 2].map((i) => defaultRole(i, 2))).toEqual(["server", "agent"]);
    expect([1, 2, 3, 4, 5].map((i) => defaultRole(i, 5))).toEqual([
      "server",
      "server",
      "server",
      "agent",
      "agent",
    ]);
    const q = questionsFor({ machines: "metal", lan: "10.1.0.0/24", nodes: "2" }, env);
    const dflt = (id: string) => q.find((x) => x.id === id)?.default;
    expect([
      dflt("gateway"),
      dflt("pxe"),
      dflt("node1-ip"),
      dflt("node2-ip"),
      dflt("node2-role"),
    ]).toEqual(["10.1.0.1", "10.1.0.2", "10.1.0.11", "10.1.0.12", "agent"]);
  });

  it("ask per machine, per person and per target only as many times as answered", () => {
    const ids = questionsFor(
      {
        machines: "hetzner",
        servers: "2",
        apps: "authelia,grafana",
        users: "1",
        backups: "1",
        dns: "cloudflare",
      },
      env,
    ).map((q) => q.id);
    expect(ids.filter((i) => /^server\d/.test(i))).toEqual([
      "server1-name",
      "server1-role",
      "server1-type",
      "server2-name",
      "server2-role",
      "server2-type",
    ]);
    expect(ids).toEqual(
      expect.arrayContaining([
        "hcloud-token",
        "user1-email",
        "target1-secret-key",
        "alerts-webhook",
      ]),
    );
    expect(ids).not.toContain("lan");
    expect(ids).not.toContain("acme-email"); // no cert-manager
    expect(nextQuestion({ stack: "home" }, env)?.id).toBe("domain");
  });

  it("name every flag a question can take, numbered ones as <n>", () => {
    const ids = questionTemplates(env).map((q) => q.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "node<n>-mac",
        "server<n>-type",
        "user<n>-email",
        "target<n>-secret-key",
      ]),
    );
    expect(isQuestionFlag("node12-mac", env)).toBe(true);
    expect(isQuestionFlag("tsig-secret-file", env)).toBe(true);
    expect(isQuestionFlag("domain-file", env)).toBe(false);
    expect(isQuestionFlag("nodes-mac", env)).toBe(false);
  });
});
