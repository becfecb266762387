import * as pulumi from "@pulumi/pulumi";
import { generateEd25519KeyPair, sshFingerprint } from "./openssh";

/** The inputs the key pair provider sees once Pulumi has resolved them. */
interface SshKeyPairInputs {
  comment: string;
}

/** What the key pair provider keeps in state. */
interface SshKeyPairState extends SshKeyPairInputs {
  privateKey: string;
  publicKey: string;
}

/**
 * The dynamic provider behind `SshKeyPair`. Pulumi serializes it by closure into the state and runs it in its
 * own process, so it captures nothing but the pure functions of `openssh.ts` (which need only `node:crypto`).
 * The key is generated once, on create; only a new comment replaces it, so it stays stable across runs.
 */
export const sshKeyPairProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: SshKeyPairInputs, news: SshKeyPairInputs) {
    if (typeof news.comment !== "string" || /[\r\n]/.test(news.comment)) {
      return {
        failures: [
          { property: "comment", reason: "the key comment must be a single line of text" },
        ],
      };
    }
    return { inputs: news };
  },

  async diff(_id: string, olds: SshKeyPairState, news: SshKeyPairInputs) {
    // Anything but the comment is ours, including the serialized provider: a code change must not rotate keys.
    const changed = olds.comment !== news.comment;
    return { changes: changed, replaces: changed ? ["comment"] : [], deleteBeforeReplace: false };
  },

  async create(inputs: SshKeyPairInputs) {
    const pair = generateEd25519KeyPair(inputs.comment);
    const outs: SshKeyPairState = { comment: inputs.comment, ...pair };
    return { id: sshFingerprint(pair.publicKey), outs };
  },
};

/** Arguments of `SshKeyPair`. */
export interface SshKeyPairArgs {
  /** Comment on the public key line and inside the private key file, e.g. `root@node-1`. */
  comment: pulumi.Input<string>;
}

/**
 * An Ed25519 SSH key pair generated once and kept in state: the private key in OpenSSH format (secret) and the
 * `ssh-ed25519 AAAA... comment` public key line. Its id is the key's SHA256 fingerprint.
 */
export class SshKeyPair extends pulumi.dynamic.Resource {
  // `declare`: the outputs are set by the base constructor, and an initialized field would overwrite them.
  /** Secret: the private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`, no passphrase). */
  declare public readonly privateKey: pulumi.Output<string>;
  /** The public key line, `ssh-ed25519 AAAA... comment`. */
  declare public readonly publicKey: pulumi.Output<string>;
  /** The comment the key was generated with. */
  declare public readonly comment: pulumi.Output<string>;

  constructor(name: string, args: SshKeyPairArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      sshKeyPairProvider,
      name,
      { comment: args.comment, privateKey: undefined, publicKey: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKey"] }),
      "hearth",
      "SshKeyPair",
    );
  }
}
