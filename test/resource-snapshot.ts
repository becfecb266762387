/**
 * What every stack file registers under mocks, as one hash per URN over its type, parent, inputs, provider,
 * dependencies and options. A refactor must leave it unchanged: take the snapshot on the refactor's base,
 * then check it on every commit after (test/snapshots/resources.json was last taken after the real observability
 * apps' dev settings, 2026-12-06, the base of the identity provider's switch). Not a jest test: every intended
 * change of an input would fail it.
 *
 *   npm run check:resources -- write    rewrites the snapshot
 *   npm run check:resources             compares, naming each URN that differs (exit 1)
 *
 * It runs under ts-node, not runtime/swc-register.js: it replaces a module's export (the key pair maker, below),
 * and swc's CommonJS exports are getters that cannot be replaced.
 *
 * A dynamic resource's `__provider` (its serialized code) is left out: it changes with any edit to code the
 * provider captures, and the dynamic provider ignores it when diffing (@pulumi/pulumi
 * cmd/dynamic-provider: "we do not take any special action if the provider has changed").
 * Key pairs the mocks make are derived from their comment, and temporary folders are named by role, so two
 * evaluations of one stack file give one snapshot.
 */
import { createHash, createPrivateKey } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { withChartPins } from "./chart-pins";
import * as openssh from "../components/secrets/openssh";

const ROOT = join(__dirname, "..");
/** Where the snapshot is kept. */
export const SNAPSHOT_FILE = join(__dirname, "snapshots", "resources.json");

/** Every stack file the snapshot covers: the examples, the dev stack and the valid fixtures. */
export function stackFiles(): string[] {
  const valid = readdirSync(join(ROOT, "test/fixtures/valid")).map(
    (f) => `test/fixtures/valid/${f}`,
  );
  return [
    "stacks/examples/Pulumi.home.yaml",
    "stacks/examples/Pulumi.hetzner.yaml",
    "Pulumi.dev.yaml",
    ...valid.sort(),
  ];
}

/** An Ed25519 key pair whose seed is the hash of its comment, so evaluations repeat exactly. */
function deterministicKeyPair(comment: string): openssh.OpenSshKeyPair {
  const seed = createHash("sha256").update(`snapshot:${comment}`).digest();
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const jwk = createPrivateKey({ key: der, format: "der", type: "pkcs8" }).export({
    format: "jwk",
  });
  return openssh.encodeEd25519KeyPair(seed, Buffer.from(jwk.x!, "base64url"), comment, 0);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object)
        .filter((k) => k !== "__provider")
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** URN -> hash of what the engine would be asked to register, for one stack file. */
export async function snapshotOf(file: string): Promise<Record<string, string>> {
  // Patched before the evaluation's modules load, which call it through the module's exports.
  (openssh as { generateEd25519KeyPair: typeof deterministicKeyPair }).generateEd25519KeyPair =
    deterministicKeyPair;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { evaluateStackFile } =
    require("../cli/evaluate/evaluate") as typeof import("../cli/evaluate/evaluate");
  const { withStandInSandbox } =
    require("../cli/evaluate/sandbox-files") as typeof import("../cli/evaluate/sandbox-files");
  const { catalogue } = require("../apps") as typeof import("../apps");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const renamed = new Map<string, string>();
  const { registrations } = await evaluateStackFile(join(ROOT, file), (values) => {
    const sandbox = withStandInSandbox(values);
    if (sandbox) renamed.set(sandbox.dir, "<sandbox>");
    if (!file.startsWith("Pulumi.dev")) {
      const charts = withChartPins(values, catalogue);
      if (charts) renamed.set(charts, "<charts>");
    }
  });
  renamed.set(ROOT, "<root>");
  const out: Record<string, string> = {};
  for (const r of registrations) {
    let text = JSON.stringify(
      canonical({
        type: r.type,
        name: r.name,
        parent: r.parent,
        inputs: r.rawInputs,
        provider: r.provider ?? null,
        custom: r.custom,
        dependencies: [...r.dependencies].sort(),
        options: r.options,
      }),
    );
    for (const [from, to] of renamed) text = text.split(from).join(to);
    if (out[r.urn] !== undefined) throw new Error(`${file}: ${r.urn} registered twice`);
    out[r.urn] = createHash("sha256").update(text).digest("hex").slice(0, 16);
  }
  return out;
}

/** Each stack file's snapshot, evaluated one after another (the mocks are global). */
export async function snapshotAll(): Promise<Record<string, Record<string, string>>> {
  const all: Record<string, Record<string, string>> = {};
  for (const file of stackFiles()) all[file] = await snapshotOf(file);
  return all;
}

/** The differences between two snapshots, one line each; none when they are the same. */
export function compareSnapshots(
  want: Record<string, Record<string, string>>,
  got: Record<string, Record<string, string>>,
): string[] {
  const out: string[] = [];
  for (const file of new Set([...Object.keys(want), ...Object.keys(got)])) {
    const a = want[file] ?? {};
    const b = got[file] ?? {};
    for (const urn of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (a[urn] === b[urn]) continue;
      const what = a[urn] === undefined ? "new" : b[urn] === undefined ? "gone" : "inputs differ";
      out.push(`${file}: ${what}: ${urn}`);
    }
  }
  return out;
}

async function main(mode = "check"): Promise<number> {
  if (mode !== "write" && mode !== "check") {
    console.error("usage: npm run check:resources [-- write]");
    return 2;
  }
  // The program's info lines (Pulumi's log under mocks) are not this tool's output.
  const log = console.log;
  console.log = () => undefined;
  let got: Record<string, Record<string, string>>;
  try {
    got = await snapshotAll();
  } finally {
    console.log = log;
  }
  const count = Object.values(got).reduce((n, s) => n + Object.keys(s).length, 0);
  if (mode === "write") {
    mkdirSync(join(__dirname, "snapshots"), { recursive: true });
    writeFileSync(SNAPSHOT_FILE, `${JSON.stringify(got, null, 2)}\n`);
    console.log(
      `${relative(ROOT, SNAPSHOT_FILE)}: ${count} resources in ${Object.keys(got).length} stack files`,
    );
    return 0;
  }
  const want = JSON.parse(readFileSync(SNAPSHOT_FILE, "utf8"));
  const diff = compareSnapshots(want, got);
  for (const line of diff) console.log(line);
  console.log(
    `${count} resources in ${Object.keys(got).length} stack files: ${diff.length} differ`,
  );
  return diff.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
