import { z } from "zod";
import { parseLeniently, whole } from "./lenient";

const item = z.strictObject({
  name: z.string().regex(/^[a-z]+$/),
  size: z.number().int().min(0).default(1),
  tags: z.array(z.string()).optional(),
});
const schema = z.strictObject({
  items: z.array(item).min(1),
  byName: z.record(z.string(), z.number()).default({}),
  mode: z.enum(["a", "b"]).default("a"),
});

describe("parseLeniently", () => {
  it("returns what parses whole, with defaults, and marks it whole", () => {
    const v = parseLeniently(schema, { items: [{ name: "x" }] }) as z.output<typeof schema>;
    expect(v).toEqual({ items: [{ name: "x", size: 1 }], byName: {}, mode: "a" });
    expect(whole<z.output<typeof schema>>(v)).toBe(v);
    expect(whole<z.output<typeof item>>(v.items[0])).toBe(v.items[0]);
  });

  it("keeps every field and element that parses on its own, at its own index", () => {
    const v = parseLeniently(schema, {
      items: [{ name: "Bad", size: 2 }, "not an object", { name: "ok" }],
      byName: { a: 1, b: "two" },
      mode: "c",
      extra: true,
    }) as { items: unknown[]; byName: unknown; mode?: string };
    expect(v.items).toEqual([{ size: 2 }, undefined, { name: "ok", size: 1 }]);
    expect(v.byName).toEqual({ a: 1 });
    expect(v.mode).toBeUndefined();
    expect(whole(v)).toBeUndefined();
    expect(whole(v.items[0] as object)).toBeUndefined();
    expect(whole(v.items[2] as object)).toBe(v.items[2]);
  });

  it("leaves out what is not even the right kind of value", () => {
    expect(parseLeniently(schema, "text")).toBeUndefined();
    expect(parseLeniently(schema.optional(), undefined)).toBeUndefined();
    expect(parseLeniently(z.array(item), { 0: { name: "x" } })).toBeUndefined();
  });
});
