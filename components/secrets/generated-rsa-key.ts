import * as pulumi from "@pulumi/pulumi";

/** Arguments of `GeneratedRsaKey`. */
export interface GeneratedRsaKeyArgs {
  /** Key size in bits: 2048, 3072 or 4096. @default 2048 */
  bits?: number;
  /** Any change of these values makes a new key. @default {} */
  keepers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * An RSA private key generated once by Hearth's own provider plugin (`provider/rsa-key.ts`) from Node's
 * CSPRNG, kept in state as a secret: the signing key of an OpenID Connect issuer.
 */
export class GeneratedRsaKey extends pulumi.CustomResource {
  /** Secret: the private key, PKCS#8 PEM. */
  declare readonly privateKeyPem: pulumi.Output<string>;
  /** The public key, SPKI PEM. */
  declare readonly publicKeyPem: pulumi.Output<string>;
  /** 16 hex digits of the SHA-256 of the public key: the `kid` a JWKS names it by. */
  declare readonly keyId: pulumi.Output<string>;

  constructor(name: string, args: GeneratedRsaKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "hearth:secrets:GeneratedRsaKey",
      name,
      { ...args, privateKeyPem: undefined, publicKeyPem: undefined, keyId: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKeyPem"] }),
    );
  }
}
