import * as pulumi from "@pulumi/pulumi";

/** Arguments of `GeneratedPassword`. */
export interface GeneratedPasswordArgs {
  /** Number of characters. */
  length: number;
  /** Lowercase letters. @default true */
  lower?: boolean;
  /** Uppercase letters. @default true */
  upper?: boolean;
  /** Digits. @default true */
  numeric?: boolean;
  /** Punctuation (no quotes, backslash or space); off because many apps mishandle it in URLs. @default false */
  special?: boolean;
  /** Any change of these values makes a new password. @default {} */
  keepers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Days after creation when the next `pulumi up` makes a new password. @default 0: never */
  rotateAfterDays?: number;
}

/**
 * A password generated once by Hearth's own provider plugin (`provider/`) from Node's CSPRNG, with at least
 * one character of each enabled class, kept in state as a secret together with its bcrypt hash.
 */
export class GeneratedPassword extends pulumi.CustomResource {
  /** Secret: the password. */
  declare readonly result: pulumi.Output<string>;
  /** Secret: its bcrypt hash (cost 10), for apps that take a hash instead of the password. */
  declare readonly bcryptHash: pulumi.Output<string>;
  /** When it was generated (ISO 8601). */
  declare readonly createdAt: pulumi.Output<string>;
  /** When the next `up` rotates it (ISO 8601), or "" for never. */
  declare readonly rotateAt: pulumi.Output<string>;

  constructor(name: string, args: GeneratedPasswordArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "hearth:secrets:GeneratedPassword",
      name,
      {
        ...args,
        result: undefined,
        bcryptHash: undefined,
        createdAt: undefined,
        rotateAt: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["result", "bcryptHash"] }),
    );
  }
}
