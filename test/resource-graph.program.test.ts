/**
 * The whole program's resource graph under mocks, stack file by stack file: what each example and fixture
 * registers, the order that matters (servers before agents, Gitea's API calls after its route, each app after
 * what it needs), the tokens Gitea is driven with, and a bad stack file registering nothing. The dev stack's
 * part of this describe is in dev-stack.program.test.ts.
 */
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { catalogue } from "../apps";
import { evaluateStackFile } from "../cli/evaluate/evaluate";
import { count, dependsOn, examples, root, withLocalCharts } from "./program-helpers";
import { isSecretInput, isSecretValue, Registration, reveal } from "./mocks";

describe("the resource graph", () => {
  it("hetzner: four servers on one network, k3s, a tunnel with a CNAME per app", async () => {
    const { registrations: regs } = await evaluateStackFile(join(root, examples[1]));
    const n = count(regs);
    expect(n["hcloud:index/server:Server"]).toBe(4);
    expect(n["hcloud:index/network:Network"]).toBe(1);
    expect(n["hearth:cluster:K3s"]).toBe(1);
    expect(n["cloudflare:index/dnsRecord:DnsRecord"]).toBe(2); // gitea, woodpecker
    expect(n["kubernetes:helm.sh/v3:Release"]).toBe(4);
    const installs = regs.filter(
      (r) => r.type === "hearth:ssh:RemoteCommand" && /^hearth-k3s-/.test(r.name),
    );
    const agent = installs.find((r) => r.name === "hearth-k3s-worker1")!;
    for (const server of ["cp1", "cp2", "cp3"])
      expect(dependsOn(regs, agent, installs.find((r) => r.name === `hearth-k3s-${server}`)!)).toBe(
        true,
      );
  });

  it("internal-only: no Cloudflare resources, a home CA issuer", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "test/fixtures/valid/existing-cluster.yaml"),
      withLocalCharts,
    );
    expect(regs.filter((r) => r.type.startsWith("cloudflare:"))).toEqual([]);
    const issuers = regs.filter((r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer");
    expect(issuers.length).toBeGreaterThan(0);
    expect(issuers.some((r) => JSON.stringify(r.inputs).includes("selfSigned"))).toBe(true);
  });

  it("co-op on its own DNS (RFC 2136): a record per app, no Cloudflare, cert-manager solving through the same key", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "test/fixtures/valid/coop-rfc2136.yaml"),
    );
    expect(regs.filter((r) => r.type.startsWith("cloudflare:"))).toEqual([]);
    const component = regs.find((r) => r.type === "hearth:edge:AppRecords")!;
    const records = regs.filter((r) => r.type === "hearth:edge:Rfc2136Record");
    expect(records.map((r) => [r.parent, reveal(r.inputs.name), reveal(r.inputs.values)])).toEqual([
      [component.urn, "git.apps.coop.example.org", ["203.0.113.10"]],
      [component.urn, "argocd.apps.coop.example.org", ["203.0.113.10"]],
      [component.urn, "home.apps.coop.example.org", ["203.0.113.10"]],
    ]);
    for (const r of records) {
      expect(r.inputs).toMatchObject({
        server: "ns1.coop.example.org:53",
        zone: "coop.example.org",
      });
      expect(isSecretValue(r.rawInputs.tsig)).toBe(true);
    }
    const issuer = regs.find((r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer")!;
    expect(reveal(issuer.inputs.spec).acme.solvers[0].dns01).toEqual({
      rfc2136: {
        nameserver: "ns1.coop.example.org:53",
        tsigKeyName: "hearth-coop",
        tsigAlgorithm: "HMACSHA256",
        tsigSecretSecretRef: { name: "rfc2136-tsig", key: "tsig-secret" },
      },
    });
    // Gitea's API is called at its hostname: Hearth's Gitea token waits for the records, and the GitOps
    // repository for the token.
    const token = regs.find((x) => x.type.endsWith(":GiteaAccessToken"))!;
    expect(token.dependencies).toEqual(expect.arrayContaining(records.map((r) => r.urn)));
    const gitops = regs.find((r) => r.type === "hearth:git:GitOpsRepo")!;
    expect(gitops.dependencies).toEqual(expect.arrayContaining([token.urn]));
  });

  it("home: Gitea's API calls wait for its route (Ingress, tunnel, DNS), not only its release", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "stacks/examples/Pulumi.home.yaml"),
      withLocalCharts,
    );
    const urnOf = (type: string, name: string) => {
      const r = regs.find((x) => x.type === type && x.name === name);
      if (!r) throw new Error(`no ${type} ${name}`);
      return r.urn;
    };
    const ingress = urnOf("kubernetes:networking.k8s.io/v1:Ingress", "hearth-gitea-ingress");
    const records = regs
      .filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord")
      .map((r) => r.urn);
    expect(records.length).toBeGreaterThan(0);
    // The first call makes Hearth's scoped token with the admin's password; every other call uses the token,
    // so it waits for it.
    const token = regs.find((x) => x.type.endsWith(":GiteaAccessToken"))!;
    expect(token.dependencies).toEqual(expect.arrayContaining([ingress, ...records]));
    for (const [type, name] of [
      ["hearth:git:GitOpsRepo", "hearth-gitops"],
      ["hearth:git:GiteaOAuth2Application", "hearth-woodpecker-oauth"],
    ]) {
      const r = regs.find((x) => x.type.endsWith(type.split(":").pop()!) && x.name === name)!;
      expect([name, r.dependencies]).toEqual([name, expect.arrayContaining([token.urn])]);
    }
  });

  it("home: Hearth calls Gitea with a scoped token, and Argo CD clones in the cluster with a read-only one", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "stacks/examples/Pulumi.home.yaml"),
      withLocalCharts,
    );
    const token = regs.find((x) => x.type.endsWith(":GiteaAccessToken"))!;
    expect(reveal(token.inputs.scopes)).toEqual([
      "write:admin",
      "write:organization",
      "write:repository",
      "write:user",
    ]);
    expect(isSecretInput(token, "endpoint")).toBe(true);
    // No Gitea resource but the token sends the admin's password.
    for (const r of regs.filter((x) => /:Gitea|:GitOps/.test(x.type) && x !== token)) {
      const endpoint = reveal(r.inputs.endpoint) as
        | { password?: string; token?: string }
        | undefined;
      if (endpoint === undefined) continue;
      expect([r.name, endpoint.password]).toEqual([r.name, undefined]);
    }
    const repoSecret = regs.find(
      (x) => x.type === "kubernetes:core/v1:Secret" && x.name === "hearth-argocd-gitops-repo",
    )!;
    const data = reveal(repoSecret.inputs.stringData);
    expect(data.url).toBe("http://gitea-http.gitea.svc.cluster.local:3000/hearth/gitops.git");
    expect(data.username).toBe("hearth-argocd");
    // The reader's read:repository token, never its password (a generated one, "planted-..." under mocks).
    expect(data.password).toBe("gitea-token-hearth-gitops-reader");
    expect(isSecretInput(repoSecret, "stringData")).toBe(true);
  });

  it("home: each app waits for the edge, for the apps its catalogue entry needs, and (OIDC) for the identity provider", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "stacks/examples/Pulumi.home.yaml"),
      withLocalCharts,
    );
    const component = (app: string) => {
      const r = regs.find((x) => x.name === `hearth-${app}` && x.type.startsWith("hearth:"));
      if (!r) throw new Error(`no component hearth-${app}`);
      return r;
    };
    // Everything under an app's component (its parent chain reaches it).
    const byUrn = new Map(regs.map((r) => [r.urn, r]));
    const under = (top: Registration) =>
      new Set(
        regs
          .filter((r) => {
            for (let u: string | undefined = r.urn; u; u = byUrn.get(u)?.parent)
              if (u === top.urn) return true;
            return false;
          })
          .map((r) => r.urn),
      );
    const enabled = Object.keys(catalogue).filter((a) =>
      regs.some((r) => r.name === `hearth-${a}` && r.type.startsWith("hearth:")),
    );
    expect(enabled).toEqual(
      expect.arrayContaining(["gitea", "grafana", "victoria-logs-collector"]),
    );
    const waits: string[] = [];
    for (const app of enabled) {
      const deps = component(app).dependencies;
      for (const other of enabled)
        if (deps.some((d) => under(component(other)).has(d))) waits.push(`${app} -> ${other}`);
    }
    const edge = ["traefik", "cert-manager"];
    const expected = enabled.flatMap((app) => [
      ...new Set([
        ...(edge.includes(app) ? [] : edge.map((e) => `${app} -> ${e}`)),
        ...catalogue[app].needs.filter((n) => enabled.includes(n)).map((n) => `${app} -> ${n}`),
        ...(catalogue[app].sso === "oidc" ? [`${app} -> authelia`] : []),
      ]),
    ]);
    expect(waits.sort()).toEqual(expected.sort());
  });

  it("home: cert-manager's in-cluster Cloudflare token is the DNS-only one, never the tunnel token", async () => {
    const { registrations: regs } = await evaluateStackFile(
      join(root, "stacks/examples/Pulumi.home.yaml"),
      withLocalCharts,
    );
    const secrets = regs.filter(
      (r) => r.type === "kubernetes:core/v1:Secret" && /cert-manager/.test(r.name),
    );
    const text = JSON.stringify(secrets.map((r) => reveal(r.inputs.stringData)));
    expect(text).toContain("v1:cfdnstoken");
    expect(text).not.toContain("v1:cftoken");
  });

  it("a bad stack file fails before any resource registers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-bad-"));
    const file = join(dir, "Pulumi.bad.yaml");
    writeFileSync(
      file,
      "config:\n  hearth:domain: not a domain\n  hearth:cluster: { mode: existing }\n",
    );
    await expect(evaluateStackFile(file)).rejects.toThrow(
      /hearth:domain: "not a domain" is not a domain name/,
    );
    const { registrations } = await import("./mocks");
    expect(registrations).toEqual([]);
  });
});
