import { mergeValues } from "./merge-values";

describe("mergeValues", () => {
  it("merges nested objects key by key", () => {
    const base = { a: 1, nested: { keep: "x", change: "old", deeper: { one: 1 } } };
    const merged = mergeValues(base, { nested: { change: "new", deeper: { two: 2 } }, b: 2 });
    expect(merged).toEqual({
      a: 1,
      b: 2,
      nested: { keep: "x", change: "new", deeper: { one: 1, two: 2 } },
    });
  });

  it("replaces arrays instead of merging them by index", () => {
    const merged = mergeValues(
      { list: [1, 2, 3], obj: { list: ["a"] } },
      { list: [9], obj: { list: [] } },
    );
    expect(merged).toEqual({ list: [9], obj: { list: [] } });
  });

  it("lets a scalar or null replace an object and an object replace a scalar", () => {
    expect(mergeValues({ a: { b: 1 } }, { a: null })).toEqual({ a: null });
    expect(mergeValues({ a: "text" }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
  });

  it("modifies neither input", () => {
    const base = { nested: { a: 1 } };
    const override = { nested: { b: 2 } };
    mergeValues(base, override);
    expect(base).toEqual({ nested: { a: 1 } });
    expect(override).toEqual({ nested: { b: 2 } });
  });
});
