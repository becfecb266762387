/**
 * The dev stack file (Pulumi.dev.yaml) under mocks against a stand-in of the local sandbox: SSH to its nodes
 * with their pinned host keys, its existing cluster and Gitea, a sandbox that is not up, a values override the
 * chart's schema refuses, and a home CA handed to every Gitea call. Part of "the resource graph", with
 * resource-graph.program.test.ts.
 */
import { writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { evaluateStackFile } from "../cli/evaluate/evaluate";
import { pointAtSandbox, standInSandbox } from "../cli/evaluate/sandbox-files";
import { count, plainLeaks, root, withLocalCharts } from "./program-helpers";
import { isSecretValue, reveal } from "./mocks";

describe("the resource graph", () => {
  it("dev: SSH to the sandbox's nodes, its existing cluster, its Gitea and the enabled apps", async () => {
    const sandbox = standInSandbox(["node-1", "node-2", "node-3"]);
    const { registrations: regs } = await evaluateStackFile(
      join(root, "Pulumi.dev.yaml"),
      (values) => {
        pointAtSandbox(values, sandbox);
        withLocalCharts(values);
      },
    );
    const n = count(regs);
    expect(n["hearth:cluster:ExistingCluster"]).toBe(1);
    expect(n["kubernetes:helm.sh/v3:Release"]).toBe(14);
    expect(n["hearth:git:GitOpsRepo"]).toBe(1);
    const releases = regs.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    for (const rel of releases) expect(String(rel.inputs.chart)).toContain("hearth-charts-");
    // Each node is prepared over SSH with the host key the sandbox wrote, and the key file's contents.
    const prepares = regs.filter((r) => r.type === "hearth:ssh:RemoteCommand");
    expect(prepares.map((r) => r.name).sort()).toEqual([
      "hearth-node-1-prepare",
      "hearth-node-2-prepare",
      "hearth-node-3-prepare",
    ]);
    for (const p of prepares) {
      const node = p.name.replace(/^hearth-|-prepare$/g, "");
      // The connection carries the key, so it travels as one secret.
      expect(isSecretValue(p.inputs.connection)).toBe(true);
      expect(reveal(p.inputs.connection).hostKey).toBe(sandbox.hostKeys[node]);
    }
    expect(plainLeaks(regs, [sandbox.giteaToken, sandbox.operatorKey.split("\n")[1]])).toEqual([]);
    // Argo CD clones as the read-only user, and the admin's token never reaches the cluster.
    const repoSecret = regs.find((r) => r.name === "hearth-argocd-gitops-repo")!;
    const data = reveal(repoSecret.inputs).stringData as Record<string, string>;
    expect(data.username).toBe("hearth-argocd");
    expect(JSON.stringify(data)).not.toContain(sandbox.giteaToken);
    const reader = regs.find((r) => r.name === "hearth-gitops-reader")!;
    expect(reveal(reader.inputs)).toMatchObject({
      owner: "hearth",
      repo: "gitops",
      username: "hearth-argocd",
    });
  });

  it("dev: a sandbox that is not up is one problem naming the command that starts it", async () => {
    await expect(
      evaluateStackFile(join(root, "Pulumi.dev.yaml"), (values) => {
        pointAtSandbox(values, {
          dir: join(tmpdir(), "hearth-no-sandbox", ".sandbox"),
          operatorKey: "",
          giteaToken: "",
          hostKeys: {},
        });
        withLocalCharts(values);
      }),
    ).rejects.toThrow(
      /^Hearth config has 1 problem; nothing was changed:\n  - hearth:cluster\.kubeconfigPath, hearth:ssh\.privateKeyPath, hearth:gitea\.tokenPath, hearth:nodes\[0\]\.hostKeyPath \(and 5 more\): the local sandbox is not up \(no .*hearth-no-sandbox\/\.sandbox\/kubeconfig\); run npm run sandbox -- up$/,
    );
  });

  it("dev: a values override the chart's values.schema.json refuses is a config error before any change", async () => {
    const sandbox = standInSandbox(["node-1", "node-2", "node-3"]);
    await expect(
      evaluateStackFile(join(root, "Pulumi.dev.yaml"), (values) => {
        pointAtSandbox(values, sandbox);
        // The project's own charts, whose woodpecker schema closes the top-level keys.
        const apps = JSON.parse(values["hearth:apps"]);
        apps.settings = { woodpecker: { values: { serverr: { replicas: 2 } } } };
        values["hearth:apps"] = JSON.stringify(apps);
        values["hearth:charts"] = JSON.stringify({ localDir: join(root, "charts") });
      }),
    ).rejects.toThrow(
      "Hearth config has 1 problem; nothing was changed:\n  - hearth:apps.settings.woodpecker.values: serverr is not allowed by values.schema.json (additionalProperties: false) (chart woodpecker 3.4.2); fix or remove the override",
    );
  });

  it("dev: a home CA file is read and handed to every Gitea call; a file without a certificate is refused", async () => {
    const sandbox = standInSandbox(["node-1", "node-2", "node-3"]);
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBplanted\n-----END CERTIFICATE-----\n";
    const caFile = join(sandbox.dir, "home-ca.pem");
    writeFileSync(caFile, pem);
    const withCa = (file: string) => (values: Record<string, string>) => {
      pointAtSandbox(values, sandbox);
      withLocalCharts(values);
      const gitea = JSON.parse(values["hearth:gitea"]);
      values["hearth:gitea"] = JSON.stringify({ ...gitea, caPath: file });
    };
    const { registrations: regs } = await evaluateStackFile(
      join(root, "Pulumi.dev.yaml"),
      withCa(caFile),
    );
    const org = regs.find((r) => r.name === "hearth-gitops-org")!;
    expect(reveal(org.inputs.endpoint).ca).toBe(pem);
    const notPem = join(sandbox.dir, "not-a-cert.pem");
    writeFileSync(notPem, "hello\n");
    await expect(evaluateStackFile(join(root, "Pulumi.dev.yaml"), withCa(notPem))).rejects.toThrow(
      "hearth:gitea.caPath: holds no PEM certificate (-----BEGIN CERTIFICATE-----); point it at the home CA's certificate",
    );
  });
});
