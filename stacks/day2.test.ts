import fc from "fast-check";
import { catalogue } from "../apps";
import {
  bootstrapServer,
  changeProblems,
  Day2Config,
  footprintFromOutputs,
  footprintOf,
  retiredProblems,
  serversRemovable,
} from "./day2";

function config(over: Partial<Day2Config> = {}): Day2Config {
  return {
    nodes: [
      { name: "s1", role: "server" },
      { name: "s2", role: "server" },
      { name: "s3", role: "server" },
      { name: "a1", role: "agent" },
    ],
    cluster: { mode: "k3s" },
    apps: { enabled: ["traefik", "gitea", "argocd", "zot"], retired: {} },
    gitea: { org: "hearth", repo: "gitops" },
    backup: {},
    ...over,
  };
}

const paths = (c: Day2Config, before = config()) =>
  changeProblems(footprintOf(before, catalogue), footprintOf(c, catalogue), c, catalogue).map(
    (p) => p.path,
  );

describe("the footprint a run leaves", () => {
  it("names the data apps, the servers with the bootstrap first, the GitOps repository and the backups", () => {
    const f = footprintOf(config(), catalogue);
    expect(f).toEqual({
      version: 1,
      clusterId: "hearth-k3s",
      servers: ["s1", "s2", "s3"],
      agents: ["a1"],
      dataApps: ["gitea", "argocd", "zot"],
      deleted: [],
      gitops: { org: "hearth", repo: "gitops" },
      backup: true,
    });
  });

  it("keeps the server that bootstrapped the cluster first, however the nodes are reordered", () => {
    const before = footprintOf(config(), catalogue);
    const reordered = config({
      nodes: [
        { name: "a1", role: "agent" },
        { name: "s3", role: "server" },
        { name: "s1", role: "server" },
        { name: "s2", role: "server" },
      ],
    });
    expect(bootstrapServer(reordered, before)).toBe("s1");
    expect(footprintOf(reordered, catalogue, before).servers).toEqual(["s1", "s3", "s2"]);
    // A new home, or one whose founder left, starts with the first server listed.
    expect(bootstrapServer(reordered)).toBe("s3");
  });
});

describe("changes refused before anything changes", () => {
  it("accepts the same config, a reorder, a new agent and one server fewer of three", () => {
    expect(paths(config())).toEqual([]);
    const nodes = config().nodes;
    expect(paths(config({ nodes: [...nodes].reverse() }))).toEqual([]);
    expect(paths(config({ nodes: [...nodes, { name: "a2", role: "agent" }] }))).toEqual([]);
    expect(paths(config({ nodes: nodes.filter((n) => n.name !== "s3") }))).toEqual([]);
  });

  it("refuses an app with data removed without hearth:apps.retired, naming both keys", () => {
    const c = config({ apps: { enabled: ["traefik", "gitea", "argocd"], retired: {} } });
    const problems = changeProblems(
      footprintOf(config(), catalogue),
      footprintOf(c, catalogue),
      c,
      catalogue,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe("hearth:apps.enabled");
    expect(problems[0].message).toContain('"zot" was removed');
    expect(problems[0].message).toContain("hearth:apps.retired");
    expect(problems[0].message).toContain("zot: keep-data");
  });

  it("takes a retirement, either way, as the declared intent; an app without data needs none", () => {
    for (const how of ["keep-data", "delete-data"] as const) {
      const c = config({
        apps: { enabled: ["traefik", "gitea", "argocd"], retired: { zot: how } },
      });
      expect(paths(c)).toEqual([]);
    }
    expect(paths(config({ apps: { enabled: ["gitea", "argocd", "zot"], retired: {} } }))).toEqual(
      [],
    );
  });

  it("refuses keep-data for a volume an earlier Hearth deployed without the keep annotation", () => {
    const { footprint, legacy } = footprintFromOutputs(
      { urls: { zot: "https://registry.example.org", gitea: "https://git.example.org" } },
      catalogue,
    );
    expect(legacy).toBe(true);
    expect(footprint?.dataApps.sort()).toEqual(["gitea", "zot"]);
    const c = config({ apps: { enabled: ["traefik", "gitea"], retired: { zot: "keep-data" } } });
    const problems = changeProblems(footprint, footprintOf(c, catalogue), c, catalogue, true);
    expect(problems.map((p) => p.path)).toEqual(["hearth:apps.retired.zot"]);
    expect(problems[0].message).toContain("Run `pulumi up` once");
  });

  it("refuses more servers removed at once than etcd can lose", () => {
    const two = config({ nodes: [{ name: "s1", role: "server" }] });
    const problems = changeProblems(
      footprintOf(config(), catalogue),
      footprintOf(two, catalogue),
      two,
      catalogue,
    );
    expect(problems.map((p) => p.path)).toEqual(["hearth:nodes"]);
    expect(problems[0].message).toContain("servers s2, s3 would leave the cluster at once");
    expect(problems[0].message).toContain("Remove at most 1 server per");
  });

  it("refuses a new cluster identity unless hearth:cluster.id says which", () => {
    const moved = config({ cluster: { mode: "existing" } });
    expect(paths(moved)).toEqual(["hearth:cluster"]);
    expect(paths(config({ cluster: { mode: "existing", id: "hearth-cluster" } }))).toEqual([]);
    expect(paths(config({ cluster: { mode: "k3s", id: "hearth-k3s" } }))).toEqual([]);
  });

  it("refuses switching backups off, which would lose the repository password", () => {
    expect(paths(config({ backup: undefined }))).toEqual(["hearth:backup"]);
  });

  it("reports every problem of one change at once", () => {
    const c = config({
      nodes: [{ name: "s1", role: "server" }],
      apps: { enabled: ["traefik"], retired: {} },
      backup: undefined,
    });
    expect(paths(c)).toEqual([
      "hearth:apps.enabled",
      "hearth:apps.enabled",
      "hearth:apps.enabled",
      "hearth:nodes",
      "hearth:backup",
    ]);
  });

  it("removes servers one at a time, whatever the size: never below quorum (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 7 }), (n, k) => {
        const removed = Math.min(k, n);
        const allowed = removed <= serversRemovable(n);
        // Allowed exactly when the servers left are a majority of the members before.
        return allowed === n - removed > n / 2;
      }),
    );
  });
});

