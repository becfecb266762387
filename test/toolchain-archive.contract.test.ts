/**
 * `npm run toolchain -- export|import` end to end on a small fake cache (scripts/toolchain/archive*.ts):
 * what goes in the archive and what never does, an import that installs and replaces stale stamps, and
 * archives that are altered, corrupted or built for other versions, which install nothing.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Refused } from "../scripts/toolchain/archive";
import { exportToolchain } from "../scripts/toolchain/archive-export";
import { PluginInstaller, importToolchain } from "../scripts/toolchain/archive-import";
import { parseVersionsEnv } from "../scripts/toolchain/manifest";

const versions = parseVersionsEnv(
  readFileSync(join(__dirname, "..", "scripts", "toolchain", "versions.env"), "utf8"),
);
const pv = versions.HEARTH_PULUMI_VERSION;
const plugin = `pulumi-home/plugins/resource-kubernetes-v${versions.HEARTH_PROVIDER_KUBERNETES_VERSION}/pulumi-resource-kubernetes`;
const zstd = spawnSync("zstd", ["--version"]).status === 0;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "hearth-toolchain-archive-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function put(base: string, path: string, text: string, mode = 0o644) {
  mkdirSync(dirname(join(base, path)), { recursive: true });
  writeFileSync(join(base, path), text, { mode });
}

/** Every file under a folder, relative to it. */
function files(dir: string, rel = ""): string[] {
  if (!existsSync(join(dir, rel))) return [];
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const p = rel ? `${rel}/${e.name}` : e.name;
    return e.isDirectory() ? files(dir, p) : [p];
  });
}

const SHIPPED = [
  `toolchain/${pv}/bin/pulumi`,
  `toolchain/${pv}/bin/pulumi-language-nodejs`,
  `toolchain/${pv}/stamps/pulumi-v${pv}-0123456789abcdef`,
  plugin,
  "sandbox/bin/kwok",
  "sandbox/share/kwok/stages/node-initialize.yaml",
  "sandbox/stamps/kwok-v0.8.0-0123456789abcdef",
  "sandbox/versions.env",
];
const NEVER = [
  "state/.pulumi/stacks/hearth/dev.json",
  "pulumi-home/credentials.json",
  `toolchain/${pv}/logs/pulumi.log`,
  `toolchain/${pv}/work/x/schema.json`,
  `toolchain/${pv}/timings.tsv`,
  "sandbox/logs/kwok.log",
  "sandbox/bin/gitea.tmp",
  "venv-pykickstart-3.78/bin/python",
];

/** A cache as build.sh leaves it, plus files an export must leave out. */
function fakeCache(): string {
  const cache = join(root, "built");
  for (const p of SHIPPED) put(cache, p, `content of ${p}\n`, p.includes("/bin/") ? 0o755 : 0o644);
  put(cache, plugin, "the plugin\n", 0o700);
  const sandboxPins = Object.entries(versions).filter(([k]) => k.startsWith("HEARTH_SANDBOX_"));
  put(cache, "sandbox/versions.env", sandboxPins.map(([k, v]) => `${k}=${v} # x\n`).join(""));
  for (const p of NEVER) put(cache, p, "secret-ish\n");
  return cache;
}

/** The installer's stand-in: copies the binary where `pulumi plugin install --file` puts it. */
const calls: string[] = [];
const fakeInstaller: PluginInstaller = (binary, home) => {
  calls.push(binary);
  put(join(home, ".."), plugin, readFileSync(binary, "utf8"), 0o755);
};

function exported(): string {
  const file = join(root, "toolchain.tar");
  const r = exportToolchain({ cache: fakeCache(), file, versions, goVersion: "go1.26.8" });
  expect(r.files).toBe(SHIPPED.length);
  expect(r.compression).toBe(zstd ? "zstd" : "gzip");
  return file;
}

function importInto(cache: string, file: string, v = versions) {
  return importToolchain({
    cache,
    file,
    versions: v,
    goVersion: "go1.26.8",
    installPlugin: fakeInstaller,
  });
}

