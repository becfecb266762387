import * as pulumi from "@pulumi/pulumi";
import { ClusterHandle } from "../components/types";
import { LoadedConfig } from "./config";
import { buildCluster, buildNodes, buildRemovals } from "./nodes";
import { BackupsOutput } from "./backups";
import { buildPlatform } from "./platform";
import { Footprint } from "./day2";

/** Arguments of the whole home. */
export interface HomelabArgs {
  /** Validated configuration from `loadConfig`. */
  config: LoadedConfig;
  /** What the previous run left (stacks/day2.ts): the bootstrap server stays first. @default a new home */
  previous?: Footprint;
}

/**
 * The whole home: config -> nodes -> cluster -> platform -> apps, each layer handing the next a small handle.
 * Type token `hearth:stack:Homelab`.
 */
export class Homelab extends pulumi.ComponentResource {
  /** App name -> public URL. */
  readonly urls: pulumi.Output<Record<string, string>>;
  /** Secret: an admin kubeconfig of the cluster. */
  readonly kubeconfig: pulumi.Output<string>;
  /** Secret: app name -> admin username and password. */
  readonly adminCredentials: pulumi.Output<Record<string, { username: string; password: string }>>;
  /** The cluster handle the platform runs on. */
  readonly cluster: ClusterHandle;
  /** Where each app's backups are (no secret), when hearth:backup is set. */
  readonly backups?: Omit<BackupsOutput, "access">;
  /** Secret: the restic repository password and the targets' secret keys. */
  readonly backupAccess?: BackupsOutput["access"];
  /** Secret: each identity user's initial password, when authelia is enabled. */
  readonly identityLogins?: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: HomelabArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:stack:Homelab", name, {}, opts);
    const c = args.config;
    const nodes = buildNodes(name, c, this);
    this.cluster = buildCluster(name, c, nodes, this, args.previous);
    buildRemovals(name, c, args.previous, this.cluster, this);
    const platform = buildPlatform(name, c, this.cluster, this);

    this.urls = pulumi.output(platform.urls);
    this.kubeconfig = pulumi.secret(this.cluster.kubeconfig);
    this.adminCredentials = pulumi.secret(
      pulumi.output(platform.credentials) as pulumi.Output<
        Record<string, { username: string; password: string }>
      >,
    );
    if (platform.identity) {
      this.identityLogins = pulumi.secret(pulumi.all(platform.identity.logins));
    }
    if (platform.backups) {
      const { access, ...plain } = platform.backups;
      this.backups = plain;
      this.backupAccess = access;
    }
    this.registerOutputs({
      urls: this.urls,
      kubeconfig: this.kubeconfig,
      adminCredentials: this.adminCredentials,
    });
  }
}
