/**
 * Day 2 in the whole program under mocks (the home example evaluated again with the previous run's outputs):
 * the footprint and the data guards, a node drained and removed when it leaves the config, an app with data
 * refused when removed without a retirement, and retirements with keep-data and delete-data.
 */
import { join } from "path";
import { evaluateStackFile } from "../cli/evaluate/evaluate";
import { root } from "./program-helpers";
import { isSecretValue, reveal } from "./mocks";

describe("day 2 in the whole program", () => {
  const home = join(root, "stacks/examples/Pulumi.home.yaml");
  const withApps =
    (change: (apps: Record<string, unknown>) => void) => (values: Record<string, string>) => {
      const apps = JSON.parse(values["hearth:apps"]);
      change(apps);
      values["hearth:apps"] = JSON.stringify(apps);
    };

  it("exports the footprint the next run checks a change against, and guards data with Pulumi's own options", async () => {
    const { registrations: regs, outputs } = await evaluateStackFile(home);
    const footprint = outputs.footprint as {
      dataApps: string[];
      servers: string[];
      backup: boolean;
    };
    expect(footprint.dataApps).toEqual(expect.arrayContaining(["gitea", "authelia", "argocd"]));
    expect(footprint.servers.length).toBeGreaterThan(0);
    expect(footprint.backup).toBe(true);
    const byName = (n: string) => regs.find((r) => r.name === n)!;
    expect(byName("hearth-gitea-namespace").options.retainOnDelete).toBe(true);
    expect(byName("hearth-traefik-namespace").options.retainOnDelete).toBe(false);
    for (const n of ["hearth-gitops-org", "hearth-gitops-repo", "hearth-gitops-files"])
      expect(byName(n).options.retainOnDelete).toBe(true);
    expect(byName("hearth-secrets-backup-repository").options.protect).toBe(true);
    expect(byName("hearth-etcd-s3").options.retainOnDelete).toBe(true);
    // No node left since the previous run: nothing to drain.
    expect(regs.filter((r) => r.type === "hearth:cluster:NodeRemoval")).toEqual([]);
  });

  it("drains and removes a node the previous run had and the config no longer lists, and only that", async () => {
    const { outputs } = await evaluateStackFile(home);
    // One server of three: etcd keeps its quorum, so the change is taken.
    const servers = (outputs.footprint as { servers: string[] }).servers;
    expect(servers.length).toBe(3);
    const gone = servers[servers.length - 1];
    const { registrations: regs } = await evaluateStackFile(
      home,
      (values) => {
        const nodes = JSON.parse(values["hearth:nodes"]) as { name: string }[];
        values["hearth:nodes"] = JSON.stringify(nodes.filter((n) => n.name !== gone));
      },
      outputs,
    );
    const removals = regs.filter((r) => r.type === "hearth:cluster:NodeRemoval");
    expect(removals.map((r) => reveal(r.inputs).node)).toEqual([gone]);
    expect(isSecretValue(removals[0].rawInputs.kubeconfig)).toBe(true);
  });

  it("keeps a node's removal registered in the runs after it (a clean preview), until the node comes back", async () => {
    const agent = { name: "node4", role: "agent", mac: "52:54:00:00:00:14", ip: "192.168.1.14" };
    const nodes =
      (edit: (n: { name: string }[]) => { name: string }[]) => (values: Record<string, string>) => {
        values["hearth:nodes"] = JSON.stringify(
          edit(JSON.parse(values["hearth:nodes"]) as { name: string }[]),
        );
      };
    const withAgent = nodes((n) => [...n, agent]);
    const removalsOf = (regs: { type: string; inputs: unknown }[]) =>
      regs.filter((r) => r.type === "hearth:cluster:NodeRemoval").map((r) => reveal(r.inputs).node);
    const first = await evaluateStackFile(home, withAgent);
    expect((first.outputs.footprint as { agents: string[] }).agents).toEqual(["node4"]);
    const removing = await evaluateStackFile(home, undefined, first.outputs);
    expect(removalsOf(removing.registrations)).toEqual(["node4"]);
    expect((removing.outputs.footprint as { removed?: string[] }).removed).toEqual(["node4"]);
    // The run after: the same removal is registered again, so the engine plans nothing for it.
    const after = await evaluateStackFile(home, undefined, removing.outputs);
    expect(removalsOf(after.registrations)).toEqual(["node4"]);
    const back = await evaluateStackFile(home, withAgent, after.outputs);
    expect(removalsOf(back.registrations)).toEqual([]);
    expect((back.outputs.footprint as { removed?: string[] }).removed).toBeUndefined();
  });

  it("refuses an app with data removed without a retirement, before any resource registers (its own outputs are read, not registered)", async () => {
    const { outputs } = await evaluateStackFile(home);
    await expect(
      evaluateStackFile(
        home,
        withApps((apps) => {
          apps.enabled = (apps.enabled as string[]).filter((a) => a !== "zot");
        }),
        outputs,
      ),
    ).rejects.toThrow(/hearth:apps\.enabled: "zot" was removed, but it keeps data/);
    const { registrations } = await import("./mocks");
    expect(registrations).toEqual([]);
  });

  it("keeps a namespace an app retired with keep-data left closed to the GitOps repository's Applications", async () => {
    const { outputs } = await evaluateStackFile(home);
    const deniedWith = async (how?: string) => {
      const { registrations: regs } = await evaluateStackFile(
        home,
        withApps((apps) => {
          if (!how) return;
          apps.enabled = (apps.enabled as string[]).filter((a) => a !== "zot");
          apps.retired = { zot: how };
        }),
        outputs,
      );
      const project = regs.find((r) => r.name === "hearth-argocd-project-hearth-apps")!;
      return (reveal(project.inputs).spec.destinations as { namespace: string }[])
        .map((d) => d.namespace)
        .filter((n) => n.startsWith("!"));
    };
    const enabled = await deniedWith();
    expect(enabled).toContain("!zot");
    // Retired with its data: the same project, so the retirement changes nothing of Argo CD's.
    expect(await deniedWith("keep-data")).toEqual(enabled);
    // Its namespace deleted with the data: nothing left to guard.
    expect(await deniedWith("delete-data")).toEqual(enabled.filter((n) => n !== "!zot"));
  });

  it("retires an app: keep-data registers nothing of it, delete-data deletes its namespace (and for argocd the GitOps repository)", async () => {
    const { outputs } = await evaluateStackFile(home);
    const retire = (how: string) =>
      withApps((apps) => {
        apps.enabled = (apps.enabled as string[]).filter((a) => a !== "zot" && a !== "argocd");
        apps.retired = { zot: how, argocd: how };
      });
    const kept = await evaluateStackFile(home, retire("keep-data"), outputs);
    expect(kept.registrations.filter((r) => r.name.includes("zot"))).toEqual([]);
    expect(kept.registrations.filter((r) => r.type === "hearth:app:RetiredData")).toEqual([]);
    const deleted = await evaluateStackFile(home, retire("delete-data"), outputs);
    const retired = deleted.registrations.filter((r) => r.type === "hearth:app:RetiredData");
    expect(retired.map((r) => reveal(r.inputs).namespace).sort()).toEqual(["argocd", "zot"]);
    const argocd = retired.find((r) => reveal(r.inputs).namespace === "argocd")!;
    expect(reveal(argocd.inputs).gitea).toMatchObject({ owner: "hearth", repo: "gitops" });
    expect(isSecretValue(argocd.rawInputs.gitea)).toBe(true);
    expect((deleted.outputs.footprint as { deleted: string[] }).deleted.sort()).toEqual([
      "argocd",
      "zot",
    ]);
  });
});
