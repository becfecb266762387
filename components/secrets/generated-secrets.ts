import * as pulumi from "@pulumi/pulumi";
import { GeneratedPassword } from "./generated-password";

/** How one generated password is made. */
export interface PasswordSpec {
  /** Number of characters. @default 32 */
  length?: number;
  /** Whether punctuation may appear; off by default because many apps mishandle it in URLs and env files. @default false */
  special?: boolean;
  /** Days after which the next `pulumi up` makes a new password. @default 0: never */
  rotateAfterDays?: number;
  /**
   * The password guards data that outlives it (a backup repository's key): Pulumi refuses to delete or replace
   * it (`protect`), and a `destroy` stops at it until it is copied and unprotected. @default false
   */
  protect?: boolean;
}

/** A password spec with its defaults applied. */
export interface ResolvedPasswordSpec {
  key: string;
  length: number;
  special: boolean;
  rotateAfterDays: number;
  protect: boolean;
}

/** Generated passwords are never shorter than this: below it they become guessable offline. */
export const MIN_PASSWORD_LENGTH = 16;
const DEFAULT_PASSWORD_LENGTH = 32;
const PASSWORD_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Applies defaults to the password specs of `owner` (the component's name, for error messages) and reports every
 * bad entry at once.
 */
export function resolvePasswordSpecs(
  owner: string,
  passwords: Record<string, PasswordSpec>,
): ResolvedPasswordSpec[] {
  const problems: string[] = [];
  const specs: ResolvedPasswordSpec[] = [];
  for (const [key, spec] of Object.entries(passwords)) {
    const length = spec.length ?? DEFAULT_PASSWORD_LENGTH;
    if (!PASSWORD_KEY.test(key)) {
      problems.push(
        `password key ${JSON.stringify(key)} must start with a letter or digit and contain only letters, ` +
          "digits, '-', '_' and '.'",
      );
    }
    if (!Number.isInteger(length) || length < MIN_PASSWORD_LENGTH) {
      problems.push(
        `password ${JSON.stringify(key)} has length ${length}; use a whole number of at least ` +
          `${MIN_PASSWORD_LENGTH} (or leave it out for ${DEFAULT_PASSWORD_LENGTH})`,
      );
    }
    const rotateAfterDays = spec.rotateAfterDays ?? 0;
    if (!Number.isInteger(rotateAfterDays) || rotateAfterDays < 0) {
      problems.push(
        `password ${JSON.stringify(key)} has rotateAfterDays ${rotateAfterDays}; use a whole number of ` +
          "days, or 0 to never rotate",
      );
    }
    specs.push({
      key,
      length,
      special: spec.special ?? false,
      rotateAfterDays,
      protect: spec.protect ?? false,
    });
  }
  if (problems.length > 0) {
    throw new Error(`generated secrets ${owner}:\n  - ${problems.join("\n  - ")}`);
  }
  return specs;
}

/** Arguments of `GeneratedSecrets`. */
export interface GeneratedSecretsArgs {
  /** The passwords to generate, by key; each becomes a `GeneratedPassword` named `${name}-${key}`. */
  passwords: Record<string, PasswordSpec>;
}

/** Passwords generated once and kept in state as secrets, for apps and platform services that need them. */
export class GeneratedSecrets extends pulumi.ComponentResource {
  /** Secret: each generated password, by key. */
  public readonly passwords: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: GeneratedSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:secrets:GeneratedSecrets", name, {}, opts);
    const passwords: Record<string, pulumi.Output<string>> = {};
    for (const spec of resolvePasswordSpecs(name, args.passwords)) {
      const password = new GeneratedPassword(
        `${name}-${spec.key}`,
        { length: spec.length, special: spec.special, rotateAfterDays: spec.rotateAfterDays },
        { parent: this, protect: spec.protect },
      );
      passwords[spec.key] = pulumi.secret(password.result);
    }
    this.passwords = passwords;
    this.registerOutputs({ passwords });
  }
}
