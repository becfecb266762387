/**
 * `npm run hearth -- plan`'s risk summary, on steps shaped as `pulumi preview --json` 3.248 writes them (op, urn,
 * oldState with its type, inputs, protect and retainOnDelete; read from a real preview of the dev stack).
 */
import { formatSummary, planStack, PlanStep, refusalOf, riskSummary } from "./plan";

const urn = (type: string, name: string) =>
  `urn:pulumi:dev::hearth::hearth:stack:Homelab$${type}::${name}`;
const step = (
  op: string,
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  flags: { protect?: boolean; retainOnDelete?: boolean } = {},
): PlanStep => ({ op, urn: urn(type, name), oldState: { type, inputs, ...flags } });

const NS = "kubernetes:core/v1:Namespace";
const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("riskSummary", () => {
  it("keeps a retired app's namespace and volumes, and says so; nothing is lost", () => {
    const r = riskSummary([
      step(
        "delete",
        NS,
        "hearth-zot-namespace",
        { metadata: { name: "zot" } },
        { retainOnDelete: true },
      ),
      step("delete", RELEASE, "hearth-zot-release", { name: "hearth-zot", namespace: "zot" }),
      step("update", RELEASE, "hearth-homepage-release", { namespace: "homepage" }),
    ]);
    expect(r.lost).toEqual([]);
    expect(r.kept).toEqual([
      "namespace zot (every image pushed to the registry (a volume)): stays where it is, no longer managed by this stack",
      "the release of zot (every image pushed to the registry (a volume)): uninstalled; its volumes stay (Helm keeps them)",
    ]);
    expect(r.counts).toEqual({ delete: 2, update: 1 });
  });

  it("calls a data app's namespace deleted without its guard lost (a state from before the guard)", () => {
    const r = riskSummary([
      step("delete", NS, "hearth-gitea-namespace", { metadata: { name: "gitea" } }),
      step("replace", "hearth:hearth:GiteaRepository", "hearth-gitops-repo", {}),
      step("delete", NS, "hearth-homepage-namespace", { metadata: { name: "homepage" } }),
    ]);
    expect(r.lost).toEqual([
      "namespace gitea (every repository, user and setting (SQLite and repositories on a volume)): delete",
      "the GitOps repository hearth-gitops-repo: replace",
    ]);
    expect(formatSummary(r)).toContain("DATA WOULD BE LOST");
  });

  it("lists the commands that would run on nodes and a node leaving the cluster", () => {
    const r = riskSummary([
      step("update", "hearth:ssh:RemoteCommand", "hearth-node-1-authorized-keys", {
        connection: { host: "10.77.0.11" },
      }),
      step("delete", "hearth:ssh:RemoteCommand", "hearth-node-4-prepare", {
        connection: { host: "10.77.0.14" },
      }),
      {
        op: "create",
        urn: urn("hearth:cluster:NodeRemoval", "hearth-node-4-removal"),
        newState: { type: "hearth:cluster:NodeRemoval", inputs: { node: "node-4" } },
      },
    ]);
    expect(r.nodes).toEqual([
      "10.77.0.11: hearth-node-1-authorized-keys (update: its update)",
      "10.77.0.14: hearth-node-4-prepare (delete: its delete command)",
      "node-4: drained and removed from the cluster",
    ]);
    expect(r.lost).toEqual([]);
  });

  it("names a declared deletion as declared", () => {
    const created: PlanStep = {
      op: "create",
      urn: urn("hearth:app:RetiredData", "hearth-victoria-logs-retired"),
      newState: { type: "hearth:app:RetiredData", inputs: { namespace: "victoria-logs" } },
    };
    expect(riskSummary([created]).kept).toEqual([
      "victoria-logs: deleted with its volumes once its release is uninstalled, as hearth:apps.retired says (delete-data)",
    ]);
  });
});

test("a refused preview shows the program's problems", () => {
  const out =
    "Previewing update (dev):\nerror: Hearth config has 1 problem; nothing was changed:\n  - hearth:apps.enabled: x\n\nResources:\n";
  expect(refusalOf(out)).toBe(
    "Hearth config has 1 problem; nothing was changed:\n  - hearth:apps.enabled: x",
  );
});

describe("planStack", () => {
  const run = (code: number, stdout: string, out = stdout) => {
    const said: string[] = [];
    const calls: string[][] = [];
    const exit = planStack(
      "home",
      (args) => {
        calls.push(args);
        return { code, stdout, out };
      },
      (t) => void said.push(t),
      (t) => void said.push(`! ${t}`),
    );
    return { exit, said, calls };
  };

  it("previews the stack as JSON and prints the summary; 1 when data would be lost", () => {
    const lost = run(
      0,
      JSON.stringify({
        steps: [step("delete", NS, "hearth-zot-namespace", { metadata: { name: "zot" } })],
      }),
    );
    expect(lost.calls).toEqual([["preview", "--json", "--stack", "home"]]);
    expect(lost.exit).toBe(1);
    expect(lost.said[0]).toContain("DATA WOULD BE LOST");
    const none = run(0, JSON.stringify({ steps: [] }));
    expect([none.exit, none.said]).toEqual([0, ["plan: no changes"]]);
  });

  it("fails with the program's refusal when the preview fails", () => {
    const r = run(
      1,
      "",
      "noise\nHearth config has 1 problem:\n  - hearth:nodes: bad\n\nmore noise",
    );
    expect(r.exit).toBe(1);
    expect(r.said).toEqual([
      "! plan: the preview of home failed:\nHearth config has 1 problem:\n  - hearth:nodes: bad",
    ]);
  });
});
