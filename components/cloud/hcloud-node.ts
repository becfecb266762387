import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { RemoteCommand } from "../ssh/remote-command";
import type { Arch, NodeHandle, NodeRole } from "../types";
import { assertCloudInitOptions, DEFAULT_PACKAGES, renderCloudInit } from "./cloud-init";
import { isIpv4 } from "../net";
import { archForServerType } from "./hcloud-plan";

/** Arguments of one Hetzner Cloud server that becomes a Hearth node. */
export interface HcloudNodeArgs {
  /** Server name, hostname and Kubernetes node name. */
  hostname: string;
  role: NodeRole;
  /** Hetzner server type, e.g. `cx32` or `cax21`. */
  serverType: string;
  /** OS image. @default "debian-12" */
  image?: string;
  /** Hetzner location, e.g. `fsn1`. */
  location: string;
  /** IDs of hcloud SSH keys; Hetzner mails a root password for servers created without one. */
  sshKeyIds: pulumi.Input<string>[];
  firewallIds: pulumi.Input<number>[];
  /** ID of the private subnet the server joins. */
  subnetId: pulumi.Input<string>;
  /** Fixed IP on the private network. */
  privateIp: string;
  /** Pinned SSH host key: planted by cloud-init, checked on every connection. */
  hostKey: { privateKey: pulumi.Input<string>; publicKey: pulumi.Input<string> };
  /** The login account remote steps use; key-only with passwordless sudo. */
  admin: {
    /** @default "hearth" */
    user?: string;
    authorizedKeys: string[];
    /** Secret: the private key matching one of `authorizedKeys`. */
    privateKey: pulumi.Input<string>;
  };
  /**
   * Address the cluster uses for this node. The firewall opens only SSH and the API on public IPs, so
   * node-to-node traffic must use the private network. @default "private"
   */
  clusterAddress?: "private" | "public";
  /** Address remote steps dial; private only works from inside the network. @default "public" */
  sshAddress?: "private" | "public";
  /** IANA time zone. @default "UTC" */
  timezone?: string;
  /** Packages installed on first boot. @default DEFAULT_PACKAGES from ./cloud-init */
  packages?: string[];
  /** CPU architecture. @default derived from the server type (CAX is arm64) */
  arch?: Arch;
  /** Extra Hetzner labels. @default {} */
  labels?: Record<string, string>;
}

/** A Hetzner Cloud server with a pinned host key, ready for SSH once cloud-init has finished. */
export class HcloudNode extends pulumi.ComponentResource {
  /** The node as the cluster layer sees it. */
  readonly handle: NodeHandle;
  /** The Hetzner server. */
  readonly server: hcloud.Server;

  constructor(name: string, args: HcloudNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:cloud:HcloudNode", name, {}, opts);
    const user = args.admin.user ?? "hearth";
    const init = {
      hostname: args.hostname,
      admin: { user, authorizedKeys: args.admin.authorizedKeys },
      timezone: args.timezone,
      packages: args.packages ?? DEFAULT_PACKAGES,
    };
    // Check everything but the secret before any resource exists, so mistakes fail the preview; a host
    // key generated in the same run is only known once created, so it is checked when it is.
    const { publicKey } = args.hostKey;
    if (typeof publicKey === "string") assertCloudInitOptions({ ...init, hostKey: { publicKey } });
    if (!isIpv4(args.privateIp)) {
      throw new Error(
        `Hetzner server "${args.hostname}": private IP "${args.privateIp}" is not IPv4.`,
      );
    }

    // The user-data carries the host's private key: secret in, secret out.
    const userData = pulumi.secret(
      pulumi.all([args.hostKey.privateKey, publicKey]).apply(([privateKey, pub]) => {
        assertCloudInitOptions({ ...init, hostKey: { publicKey: pub } });
        return renderCloudInit({ ...init, hostKey: { privateKey, publicKey: pub } });
      }),
    );
    this.server = new hcloud.Server(
      `${name}-server`,
      {
        name: args.hostname,
        serverType: args.serverType,
        image: args.image ?? "debian-12",
        location: args.location,
        sshKeys: args.sshKeyIds,
        firewallIds: args.firewallIds,
        // aliasIps: [] avoids a detach/attach on every update (hcloud provider issue #650).
        networks: [{ subnetId: args.subnetId, ip: args.privateIp, aliasIps: [] }],
        publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
        userData,
        labels: { ...args.labels, "hearth/role": args.role },
      },
      {
        parent: this,
        additionalSecretOutputs: ["userData"],
        // cloud-init runs once, at first boot; a changed user-data would only replace the server and its
        // data. Later changes reach the node over SSH (its preparation and k3s steps), not by reinstalling.
        ignoreChanges: ["userData"],
      },
    );

    const publicIp = this.server.ipv4Address;
    const connection = {
      host: (args.sshAddress ?? "public") === "public" ? publicIp : pulumi.output(args.privateIp),
      port: 22,
      user,
      privateKey: pulumi.secret(args.admin.privateKey),
      hostKey: args.hostKey.publicKey,
    };
    // The server exists before cloud-init has planted keys and packages; wait for it to finish.
    const ready = new RemoteCommand(
      `${name}-ready`,
      {
        // A fresh server takes a while to answer; allow about ten minutes of dialling.
        connection: { ...connection, dialTimeoutSeconds: 600 },
        create: [
          "rc=0",
          "cloud-init status --wait >/dev/null || rc=$?",
          // 2 means finished with recoverable warnings (cloud-init 23.4+); the node is usable.
          'if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then',
          `  echo "cloud-init failed on ${args.hostname}; see /var/log/cloud-init-output.log:" >&2`,
          "  cloud-init status --long >&2",
          "  exit 1",
          "fi",
        ].join("\n"),
      },
      { parent: this, dependsOn: [this.server] },
    );

    this.handle = {
      name: args.hostname,
      role: args.role,
      arch: args.arch ?? archForServerType(args.serverType),
      address: (args.clusterAddress ?? "private") === "private" ? args.privateIp : publicIp,
      connection,
      ready: [this.server, ready],
    };
    this.registerOutputs({ publicIp, privateIp: args.privateIp });
  }
}
