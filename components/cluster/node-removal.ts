import * as pulumi from "@pulumi/pulumi";

/** Arguments of `NodeRemoval`. */
export interface NodeRemovalArgs {
  /** Secret: an admin kubeconfig of the cluster the node leaves. */
  kubeconfig: pulumi.Input<string>;
  /** The Node object's name: the machine's host name. */
  node: pulumi.Input<string>;
  /** Seconds the drain may take before the removal fails, naming the pods left. @default 300 */
  drainTimeoutSeconds?: pulumi.Input<number>;
}

/**
 * A machine leaving the cluster, by Hearth's provider plugin (`provider/node-removal.ts`): created in the run where
 * a node is gone from `hearth:nodes` that the previous run's footprint listed (stacks/day2.ts), it cordons and
 * drains the node and deletes its Node object, which on k3s also removes a server's etcd member, so the servers
 * left keep quorum. It runs before the machine's own steps are undone (creates before deletes), and lives one run:
 * the next run's footprint no longer lists the node. A `pulumi destroy` removes no node.
 */
export class NodeRemoval extends pulumi.CustomResource {
  constructor(name: string, args: NodeRemovalArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "hearth:cluster:NodeRemoval",
      name,
      {
        kubeconfig: pulumi.secret(args.kubeconfig),
        node: args.node,
        drainTimeoutSeconds: args.drainTimeoutSeconds,
      },
      opts,
    );
  }
}