describe("hearth:apps.retired on its own", () => {
  it("names an unknown app, an app without data and an app that is also enabled", () => {
    const problems = retiredProblems(
      {
        enabled: ["gitea"],
        retired: { gito: "keep-data", traefik: "delete-data", gitea: "keep-data" },
      },
      catalogue,
    );
    expect(problems.map((p) => p.path)).toEqual([
      "hearth:apps.retired.gito",
      "hearth:apps.retired.traefik",
      "hearth:apps.retired.gitea",
    ]);
    expect(problems[1].message).toContain("keeps no data");
    expect(problems[2].message).toContain("either enabled or retired");
  });

  it("refuses a footprint written by a newer Hearth", () => {
    expect(() => footprintFromOutputs({ footprint: { version: 2 } }, catalogue)).toThrow(
      /newer Hearth/,
    );
  });
});

describe("a k3s version change", () => {
  const at = (version: string) => config({ cluster: { mode: "k3s", version } });
  const refusal = (from: string, to: string) =>
    changeProblems(
      footprintOf(at(from), catalogue),
      footprintOf(at(to), catalogue),
      at(to),
      catalogue,
    );

  it("is remembered in the footprint of a home whose nodes run k3s, not of an existing cluster", () => {
    expect(footprintOf(at("v1.33.5+k3s1"), catalogue).k3s).toBe("v1.33.5+k3s1");
    const existing = config({ cluster: { mode: "existing", version: "v1.33.5+k3s1" } });
    expect(footprintOf(existing, catalogue).k3s).toBeUndefined();
  });

  it("passes within a minor line and to the next one", () => {
    expect(refusal("v1.33.5+k3s1", "v1.33.6+k3s2")).toEqual([]);
    expect(refusal("v1.33.5+k3s1", "v1.34.1+k3s1")).toEqual([]);
    expect(refusal("v1.33.5+k3s1", "v1.33.5+k3s1")).toEqual([]);
  });

  it("refuses a skipped minor at cluster.version, with the path through each one", () => {
    expect(refusal("v1.31.2+k3s1", "v1.34.1+k3s1")).toEqual([
      {
        path: "hearth:cluster.version",
        message:
          "would move k3s from v1.31.2+k3s1 to v1.34.1+k3s1, skipping v1.32, v1.33: Kubernetes upgrades one minor " +
          "version at a time. Set it to a v1.32 release (vX.Y.Z+k3sN), run `pulumi up`, and go on the same way " +
          "through v1.32 -> v1.33 -> v1.34",
      },
    ]);
  });

  it("refuses a move back to an older minor", () => {
    const [p] = refusal("v1.34.1+k3s1", "v1.33.5+k3s1");
    expect(p.path).toBe("hearth:cluster.version");
    expect(p.message).toContain("Kubernetes does not go back a minor version. Keep v1.34.1+k3s1");
  });

  it("says nothing when the previous run's footprint has no version (an older Hearth)", () => {
    const before = footprintOf(at("v1.31.2+k3s1"), catalogue);
    delete before.k3s;
    const next = at("v1.34.1+k3s1");
    expect(changeProblems(before, footprintOf(next, catalogue), next, catalogue)).toEqual([]);
  });
});
