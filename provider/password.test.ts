/** Hearth's generated password: classes, length, bcrypt hash, keepers, rotation, and secrets in state. */
import { compareSync } from "bcryptjs";
import {
  CHARACTER_CLASSES,
  checkPassword,
  createPassword,
  diffPassword,
  generatePassword,
  updatePasswordSchedule,
} from "./password";
import { isSecret, reveal } from "./wire";

describe("generatePassword", () => {
  it("draws every character from the enabled classes and has at least one of each", () => {
    for (let i = 0; i < 200; i++) {
      const pw = generatePassword({
        length: 12,
        lower: true,
        upper: true,
        numeric: true,
        special: true,
      });
      expect(pw).toHaveLength(12);
      for (const alphabet of Object.values(CHARACTER_CLASSES)) {
        expect([...pw].some((c) => alphabet.includes(c))).toBe(true);
      }
    }
  });
  it("leaves out disabled classes", () => {
    const pw = generatePassword({
      length: 64,
      lower: false,
      upper: false,
      numeric: true,
      special: false,
    });
    expect(pw).toMatch(/^[0-9]{64}$/);
  });
  it("is not the same twice", () => {
    const spec = { length: 32, lower: true, upper: true, numeric: true, special: false };
    expect(generatePassword(spec)).not.toBe(generatePassword(spec));
  });
});

describe("createPassword", () => {
  it("keeps the password and its bcrypt hash as secrets and dates its rotation", () => {
    const now = new Date("2026-12-01T00:00:00Z");
    const { outs } = createPassword({ length: 20, rotateAfterDays: 30 }, now);
    expect(isSecret(outs.result)).toBe(true);
    expect(isSecret(outs.bcryptHash)).toBe(true);
    const { result, bcryptHash, rotateAt } = reveal(outs);
    expect(result).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(bcryptHash).toMatch(/^\$2[aby]\$10\$/);
    expect(compareSync(result, bcryptHash)).toBe(true);
    expect(rotateAt).toBe("2026-12-31T00:00:00.000Z");
  });
});

describe("diffPassword", () => {
  const created = new Date("2026-12-01T00:00:00Z");
  const { outs } = createPassword(
    { length: 20, keepers: { node: "a" }, rotateAfterDays: 30 },
    created,
  );
  const news = { length: 20, keepers: { node: "a" }, rotateAfterDays: 30 };
  it("changes nothing for the same inputs before the rotation date", () => {
    expect(diffPassword(outs, news, new Date("2026-12-30T00:00:00Z"))).toEqual({
      changes: false,
      replaces: [],
    });
  });
  it("makes a new password when a keeper, the length or a class changes", () => {
    expect(diffPassword(outs, { ...news, keepers: { node: "b" } }, created).replaces).toEqual([
      "keepers",
    ]);
    expect(diffPassword(outs, { ...news, length: 24 }, created).replaces).toEqual(["length"]);
    expect(diffPassword(outs, { ...news, special: true }, created).replaces).toEqual(["special"]);
  });
  it("rotates on the first run after the rotation date", () => {
    expect(diffPassword(outs, news, new Date("2026-12-31T00:00:01Z")).replaces).toEqual([
      "rotateAt",
    ]);
  });
  it("moves only the dates when the schedule changes", () => {
    const d = diffPassword(outs, { ...news, rotateAfterDays: 90 }, created);
    expect(d).toEqual({ changes: true, replaces: [] });
    const updated = reveal(updatePasswordSchedule(outs, { ...news, rotateAfterDays: 90 }));
    expect(updated.result).toBe(reveal(outs).result);
    expect(updated.rotateAt).toBe("2027-03-01T00:00:00.000Z");
  });
});

describe("checkPassword", () => {
  it("names each bad input", () => {
    expect(checkPassword({ length: 4 })).toEqual([
      { property: "length", reason: "length must be a whole number from 8 to 1024" },
    ]);
    expect(checkPassword({ length: 16, lower: false, upper: false, numeric: false })).toEqual([
      {
        property: "lower",
        reason: "enable at least one character class (lower, upper, numeric, special)",
      },
    ]);
    expect(checkPassword({ length: 16, rotateAfterDays: -1 })).toEqual([
      { property: "rotateAfterDays", reason: "give a number of days >= 0 (0: never)" },
    ]);
  });
});
