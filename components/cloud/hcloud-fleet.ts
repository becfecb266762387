import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import type { NodeHandle, NodeRole } from "../types";
import { HcloudNode } from "./hcloud-node";
import { assertFleetPlan, firewallRules, networkZoneFor } from "./hcloud-plan";

/** One server of the fleet. */
export interface HcloudServerSpec {
  /** Server name, hostname and Kubernetes node name. */
  name: string;
  role: NodeRole;
  /** Hetzner server type, e.g. `cx32` or `cax21`. */
  serverType: string;
  /** Fixed IP inside the fleet's private network. */
  privateIp: string;
  /** Pinned SSH host key; the private half is a secret. */
  hostKey: { privateKey: pulumi.Input<string>; publicKey: pulumi.Input<string> };
}

/** Arguments of a set of Hetzner Cloud servers sharing one SSH key, firewall and private network. */
export interface HcloudFleetArgs {
  /** Hetzner location for every server and the network zone, e.g. `fsn1`. */
  location: string;
  servers: HcloudServerSpec[];
  /** The operator's login: public key for the servers, private key (secret) for remote steps. */
  admin: {
    /** @default "hearth" */
    user?: string;
    /** `ssh-ed25519 AAAA...`; Hetzner refuses a key already uploaded to the project under another name. */
    publicKey: string;
    privateKey: pulumi.Input<string>;
  };
  /** Networks allowed to reach SSH (port 22), e.g. the home's public address as a /32. */
  sshSourceCidrs: string[];
  /** Networks allowed to reach the Kubernetes API (port 6443). */
  apiSourceCidrs: string[];
  /** Private network and its one subnet. @default "10.44.0.0/16" */
  networkCidr?: string;
  /** OS image. @default "debian-12" */
  image?: string;
  /** IANA time zone. @default "UTC" */
  timezone?: string;
  /** Packages installed on first boot. @default DEFAULT_PACKAGES from ./cloud-init */
  packages?: string[];
  /** Address the cluster uses for each node. @default "private" (see HcloudNodeArgs) */
  clusterAddress?: "private" | "public";
  /** Address remote steps dial. @default "public" */
  sshAddress?: "private" | "public";
}

/**
 * Hetzner Cloud servers for the cluster, with the parts they share made once. An hcloud provider passed
 * in `opts` reaches every child through the parent chain; none is created here.
 */
export class HcloudFleet extends pulumi.ComponentResource {
  /** One handle per server, in the order given. */
  readonly nodes: NodeHandle[];

  constructor(name: string, args: HcloudFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:cloud:HcloudFleet", name, {}, opts);
    const cidr = args.networkCidr ?? "10.44.0.0/16";
    assertFleetPlan(args.servers, cidr);
    const zone = networkZoneFor(args.location);
    const rules = firewallRules(args.sshSourceCidrs, args.apiSourceCidrs);

    const sshKey = new hcloud.SshKey(
      `${name}-ssh-key`,
      { publicKey: args.admin.publicKey.trim(), labels: { "hearth/fleet": name } },
      { parent: this },
    );
    const firewall = new hcloud.Firewall(
      `${name}-firewall`,
      { rules, labels: { "hearth/fleet": name } },
      { parent: this },
    );
    const network = new hcloud.Network(
      `${name}-network`,
      { ipRange: cidr, labels: { "hearth/fleet": name } },
      { parent: this },
    );
    const subnet = new hcloud.NetworkSubnet(
      `${name}-subnet`,
      { networkId: network.id.apply(Number), networkZone: zone, type: "cloud", ipRange: cidr },
      { parent: this },
    );

    this.nodes = args.servers.map(
      (spec) =>
        new HcloudNode(
          `${name}-${spec.name}`,
          {
            hostname: spec.name,
            role: spec.role,
            serverType: spec.serverType,
            image: args.image,
            location: args.location,
            sshKeyIds: [sshKey.id],
            firewallIds: [firewall.id.apply(Number)],
            subnetId: subnet.id,
            privateIp: spec.privateIp,
            hostKey: {
              privateKey: pulumi.secret(spec.hostKey.privateKey),
              publicKey: spec.hostKey.publicKey,
            },
            admin: {
              user: args.admin.user,
              authorizedKeys: [args.admin.publicKey],
              privateKey: args.admin.privateKey,
            },
            clusterAddress: args.clusterAddress,
            sshAddress: args.sshAddress,
            timezone: args.timezone,
            packages: args.packages,
            labels: { "hearth/fleet": name },
          },
          { parent: this },
        ).handle,
    );
    this.registerOutputs({ nodes: this.nodes.map((n) => n.name) });
  }
}
