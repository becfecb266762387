import * as pulumi from "@pulumi/pulumi";
import { RemoteCommand } from "../ssh/remote-command";
import type { Arch, NodeHandle, NodeRole, SshConnection } from "../types";
import {
  authorizedKeysFile,
  INSTALL_AUTHORIZED_KEYS,
  publicKeyOf,
  READ_AUTHORIZED_KEYS,
  restoreAuthorizedKeys,
} from "./authorized-keys";
import { preparationScript, unpreparationScript } from "./preparation";
import { sha256 } from "../shell";
import { InstallOs } from "./spec";

export interface MetalNodeArgs {
  /** Host name of the machine (also its name in the cluster). */
  name: string;
  role: NodeRole;
  arch: Arch;
  os: InstallOs;
  /** Address the cluster uses to reach the node. */
  address: pulumi.Input<string>;
  /** SSH with the node's pinned host key; the private key is kept secret. */
  connection: SshConnection;
  /** IANA time zone, e.g. `Europe/Paris`. */
  timezone: string;
  /** Extra packages to install. @default [] */
  packages?: string[];
  /** What installed the machine (the PXE controller's wait); preparation starts after it. @default none: the machine is already installed */
  installedBy?: pulumi.Resource;
  /**
   * Public keys the login user accepts, kept in sync on every `up` (plus the key Hearth logs in with).
   * @default none: the node's authorized_keys is left as it is
   */
  authorizedKeys?: string[];
}

/**
 * An installed bare-metal machine made ready for k3s: one idempotent preparation step over SSH (host name,
 * time zone, packages, swap off, kernel modules and sysctls), re-run only when its script changes.
 */
export class MetalNode extends pulumi.ComponentResource {
  /** What the cluster layer needs: identity, address, pinned SSH and the steps that make it ready. */
  public readonly handle: NodeHandle;

  constructor(name: string, args: MetalNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    // Type tokens are hearth:<folder>:<Class>; the alias keeps nodes created under the old token.
    super(
      "hearth:metal:MetalNode",
      name,
      {},
      pulumi.mergeOptions(opts, { aliases: [{ type: "hearth:metal:Node" }] }),
    );
    const connection: SshConnection = {
      ...args.connection,
      privateKey: pulumi.secret(args.connection.privateKey),
    };
    const script = preparationScript({
      hostname: args.name,
      os: args.os,
      timezone: args.timezone,
      packages: args.packages ?? [],
    });
    const installed = args.installedBy ? [args.installedBy] : [];
    // A changed script re-runs in place (it is idempotent): a replacement would prepare anew, then run the old
    // resource's unpreparation, undoing what was just done.
    const prepare = new RemoteCommand(
      `${name}-prepare`,
      {
        connection,
        create: script,
        update: script,
        delete: unpreparationScript(),
        triggers: [sha256(script)],
      },
      { parent: this, dependsOn: installed, deleteBeforeReplace: true },
    );
    const ready: pulumi.Resource[] = [...installed, prepare];
    if (args.authorizedKeys && args.authorizedKeys.length > 0) {
      const configured = args.authorizedKeys;
      const loginKey = pulumi.output(connection.privateKey).apply(publicKeyOf);
      const file = loginKey.apply((key) => authorizedKeysFile(configured, key));
      // The keys travel on stdin; a new list rewrites the file in place. A replacement would write the new
      // file, then run the old resource's delete, which leaves only Hearth's key: the operator locked out.
      // `refresh` reads the file back and reports a key added or removed by hand.
      ready.push(
        new RemoteCommand(
          `${name}-authorized-keys`,
          {
            connection,
            create: INSTALL_AUTHORIZED_KEYS,
            update: INSTALL_AUTHORIZED_KEYS,
            read: READ_AUTHORIZED_KEYS,
            delete: loginKey.apply(restoreAuthorizedKeys),
            stdin: file,
          },
          { parent: this, dependsOn: installed, deleteBeforeReplace: true },
        ),
      );
    }

    this.handle = {
      name: args.name,
      role: args.role,
      arch: args.arch,
      address: args.address,
      connection,
      ready,
    };
    this.registerOutputs({ address: args.address });
  }
}
