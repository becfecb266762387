import fc from "fast-check";
import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import { catalogue } from "../apps";
import { kubernetesVersionProblem } from "../components/cluster/existing-cluster";
import { keys } from "../stacks/schema";
import { hearthKeys, readStackFile } from "../stacks/stack-file";
import { ConfigError, formatProblems, validateConfig } from "../stacks/validate";

const dir = join(__dirname, "fixtures");
const files = (kind: string) => readdirSync(join(dir, kind)).filter((f) => f.endsWith(".yaml"));

function validateFile(path: string) {
  const stack = readStackFile(readFileSync(path, "utf8"));
  return validateConfig(hearthKeys(stack.values), new Set(stack.secretKeys), catalogue);
}

describe("config fixtures", () => {
  it("keeps at least 5 valid and 25 invalid fixtures", () => {
    expect(files("valid").length).toBeGreaterThanOrEqual(5);
    expect(files("invalid").length).toBeGreaterThanOrEqual(25);
  });

  it.each(files("valid"))("accepts valid/%s", (f) => {
    const result = validateFile(join(dir, "valid", f));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it.each(files("invalid"))("rejects invalid/%s with its exact messages", (f) => {
    const path = join(dir, "invalid", f);
    const expected = (parse(readFileSync(path, "utf8")) as { expect: string[] }).expect;
    expect(expected.length).toBeGreaterThan(0);
    const result = validateFile(path);
    expect(result.ok).toBe(false);
    const got = result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
    expect(got).toEqual(expected);
  });
});

describe("validated config", () => {
  it("applies documented defaults", () => {
    const result = validateFile(join(dir, "valid", "metal-home.yaml"));
    if (!result.ok) throw new Error(formatProblems(result.problems));
    const c = result.config;
    expect(c.nodes[0]).toMatchObject({
      disk: "/dev/sda",
      arch: "amd64",
      os: "debian",
      wakeOnLan: true,
      dhcp: false,
    });
    expect(c.cluster).toEqual({
      mode: "k3s",
      podCidr: "10.42.0.0/16",
      serviceCidr: "10.43.0.0/16",
      version: "v1.33.5+k3s1",
      flags: [],
      cisHardening: true,
    });
    expect(c.pxe).toMatchObject({
      port: 22,
      user: "hearth",
      httpPort: 8080,
      rootDir: "/srv/hearth",
    });
    expect(c.gitea).toEqual({ org: "hearth", repo: "gitops", username: "hearth-admin" });
    expect(c.ssh?.user).toBe("hearth");
  });

  it("lower-cases MAC addresses and the domain", () => {
    const result = validateFile(join(dir, "valid", "single-node-dhcp.yaml"));
    expect(result.ok && result.config.nodes[0].mac).toBe("aa:bb:cc:dd:ee:01");
  });

  it("takes only k3s versions an existing cluster's own check accepts, as stacks/nodes.ts derives them", () => {
    // ExistingCluster refuses a version it cannot read; the schema must never let one through.
    const version = fc
      .tuple(fc.nat(99), fc.nat(99), fc.nat(9))
      .map(([minor, patch, k3s]) => `v1.${minor}.${patch}+k3s${k3s}`);
    fc.assert(
      fc.property(version, (v) => {
        expect(keys.cluster.schema.safeParse({ mode: "existing", version: v }).success).toBe(true);
        expect(kubernetesVersionProblem(v.replace(/\+k3s\d+$/, ""))).toBeUndefined();
      }),
    );
  });

  it("formats every problem in one error that says nothing changed", () => {
    const err = new ConfigError([
      { path: "hearth:a", message: "is wrong" },
      { path: "hearth:b", message: "is missing" },
    ]);
    expect(err.message).toBe(
      "Hearth config has 2 problems; nothing was changed:\n  - hearth:a: is wrong\n  - hearth:b: is missing",
    );
  });
});

describe("a shrinking cluster", () => {
  // The invalid fixture with two servers: refused for a new home, taken on the way down from three.
  const twoServers = readdirSync(join(dir, "invalid"))
    .map((f) => join(dir, "invalid", f))
    .find((f) => readFileSync(f, "utf8").includes("2 servers cannot keep an etcd quorum"))!;
  const validate = (serversBefore?: number) => {
    const stack = readStackFile(readFileSync(twoServers, "utf8"));
    const r = validateConfig(hearthKeys(stack.values), new Set(stack.secretKeys), catalogue, {
      serversBefore,
    });
    return r.ok ? [] : r.problems.map((p) => p.message).filter((m) => m.includes("etcd quorum"));
  };
  it("passes through an even count for one run, one server per up, and says so when it stays there", () => {
    expect(validate()).toHaveLength(1);
    expect(validate(3)).toEqual([]);
    expect(validate(2)[0]).toContain("a shrink passes through it for one run only");
    expect(validate(1)).toHaveLength(1);
  });
});
