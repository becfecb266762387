import { UNKNOWN_VALUE, canonicalJson, containsUnknown, diffProperties } from "./property-diff";

describe("property diff", () => {
  it("finds unknowns nested in objects and arrays", () => {
    expect(containsUnknown({ a: [1, { b: UNKNOWN_VALUE }] })).toBe(true);
    expect(containsUnknown({ a: [1, { b: "known" }] })).toBe(false);
  });

  it("prints equal values equally whatever the key order, and tells arrays apart by order", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: undefined } })).toBe('{"a":{"d":2},"b":1}');
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it("replaces on identity changes, updates on the rest, and ignores unlisted properties", () => {
    const rules = { replaceOn: ["name"], updateOn: ["endpoint", "description"] };
    const olds = {
      name: "a",
      description: "d",
      endpoint: { url: "u", token: "t" },
      __provider: "v1",
    };
    expect(diffProperties(olds, { ...olds, __provider: "v2" }, rules).changes).toBe(false);
    expect(
      diffProperties(olds, { ...olds, endpoint: { url: "u", token: UNKNOWN_VALUE } }, rules),
    ).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(diffProperties(olds, { ...olds, name: "b", description: "e" }, rules)).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: false,
    });
  });
});
