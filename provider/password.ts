/**
 * The `hearth:secrets:GeneratedPassword` resource inside Hearth's provider plugin: a password drawn from
 * Node's CSPRNG once, kept in state as a secret with its bcrypt hash, regenerated when a keeper changes or
 * when its rotation date has passed.
 */
import { hashSync } from "bcryptjs";
import { randomBytes, randomInt } from "node:crypto";
import { containsUnknown, reveal, sameValue, secret, withoutUndefined } from "./wire";

/** Characters of each class; `special` leaves out quotes, backslash and space, which break env files and URLs. */
export const CHARACTER_CLASSES = {
  lower: "abcdefghijklmnopqrstuvwxyz",
  upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  numeric: "0123456789",
  special: "!#$%&()*+,-./:;<=>?@[]^_{|}~",
} as const;

/** A character class name. */
export type CharacterClass = keyof typeof CHARACTER_CLASSES;

/** What a generated password is made of, every field resolved. */
export interface PasswordInputs {
  length: number;
  lower: boolean;
  upper: boolean;
  numeric: boolean;
  special: boolean;
  /** Changing any keeper makes a new password. */
  keepers: Record<string, string>;
  /** Days after creation when the next `up` makes a new password; 0 never. */
  rotateAfterDays: number;
}

/** What the provider keeps in state. `result` and `bcryptHash` are secrets. */
export interface PasswordState extends PasswordInputs {
  result: string;
  bcryptHash: string;
  /** ISO time of generation. */
  createdAt: string;
  /** ISO time after which the next `up` rotates it, or "" for never. */
  rotateAt: string;
}

/** Bcrypt cost: 2^10 rounds, what Argo CD and htpasswd use by default. */
const BCRYPT_COST = 10;

/** Every problem with the inputs, each naming the property; empty when they are fine. */
export function checkPassword(
  raw: Record<string, unknown>,
): { property: string; reason: string }[] {
  const inputs = reveal(raw);
  const failures: { property: string; reason: string }[] = [];
  if (containsUnknown(inputs)) return failures;
  const resolved = resolvePasswordInputs(inputs);
  const length = resolved.length;
  if (!Number.isInteger(length) || length < 8 || length > 1024) {
    failures.push({ property: "length", reason: "length must be a whole number from 8 to 1024" });
  }
  const classes = (Object.keys(CHARACTER_CLASSES) as CharacterClass[]).filter((c) => resolved[c]);
  if (classes.length === 0) {
    failures.push({
      property: "lower",
      reason: "enable at least one character class (lower, upper, numeric, special)",
    });
  } else if (Number.isInteger(length) && classes.length > length) {
    failures.push({ property: "length", reason: "length is shorter than the number of classes" });
  }
  const days = inputs.rotateAfterDays ?? 0;
  if (typeof days !== "number" || days < 0 || !Number.isFinite(days)) {
    failures.push({ property: "rotateAfterDays", reason: "give a number of days >= 0 (0: never)" });
  }
  return failures;
}

/** Inputs with their defaults: lower, upper and numeric on, special off, no keepers, no rotation. */
export function resolvePasswordInputs(raw: Record<string, unknown>): PasswordInputs {
  const i = reveal(raw);
  return {
    length: i.length,
    lower: i.lower ?? true,
    upper: i.upper ?? true,
    numeric: i.numeric ?? true,
    special: i.special ?? false,
    keepers: i.keepers ?? {},
    rotateAfterDays: i.rotateAfterDays ?? 0,
  };
}

/**
 * A password of `length` characters with at least one of each enabled class, every character drawn
 * uniformly by `randomInt` (no modulo bias) and the positions shuffled.
 */
export function generatePassword(spec: Pick<PasswordInputs, "length" | CharacterClass>): string {
  const classes = (Object.keys(CHARACTER_CLASSES) as CharacterClass[]).filter((c) => spec[c]);
  const all = classes.map((c) => CHARACTER_CLASSES[c]).join("");
  const chars = classes.map((c) => pick(CHARACTER_CLASSES[c]));
  while (chars.length < spec.length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join("");
}

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)];
}

/** The rotation date of a password made at `created`, or "" when it never rotates. */
export function rotationDate(created: Date, days: number): string {
  if (!days) return "";
  return new Date(created.getTime() + days * 86_400_000).toISOString();
}

/** A new password and its state. */
export function createPassword(
  raw: Record<string, unknown>,
  now = new Date(),
): { id: string; outs: Record<string, unknown> } {
  const inputs = resolvePasswordInputs(raw);
  const result = generatePassword(inputs);
  const outs = {
    ...inputs,
    result: secret(result),
    bcryptHash: secret(hashSync(result, BCRYPT_COST)),
    createdAt: now.toISOString(),
    rotateAt: rotationDate(now, inputs.rotateAfterDays),
  };
  return { id: randomBytes(8).toString("hex"), outs: withoutUndefined(outs) };
}

/** Which inputs force a new password; an expired rotation date counts as `rotateAt`. */
export function diffPassword(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  now = new Date(),
): { changes: boolean; replaces: string[] } {
  const old = reveal(olds) as PasswordState;
  const next = resolvePasswordInputs(news);
  const replaces: string[] = (Object.keys(next) as (keyof PasswordInputs)[]).filter(
    (k) => k !== "rotateAfterDays" && !sameValue(old[k], next[k]),
  );
  const rotateAt = rotationDate(new Date(old.createdAt), next.rotateAfterDays);
  if (rotateAt && Date.parse(rotateAt) <= now.getTime()) replaces.push("rotateAt");
  const scheduleChanged = !sameValue(old.rotateAfterDays, next.rotateAfterDays);
  return { changes: replaces.length > 0 || scheduleChanged, replaces };
}

/** A new rotation schedule on the same password: only the dates move. */
export function updatePasswordSchedule(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Record<string, unknown> {
  const next = resolvePasswordInputs(news);
  const created = new Date(String(reveal(olds).createdAt));
  return {
    ...olds,
    rotateAfterDays: next.rotateAfterDays,
    rotateAt: rotationDate(created, next.rotateAfterDays),
  };
}