/** Rewrites an archive after `change` edits its extracted files (the manifest stays as it was). */
function repack(file: string, change: (dir: string) => void) {
  const dir = join(root, "repack");
  mkdirSync(dir);
  const z = zstd ? ["-I", "zstd"] : ["-z"];
  expect(spawnSync("tar", ["-x", "-f", file, ...z, "-C", dir]).status).toBe(0);
  change(dir);
  const rest = files(dir).filter((p) => p !== "manifest.json");
  expect(
    spawnSync("tar", ["-c", "-f", file, ...z, "-C", dir, "manifest.json", ...rest]).status,
  ).toBe(0);
  unlinkSync(`${file}.sha256`);
}

describe("export", () => {
  it("writes the manifest first, every built file, FILE.sha256, and nothing of state, logs or credentials", () => {
    const file = exported();
    const z = zstd ? ["-I", "zstd"] : ["-z"];
    const listed = spawnSync("tar", ["-t", "-f", file, ...z], { encoding: "utf8" }).stdout.split(
      "\n",
    );
    expect(listed[0]).toBe("manifest.json");
    expect(listed.filter(Boolean).slice(1).sort()).toEqual([...SHIPPED].sort());
    const manifest = JSON.parse(
      spawnSync("tar", ["-x", "-O", "-f", file, ...z, "manifest.json"], { encoding: "utf8" })
        .stdout,
    );
    expect(manifest.versions).toEqual(versions);
    expect(manifest.go).toBe("go1.26.8");
    expect(manifest.stamps).toEqual([
      `toolchain/${pv}/stamps/pulumi-v${pv}-0123456789abcdef`,
      "sandbox/stamps/kwok-v0.8.0-0123456789abcdef",
    ]);
    expect(readFileSync(`${file}.sha256`, "utf8")).toMatch(/^[0-9a-f]{64} {2}toolchain\.tar\n$/);
  });

  it("refuses a cache whose sandbox was built for other versions", () => {
    const cache = fakeCache();
    put(cache, "sandbox/versions.env", "HEARTH_SANDBOX_KWOK_VERSION=0.1.0\n");
    expect(() =>
      exportToolchain({ cache, file: join(root, "x.tar"), versions, goVersion: "go1.26.8" }),
    ).toThrow(/HEARTH_SANDBOX_KWOK_VERSION: the cache's sandbox\/versions.env has 0.1.0/);
  });
});

describe("import", () => {
  it("installs every file with its mode, the plugin through the installer, and drops stale stamps", () => {
    const file = exported();
    const target = join(root, "target");
    put(target, "sandbox/stamps/kwok-v0.8.0-ffffffffffffffff", "");
    put(target, "sandbox/stamps/gitea-v1.26.0-ffffffffffffffff", "");
    calls.length = 0;
    const r = importInto(target, file);
    expect(r).toMatchObject({ files: SHIPPED.length, plugin: "installed", warnings: [] });
    expect(calls).toHaveLength(1);
    expect(files(target).sort()).toEqual(
      [...SHIPPED, "sandbox/stamps/gitea-v1.26.0-ffffffffffffffff"].sort(),
    );
    expect(readFileSync(join(target, "sandbox/bin/kwok"), "utf8")).toBe(
      "content of sandbox/bin/kwok\n",
    );
    expect(statSync(join(target, "sandbox/bin/kwok")).mode & 0o777).toBe(0o755);
    expect(statSync(join(target, "sandbox/versions.env")).mode & 0o777).toBe(0o644);
    expect(importInto(target, file).plugin).toBe("already installed");
  });

  it("warns when this machine's Go differs from the archive's, or there is none", () => {
    const file = exported();
    const r = importToolchain({
      cache: join(root, "t"),
      file,
      versions,
      goVersion: "go1.99.0",
      installPlugin: fakeInstaller,
    });
    expect(r.warnings[0]).toMatch(/built with go1.26.8 and this machine has go1.99.0/);
  });

  it("refuses an archive built for other versions, naming both, and installs nothing", () => {
    const file = exported();
    const target = join(root, "target");
    const mine = { ...versions, HEARTH_SANDBOX_KWOK_VERSION: "0.9.0" };
    expect(() => importInto(target, file, mine)).toThrow(
      new RegExp(
        `HEARTH_SANDBOX_KWOK_VERSION: the archive has ${versions.HEARTH_SANDBOX_KWOK_VERSION}, ` +
          `this checkout's scripts/toolchain/versions.env pins 0.9.0`,
      ),
    );
    expect(files(target)).toEqual([]);
  });

  it("refuses an altered file, naming it, and installs nothing", () => {
    const file = exported();
    repack(file, (dir) => writeFileSync(join(dir, "sandbox/bin/kwok"), "not kwok\n"));
    const target = join(root, "target");
    expect(() => importInto(target, file)).toThrow(Refused);
    expect(() => importInto(target, file)).toThrow(
      /does not match its manifest; nothing was installed:\n {2}sandbox\/bin\/kwok: sha256 [0-9a-f]{64}, the manifest says/,
    );
    expect(files(target)).toEqual([]);
  });

  it("refuses a file the manifest does not list", () => {
    const file = exported();
    repack(file, (dir) => put(dir, "sandbox/bin/extra", "x"));
    expect(() => importInto(join(root, "target"), file)).toThrow(
      /sandbox\/bin\/extra: in the archive but not in the manifest/,
    );
  });

  it("refuses an archive whose FILE.sha256 differs, before reading it", () => {
    const file = exported();
    writeFileSync(`${file}.sha256`, `${"0".repeat(64)}  toolchain.tar\n`);
    expect(() => importInto(join(root, "target"), file)).toThrow(
      /toolchain.tar: sha256 [0-9a-f]{64}, toolchain.tar.sha256 says 0{64}; nothing was installed/,
    );
  });

  it("writes nothing outside its folder through a symlink in the archive", () => {
    const file = exported();
    unlinkSync(`${file}.sha256`);
    const src = join(root, "evil-src");
    const outside = join(root, "outside");
    mkdirSync(outside);
    const z = zstd ? ["-I", "zstd"] : ["-z"];
    mkdirSync(join(src, "sandbox"), { recursive: true });
    expect(spawnSync("tar", ["-x", "-f", file, ...z, "-C", src, "manifest.json"]).status).toBe(0);
    const plain = join(root, "evil.tar");
    symlinkSync(outside, join(src, "sandbox/bin"));
    expect(
      spawnSync("tar", ["-c", "-f", plain, "-C", src, "manifest.json", "sandbox/bin"]).status,
    ).toBe(0);
    unlinkSync(join(src, "sandbox/bin"));
    put(src, "sandbox/bin/kwok", "pwned\n");
    expect(spawnSync("tar", ["-r", "-f", plain, "-C", src, "sandbox/bin/kwok"]).status).toBe(0);
    const evil = join(root, "evil.tar.z");
    const packed = spawnSync(zstd ? "zstd" : "gzip", zstd ? ["-q", "-c", plain] : ["-c", plain]);
    writeFileSync(evil, packed.stdout);
    const target = join(root, "target");
    expect(() => importInto(target, evil)).toThrow(Refused);
    expect(readdirSync(outside)).toEqual([]);
    expect(files(target)).toEqual([]);
  });

  it("refuses a corrupted archive and installs nothing", () => {
    const file = exported();
    unlinkSync(`${file}.sha256`);
    const bytes = readFileSync(file);
    for (let i = Math.floor(bytes.length / 2); i < bytes.length / 2 + 64; i++) bytes[i] ^= 0xff;
    writeFileSync(file, bytes);
    const target = join(root, "target");
    expect(() => importInto(target, file)).toThrow(Refused);
    expect(files(target)).toEqual([]);
  });
});
