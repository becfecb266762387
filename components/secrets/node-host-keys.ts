import * as pulumi from "@pulumi/pulumi";
import { SshKeyPair } from "./ssh-key-pair";

/** One node's SSH host key. */
export interface HostKey {
  /** Secret: the host's private key in OpenSSH format, to install as `/etc/ssh/ssh_host_ed25519_key`. */
  privateKey: pulumi.Output<string>;
  /** The host's public key line, which every SSH connection to the node pins. */
  publicKey: pulumi.Output<string>;
}

/** Arguments of `NodeHostKeys`. */
export interface NodeHostKeysArgs {
  /** Names of the nodes that get a host key; each becomes an `SshKeyPair` named `${name}-${node}`. */
  nodes: string[];
}

/**
 * Ed25519 SSH host keys generated before the nodes exist, so that installs can plant them and every later SSH
 * step can pin them instead of trusting the first key it sees.
 */
export class NodeHostKeys extends pulumi.ComponentResource {
  /** Each node's host key, by node name. */
  public readonly keys: Record<string, HostKey>;

  constructor(name: string, args: NodeHostKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:secrets:NodeHostKeys", name, {}, opts);
    const seen = new Set<string>();
    for (const node of args.nodes) {
      if (node.trim() === "" || seen.has(node)) {
        throw new Error(
          `host keys ${name}: node name ${JSON.stringify(node)} is ${node.trim() === "" ? "empty" : "listed twice"}; ` +
            "every node needs its own unique name",
        );
      }
      seen.add(node);
    }
    const keys: Record<string, HostKey> = {};
    for (const node of args.nodes) {
      // The comment matches what ssh-keygen -A writes for host keys, so the key looks familiar on the node.
      const pair = new SshKeyPair(`${name}-${node}`, { comment: `root@${node}` }, { parent: this });
      keys[node] = { privateKey: pulumi.secret(pair.privateKey), publicKey: pair.publicKey };
    }
    this.keys = keys;
    this.registerOutputs({ keys });
  }
}
