/** The stand-in sandbox: the files the dev stack reads, where scripts/sandbox.sh writes them. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  pointAtSandbox,
  readsSandbox,
  SANDBOX_FILES,
  SANDBOX_S3_TARGETS,
  standInSandbox,
  withStandInSandbox,
} from "./sandbox-files";

/**
 * Every `$DIR/...` path scripts/sandbox.sh names, relative to the sandbox folder, with its shorthands written
 * out (`$G` is `$DIR/gitea`, a node's `$nd` is `$DIR/nodes/<node>`, an S3 server's `$d` is
 * `$DIR/s3/<target>`).
 */
function sandboxShPaths(): Set<string> {
  const text = readFileSync(join(__dirname, "../../scripts/sandbox.sh"), "utf8")
    .replace(/\$G\//g, "$DIR/gitea/")
    .replace(/\$(\{nd\}|nd)\//g, "$DIR/nodes/<node>/")
    .replace(/\$DIR\/nodes\/\$(name|1)\//g, "$DIR/nodes/<node>/")
    .replace(/\$(\{d\}|d)\//g, "$DIR/s3/<target>/");
  return new Set([...text.matchAll(/\$DIR\/([A-Za-z0-9_.<>/-]+)/g)].map((m) => m[1]));
}

describe("the sandbox's files", () => {
  const written = sandboxShPaths();
  it.each([
    ["operatorKey", SANDBOX_FILES.operatorKey],
    ["giteaToken", SANDBOX_FILES.giteaToken],
    ["kubeconfig", SANDBOX_FILES.kubeconfig],
    ["s3SecretKey", SANDBOX_FILES.s3SecretKey("<target>")],
    ["notifySecret", SANDBOX_FILES.notifySecret],
    ["hostKey", SANDBOX_FILES.hostKey("<node>")],
  ])("%s (%s) is a path scripts/sandbox.sh names", (_key, path) => {
    expect(written).toContain(path);
  });

  it("are all in the stand-in, secrets readable by their owner only", () => {
    const sandbox = standInSandbox(["node-1", "node-2"]);
    const files = [
      SANDBOX_FILES.operatorKey,
      SANDBOX_FILES.giteaToken,
      SANDBOX_FILES.kubeconfig,
      SANDBOX_FILES.notifySecret,
      ...SANDBOX_S3_TARGETS.map(SANDBOX_FILES.s3SecretKey),
    ];
    for (const f of files)
      expect([f, (statSync(join(sandbox.dir, f)).mode & 0o777).toString(8)]).toEqual([f, "600"]);
    for (const node of ["node-1", "node-2"])
      expect(readFileSync(join(sandbox.dir, SANDBOX_FILES.hostKey(node)), "utf8")).toBe(
        `${sandbox.hostKeys[node]}\n`,
      );
    expect(sandbox.dir.endsWith("/.sandbox")).toBe(true);
  });
});

describe("pointing a stack at the stand-in", () => {
  it("rewrites .sandbox/ paths, bare and inside JSON, and nothing else", () => {
    const values = {
      "hearth:kubeconfigPath": ".sandbox/kubeconfig",
      "hearth:backup": JSON.stringify({ targets: [{ keyPath: ".sandbox/s3/nas/secret-key" }] }),
      "hearth:domain": "my.sandbox/x",
    };
    expect(readsSandbox(values)).toBe(true);
    pointAtSandbox(values, {
      dir: "/tmp/x/.sandbox",
      operatorKey: "",
      giteaToken: "",
      hostKeys: {},
    });
    expect(values).toEqual({
      "hearth:kubeconfigPath": "/tmp/x/.sandbox/kubeconfig",
      "hearth:backup": JSON.stringify({
        targets: [{ keyPath: "/tmp/x/.sandbox/s3/nas/secret-key" }],
      }),
      "hearth:domain": "my.sandbox/x",
    });
  });

  it("makes a stand-in only for a stack that reads the sandbox, with its nodes' host keys", () => {
    expect(withStandInSandbox({ "hearth:domain": "home.example.org" })).toBeUndefined();
    const values = {
      "hearth:nodes": JSON.stringify([{ name: "a" }, { name: "b" }]),
      "hearth:sshPrivateKeyPath": ".sandbox/ssh/id_ed25519",
    };
    const sandbox = withStandInSandbox(values)!;
    expect(Object.keys(sandbox.hostKeys)).toEqual(["a", "b"]);
    expect(existsSync(values["hearth:sshPrivateKeyPath"])).toBe(true);
  });
});
