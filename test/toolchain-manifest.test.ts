/**
 * The manifest check of `npm run toolchain -- import` (scripts/toolchain/manifest.ts): an archive built for
 * other versions is refused naming both, a file whose sha256 differs is refused naming the file, and no path
 * outside the toolchain's folders (state, logs, credentials, the sandbox's state) is ever accepted.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  FoundFile,
  MANIFEST_FORMAT,
  Manifest,
  archiveProblems,
  exportablePath,
  fileProblems,
  manifestProblems,
  parseVersionsEnv,
  stampPart,
} from "../scripts/toolchain/manifest";

const ours = parseVersionsEnv(
  readFileSync(join(__dirname, "..", "scripts", "toolchain", "versions.env"), "utf8"),
);
const pv = ours.HEARTH_PULUMI_VERSION;
const A = "a".repeat(64);
const B = "b".repeat(64);

const manifest = (over: Partial<Manifest> = {}): Manifest => ({
  format: MANIFEST_FORMAT,
  created: "2026-12-06T00:00:00.000Z",
  versions: { ...ours },
  go: "go1.26.8",
  stamps: [`toolchain/${pv}/stamps/pulumi-v${pv}-0123456789abcdef`],
  files: [
    { path: `toolchain/${pv}/bin/pulumi`, sha256: A, size: 1, executable: true },
    { path: "sandbox/bin/kwok", sha256: B, size: 1, executable: true },
  ],
  ...over,
});
const found = (entries: [string, FoundFile][]) => new Map<string, FoundFile>(entries);
const file = (sha256: string): FoundFile => ({ kind: "file", sha256 });

describe("parseVersionsEnv", () => {
  it("reads the pins of scripts/toolchain/versions.env, without comments", () => {
    expect(ours.HEARTH_PULUMI_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(ours.HEARTH_SANDBOX_GITEA_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(parseVersionsEnv("# c\nA=1 # one\n\n  B=v2\nnot a pin\n")).toEqual({ A: "1", B: "v2" });
  });
});

describe("manifestProblems", () => {
  it("accepts an archive built for this checkout's versions", () => {
    expect(manifestProblems(manifest(), ours)).toEqual([]);
  });

  it("refuses other versions, naming the key and both values", () => {
    const theirs = { ...ours, HEARTH_SANDBOX_GITEA_VERSION: "1.25.0" };
    expect(manifestProblems(manifest({ versions: theirs }), ours)).toEqual([
      `HEARTH_SANDBOX_GITEA_VERSION: the archive has 1.25.0, this checkout's ` +
        `scripts/toolchain/versions.env pins ${ours.HEARTH_SANDBOX_GITEA_VERSION}`,
    ]);
  });

  it("refuses a pin the archive lacks or one this checkout lacks", () => {
    const fewer = { ...ours };
    delete fewer.HEARTH_SANDBOX_VM_VERSION;
    expect(manifestProblems(manifest({ versions: fewer }), ours)).toEqual([
      expect.stringMatching(/^HEARTH_SANDBOX_VM_VERSION: the archive has no value, .* pins /),
    ]);
    expect(manifestProblems(manifest({ versions: { ...ours, HEARTH_X: "1" } }), ours)).toEqual([
      expect.stringMatching(/^HEARTH_X: the archive has 1, .* pins nothing$/),
    ]);
  });

  it("refuses another format, and what is not a manifest", () => {
    expect(manifestProblems(manifest({ format: "hearth-toolchain/0" }), ours)[0]).toMatch(
      /format is hearth-toolchain\/0/,
    );
    expect(manifestProblems(null, ours)).toEqual(["the manifest is not a JSON object"]);
    expect(manifestProblems({ format: MANIFEST_FORMAT }, ours)).toEqual([
      "the manifest has no versions or no file list",
    ]);
  });

  it("refuses paths outside the toolchain's folders, and a path listed twice", () => {
    const bad = ["state/.pulumi/stacks/dev.json", "../etc/passwd", "/etc/passwd"];
    const files = [
      ...manifest().files,
      manifest().files[0],
      ...bad.map((path) => ({ path, sha256: A, size: 1, executable: false })),
    ];
    expect(manifestProblems(manifest({ files }), ours)).toEqual([
      `toolchain/${pv}/bin/pulumi: listed twice`,
      ...bad.map((p) => `${p}: not a file of the toolchain (refused)`),
    ]);
  });

  it("refuses an entry without a sha256", () => {
    const files = [{ path: "sandbox/bin/kwok", sha256: "x", size: 1, executable: true }];
    expect(manifestProblems(manifest({ files }), ours)[0]).toMatch(/not \{path, sha256\}/);
  });
});

describe("exportablePath", () => {
  it.each([
    `toolchain/${pv}/bin/pulumi`,
    `toolchain/${pv}/stamps/pulumi-v${pv}-0123456789abcdef`,
    `pulumi-home/plugins/resource-kubernetes-v${ours.HEARTH_PROVIDER_KUBERNETES_VERSION}/pulumi-resource-kubernetes`,
    "sandbox/bin/gitea",
    "sandbox/stamps/gitea-v1.26.0-0123456789abcdef",
    "sandbox/share/gitea/options/locale/locale_en-US.ini",
    "sandbox/versions.env",
    "images/pause-3.10-hearth.tar",
    "images/stamps/pause-3.10-hearth-0123456789abcdef",
  ])("takes %s", (p) => expect(exportablePath(p, ours)).toBe(true));

  it.each([
    "state/.pulumi/stacks/hearth/dev.json",
    "pulumi-home/credentials.json",
    "pulumi-home/workspaces/hearth-workspace.json",
    "pulumi-home/plugins/resource-kubernetes-v4.0.0/pulumi-resource-kubernetes",
    `toolchain/${pv}/logs/pulumi.log`,
    `toolchain/${pv}/timings.tsv`,
    `toolchain/${pv}/work/pulumi-resource-kubernetes-v4.25.0/schema.json`,
    "toolchain/0.0.1/bin/pulumi",
    "sandbox/logs/gitea.log",
    "sandbox/bin/gitea.tmp",
    "sandbox/bin/sub/x",
    "venv-pykickstart-3.78/bin/python",
    ".sandbox/pki/ca.key",
    "sandbox/share/../../state/x",
    "sandbox/share//x",
    "images/timings.tsv",
    "images/logs/traefik.log",
    "images/work/pause-root/pause",
    "images/pause-3.10-hearth.tar.tmp",
  ])("refuses %s", (p) => expect(exportablePath(p, ours)).toBe(false));
});

describe("fileProblems", () => {
  const good = found([
    [`toolchain/${pv}/bin/pulumi`, file(A)],
    ["sandbox/bin/kwok", file(B)],
  ]);

  it("accepts files that are exactly the manifest's", () => {
    expect(fileProblems(manifest(), good)).toEqual([]);
  });

  it("refuses a file whose sha256 differs, naming the file and both hashes", () => {
    const altered = new Map(good).set("sandbox/bin/kwok", file(A));
    expect(fileProblems(manifest(), altered)).toEqual([
      `sandbox/bin/kwok: sha256 ${A}, the manifest says ${B}`,
    ]);
  });

  it("refuses a missing file, an extra one and a symlink", () => {
    const m = new Map(good);
    m.delete("sandbox/bin/kwok");
    m.set("sandbox/bin/extra", file(A));
    m.set(`toolchain/${pv}/bin/pulumi`, { kind: "other", what: "symlink" });
    expect(fileProblems(manifest(), m)).toEqual([
      `toolchain/${pv}/bin/pulumi: a symlink, not a regular file`,
      "sandbox/bin/kwok: in the manifest but not in the archive",
      "sandbox/bin/extra: in the archive but not in the manifest",
    ]);
  });
});

describe("archiveProblems", () => {
  it("checks versions before files: a mismatch is refused without looking at the files", () => {
    const theirs = { ...ours, HEARTH_PULUMI_VERSION: "3.0.0" };
    const problems = archiveProblems(manifest({ versions: theirs }), ours, found([]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^HEARTH_PULUMI_VERSION: the archive has 3.0.0/);
  });

  it("names the altered file when the versions agree", () => {
    const m = found([
      [`toolchain/${pv}/bin/pulumi`, file(B)],
      ["sandbox/bin/kwok", file(B)],
    ]);
    expect(archiveProblems(manifest(), ours, m)).toEqual([
      `toolchain/${pv}/bin/pulumi: sha256 ${B}, the manifest says ${A}`,
    ]);
  });
});

describe("stampPart", () => {
  it.each([
    ["kube-apiserver-v1.36.1-3b06f246c13a35f5", "kube-apiserver"],
    ["pulumi-v3.248.0-c92bf0bec88bd00d", "pulumi"],
    ["pulumi-language-nodejs-v3.248.0-f699fd9d87ecf7e6", "pulumi-language-nodejs"],
    ["pulumi-resource-kubernetes-v4.25.0-8bd206cd3e8641f9", "pulumi-resource-kubernetes"],
    ["share-kwok-stages-2643eb59ac97825e", "share-kwok-stages"],
    ["vmalert-tool-v1.150.0-c42a1df8f33d4b1f", "vmalert-tool"],
  ])("%s is a stamp of %s", (stamp, part) => expect(stampPart(stamp)).toBe(part));
});
