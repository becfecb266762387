/**
 * mergeValues as properties, on random Helm values trees: the override wins at every leaf it sets, whatever
 * it does not set stays, lists are replaced whole, and neither input is changed.
 */
import fc from "fast-check";
import { mergeValues } from "./merge-values";

type Values = Record<string, unknown>;

/** A Helm values tree: maps of scalars, lists and maps, a few levels deep, over a small set of keys. */
const { tree } = fc.letrec((tie) => ({
  tree: fc.dictionary(fc.constantFrom("a", "b", "c", "image", "tag", "env"), tie("value"), {
    maxKeys: 4,
  }) as fc.Arbitrary<Values>,
  value: fc.oneof(
    { depthSize: "small" },
    fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 2 })), { maxLength: 3 }),
    tie("tree"),
  ),
}));

const isMap = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every leaf path of a tree (a list, a scalar, or an empty map), with its value. */
function leaves(v: Values, prefix: string[] = []): [string[], unknown][] {
  return Object.entries(v).flatMap(([k, x]) =>
    isMap(x) && Object.keys(x).length > 0 ? leaves(x, [...prefix, k]) : [[[...prefix, k], x]],
  );
}
const at = (v: unknown, path: string[]) =>
  path.reduce<unknown>((x, k) => (isMap(x) ? x[k] : undefined), v);

describe("mergeValues", () => {
  it("takes the override's value at every leaf the override sets", () => {
    fc.assert(
      fc.property(tree, tree, (base, override) => {
        const merged = mergeValues(base, override);
        return leaves(override).every(([path, v]) =>
          isMap(v) ? isMap(at(merged, path)) : at(merged, path) === v,
        );
      }),
    );
  });

  it("keeps every leaf of the base that the override leaves alone", () => {
    fc.assert(
      fc.property(tree, tree, (base, override) => {
        const merged = mergeValues(base, override);
        // A leaf is left alone when no prefix of its path is set to a non-map in the override.
        const untouched = ([path]: [string[], unknown]) =>
          path.every((_, i) => {
            const o = at(override, path.slice(0, i + 1));
            return o === undefined || (isMap(o) && i < path.length - 1);
          });
        return leaves(base)
          .filter(untouched)
          .every(([path, v]) => JSON.stringify(at(merged, path)) === JSON.stringify(v));
      }),
    );
  });

  it("replaces lists whole, never merging them by index", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer(), { maxLength: 4 }),
        fc.array(fc.integer(), { maxLength: 4 }),
        (a, b) => {
          return (
            JSON.stringify(mergeValues({ x: { l: a } }, { x: { l: b } })) ===
            JSON.stringify({ x: { l: b } })
          );
        },
      ),
    );
  });

  it("is the identity on either side of an empty map, and merging the same override twice changes nothing", () => {
    fc.assert(
      fc.property(tree, tree, (a, b) => {
        const once = mergeValues(a, b);
        return (
          JSON.stringify(mergeValues(a, {})) === JSON.stringify(a) &&
          JSON.stringify(mergeValues({}, b)) === JSON.stringify(b) &&
          JSON.stringify(mergeValues(once, b)) === JSON.stringify(once)
        );
      }),
    );
  });

  it("changes neither input", () => {
    fc.assert(
      fc.property(tree, tree, (a, b) => {
        const [before, over] = [JSON.stringify(a), JSON.stringify(b)];
        mergeValues(a, b);
        return JSON.stringify(a) === before && JSON.stringify(b) === over;
      }),
    );
  });
});
