/**
 * The cron parser (stacks/cron.ts) as properties: every schedule built from valid fields is accepted, a bad
 * field anywhere is refused by name, and no string makes it throw.
 */
import fc from "fast-check";
import { cronProblem } from "./cron";

const FIELDS = [
  { name: "minute", min: 0, max: 59, names: [] as string[] },
  { name: "hour", min: 0, max: 23, names: [] },
  { name: "day of month", min: 1, max: 31, names: [] },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  },
  { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];
type Field = (typeof FIELDS)[number];

/** One value of a field: a number in range, or a name where the field has them (any case). */
const value = (f: Field) =>
  f.names.length > 0
    ? fc.oneof(
        fc.integer({ min: f.min, max: f.max }).map(String),
        fc.constantFrom(...f.names, ...f.names.map((n) => n.toUpperCase())),
      )
    : fc.integer({ min: f.min, max: f.max }).map(String);

/** A number the field does not take: above its range, or 0 where it starts at 1. */
const outOfRange = (f: Field) =>
  (f.min > 0
    ? fc.oneof(fc.integer({ min: f.max + 1, max: 999 }), fc.constant(0))
    : fc.integer({ min: f.max + 1, max: 999 })
  ).map(String);

/** One valid item of a field: *, ?, a value, a range low-high, each with an optional step. */
const item = (f: Field) =>
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom("*", "?"),
        fc.integer({ min: f.min, max: f.max }).map(String),
        fc
          .tuple(fc.integer({ min: f.min, max: f.max }), fc.integer({ min: f.min, max: f.max }))
          .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        value(f),
      ),
      fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
    )
    .map(([range, step]) => (step === undefined ? range : `${range}/${step}`));

/** A valid field: one or more items, comma-separated. */
const field = (f: Field) =>
  fc.array(item(f), { minLength: 1, maxLength: 3 }).map((i) => i.join(","));

const schedule = fc.tuple(...FIELDS.map(field));

describe("cronProblem", () => {
  it("accepts every schedule made of valid fields, however spaced", () => {
    fc.assert(
      fc.property(schedule, fc.constantFrom(" ", "  ", "\t"), (fields, gap) => {
        return cronProblem(fields.join(gap)) === undefined;
      }),
    );
  });

  it("refuses a number out of its field's range, naming the field", () => {
    fc.assert(
      fc.property(
        schedule,
        fc
          .integer({ min: 0, max: 4 })
          .chain((i) => fc.tuple(fc.constant(i), outOfRange(FIELDS[i]))),
        (fields, [i, bad]) => {
          const s = fields.map((x, j) => (j === i ? bad : x)).join(" ");
          const problem = cronProblem(s);
          return (
            problem !== undefined &&
            problem.includes(`: ${FIELDS[i].name} `) &&
            problem.includes(`"${bad}"`)
          );
        },
      ),
    );
  });

  it("refuses a range that runs backwards", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }).chain((i) =>
          fc
            .tuple(
              fc.integer({ min: FIELDS[i].min, max: FIELDS[i].max }),
              fc.integer({ min: FIELDS[i].min, max: FIELDS[i].max }),
            )
            .filter(([a, b]) => a > b)
            .map(([a, b]) => [i, `${a}-${b}`] as const),
        ),
        ([i, range]) => {
          const s = FIELDS.map((_, j) => (j === i ? range : "*")).join(" ");
          return cronProblem(s) === `"${s}": ${FIELDS[i].name} "${range}" runs backwards`;
        },
      ),
    );
  });

  it("refuses any other number of fields, counting them", () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.constantFrom("*", "1", "*/5"), { minLength: 1, maxLength: 9 })
          .filter((f) => f.length !== 5),
        (fields) => (cronProblem(fields.join(" ")) ?? "").includes(`has ${fields.length} field`),
      ),
    );
  });

  it("accepts the macros and @every durations, and refuses other @ words", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(
            "@yearly",
            "@annually",
            "@monthly",
            "@weekly",
            "@daily",
            "@midnight",
            "@hourly",
          ),
          fc
            .array(
              fc.tuple(
                fc.integer({ min: 1, max: 999 }),
                fc.constantFrom("ns", "us", "ms", "s", "m", "h"),
              ),
              { minLength: 1, maxLength: 3 },
            )
            .map((parts) => `@every ${parts.map(([n, u]) => `${n}${u}`).join("")}`),
        ),
        (s) => cronProblem(s) === undefined,
      ),
    );
    fc.assert(
      fc.property(
        fc
          .stringMatching(/^@[a-z]{1,10}$/)
          .filter(
            (s) =>
              ![
                "@yearly",
                "@annually",
                "@monthly",
                "@weekly",
                "@daily",
                "@midnight",
                "@hourly",
              ].includes(s),
          ),
        (s) => (cronProblem(s) ?? "").includes("is not a cron macro"),
      ),
    );
  });

  it("never throws, whatever the text", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const p = cronProblem(s);
        return p === undefined || typeof p === "string";
      }),
    );
  });
});
