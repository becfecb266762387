/**
 * Valid stack files, shuffled and mutated the way a new user edits one (a wrong value anywhere, a field left
 * out or added, a list entry copied or dropped, lists in another order): every result is refused with each
 * problem at a `hearth:` key path, or accepted and built under mocks. Never a crash, whatever the edit.
 */
import fc from "fast-check";
import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse, stringify } from "yaml";
import { catalogue } from "../apps";
import { hearthKeys, readStackFile } from "../stacks/stack-file";
import { ConfigError, Problem, validateConfig } from "../stacks/validate";
import { evaluateStackFile } from "../cli/evaluate/evaluate";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Config = Record<string, Json>;
type Path = (string | number)[];

const root = join(__dirname, "..");
// Charts from a local folder would need the folder; the property is about config, so bases read from
// repositories.
const bases: Config[] = [
  "stacks/examples/Pulumi.home.yaml",
  "stacks/examples/Pulumi.hetzner.yaml",
  ...["metal-home", "hetzner", "single-node-dhcp", "external-gitea"].map(
    (f) => `test/fixtures/valid/${f}.yaml`,
  ),
].map((f) => (parse(readFileSync(join(root, f), "utf8")) as { config: Config }).config);

/** Values a new user might write where another belongs. */
const strayValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    -1,
    0,
    0.999,
    1,
    65536,
    1e12,
    "",
    " ",
    "yes",
    "Europe Berlin",
    "UPPER_case",
    "10.0.0.5/8",
    "192.168.1.255",
    "10.44.0.1",
    "root",
    "europe/berlin",
    "999.1.1.1",
    "52:54:00:zz:00:01",
    "http://mirror.lan/x?y=1",
    "/srv/hearth/",
    "--cluster-cidr=10.50.0.0/16",
    "-10Gi",
    null,
    true,
    [],
    {},
  ),
  fc.integer({ min: -100000, max: 100000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

/** One edit: where (an index into every path of the config, taken modulo) and what. */
const edit = fc.record({
  kind: fc.constantFrom("replace", "remove", "copy", "add-field"),
  at: fc.nat(),
  value: strayValue,
  field: fc.constantFrom("extra", "hostname", "role", "ip", "values", "name"),
});
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

/** Every path inside the config; a `{ secure: ... }` value counts as one leaf. */
function pathsOf(v: Json, at: Path = []): Path[] {
  const out: Path[] = at.length > 0 ? [at] : [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...at, i])));
  else if (v !== null && typeof v === "object" && !("secure" in v))
    for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...at, k]));
  return out;
}

function parentOf(config: Config, path: Path): { parent: Json; key: string | number } {
  let cur: Json = config;
  for (const p of path.slice(0, -1)) cur = (cur as Record<string | number, Json>)[p];
  return { parent: cur, key: path[path.length - 1] };
}

function apply(config: Config, e: Edit): void {
  const paths = pathsOf(config);
  if (paths.length === 0) return;
  const { parent, key } = parentOf(config, paths[e.at % paths.length]);
  const holder = parent as Record<string | number, Json>;
  if (e.kind === "replace") holder[key] = e.value;
  else if (e.kind === "remove") {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete holder[key];
  } else if (e.kind === "copy" && Array.isArray(parent))
    parent.splice(key as number, 0, structuredClone(parent[key as number]));
  else if (e.kind === "add-field") {
    const target = holder[key];
    if (target !== null && typeof target === "object" && !Array.isArray(target))
      target[e.field] = e.value;
  }
}

/** Every list in another order, from a seed (a small LCG: the case must replay from fast-check's seed). */
function shuffleLists(v: Json, seed: number): void {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const walk = (x: Json) => {
    if (Array.isArray(x)) {
      for (let i = x.length - 1; i > 0; i--) {
        const j = next() % (i + 1);
        [x[i], x[j]] = [x[j], x[i]];
      }
      x.forEach(walk);
    } else if (x !== null && typeof x === "object") Object.values(x).forEach(walk);
  };
  walk(v);
}

const editedConfig = fc
  .record({
    base: fc.nat({ max: bases.length - 1 }),
    shuffle: fc.option(fc.nat(), { nil: undefined }),
    edits: fc.array(edit, { maxLength: 3 }),
  })
  .map(({ base, shuffle, edits }) => {
    const config = structuredClone(bases[base]);
    if (shuffle !== undefined) shuffleLists(config, shuffle);
    for (const e of edits) apply(config, e);
    // As a stack file's text, which is also what fast-check prints for a counterexample.
    return stringify({ config });
  });

function validate(text: string) {
  const stack = readStackFile(text);
  return validateConfig(hearthKeys(stack.values), new Set(stack.secretKeys), catalogue);
}

/** A refusal an operator can act on: a key path in the hearth namespace and a message that reads. */
function expectActionable(problems: Problem[]): void {
  expect(problems.length).toBeGreaterThan(0);
  for (const p of problems) {
    expect(p.path).toMatch(/^hearth:[a-zA-Z]/);
    expect(p.message.length).toBeGreaterThan(3);
    expect(p.message).not.toMatch(/\bundefined\b|\bNaN\b|\[object Object\]/);
  }
}

/**
 * The evaluation, or a failure when it does not finish: a component that throws inside an Output fails a
 * registration, and the evaluation then waits for it forever (jest also reports the rejection itself).
 */
async function finishing<T>(evaluation: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error("the evaluation did not finish: did a component throw inside an Output?")),
      20_000,
    );
  });
  try {
    return await Promise.race([evaluation, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

describe("config property", () => {
  it("validation refuses every edited config with key paths, or accepts it; it never throws", () => {
    fc.assert(
      fc.property(editedConfig, (text) => {
        const result = validate(text);
        if (!result.ok) expectActionable(result.problems);
      }),
      { numRuns: 400 },
    );
  });

  it("the program refuses every edited config with key paths before any resource, or builds it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-property-"));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(editedConfig, async (text) => {
        const file = join(dir, `Pulumi.property-${run++}.yaml`);
        writeFileSync(file, text);
        try {
          await finishing(evaluateStackFile(file));
        } catch (e) {
          // Anything but a ConfigError is a crash: it fails the property with its stack.
          if (!(e instanceof ConfigError)) throw e;
          expectActionable(e.problems);
        }
      }),
      { numRuns: 30 },
    );
  }, 300_000);
});
