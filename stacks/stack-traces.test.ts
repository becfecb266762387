/** The cheaper stack traces: Pulumi's per-promise traces unmapped, long ones mapped at the top only. */
import { installCheapStackTraces } from "./stack-traces";

function site(file: string, line: number): NodeJS.CallSite {
  return { getFileName: () => file, toString: () => `f (${file}:${line}:1)` } as NodeJS.CallSite;
}

describe("installCheapStackTraces", () => {
  const original = Error.prepareStackTrace;
  const mappedCalls: number[] = [];
  beforeAll(() => {
    // Stands in for source-map-support's mapping: marks each frame it was asked to map.
    Error.prepareStackTrace = (error, frames) => {
      mappedCalls.push(frames.length);
      return `${error}` + frames.map((f) => `\n    at mapped ${f}`).join("");
    };
    installCheapStackTraces();
    installCheapStackTraces();
  });
  afterAll(() => {
    Error.prepareStackTrace = original;
  });
  const prepare = () => Error.prepareStackTrace as (e: Error, f: NodeJS.CallSite[]) => string;

  it("leaves the SDK's per-promise traces unmapped", () => {
    mappedCalls.length = 0;
    const out = prepare()(new Error("x"), [
      site("/n/@pulumi/pulumi/runtime/debuggable.js", 79),
      site("/a.js", 1),
    ]);
    expect(out).toBe(
      "Error: x\n    at f (/n/@pulumi/pulumi/runtime/debuggable.js:79:1)\n    at f (/a.js:1:1)",
    );
    expect(mappedCalls).toEqual([]);
  });
  it("maps a short trace in full, and only the top 12 frames of a long one", () => {
    mappedCalls.length = 0;
    expect(prepare()(new Error("s"), [site("/a.js", 1)])).toContain("mapped f (/a.js:1:1)");
    const long = Array.from({ length: 40 }, (_, i) => site("/b.js", i));
    const out = prepare()(new Error("l"), long);
    expect(mappedCalls).toEqual([1, 12]);
    expect(out.split("\n")).toHaveLength(41);
    expect(out).toContain("mapped f (/b.js:11:1)");
    expect(out).toContain("\n    at f (/b.js:12:1)");
  });
  it("installs once", () => {
    const a = Error.prepareStackTrace;
    installCheapStackTraces();
    expect(Error.prepareStackTrace).toBe(a);
  });
});
