import * as pulumi from "@pulumi/pulumi";

/** Arguments of `NodeMembership`. */
export interface NodeMembershipArgs {
  /** Secret: an admin kubeconfig of the cluster the node belongs to. */
  kubeconfig: pulumi.Input<string>;
  /** The Node object's name: the machine's host name. */
  node: pulumi.Input<string>;
  /** Seconds the drain may take before removing the node fails, naming the pods left. @default 300 */
  drainTimeoutSeconds?: pulumi.Input<number>;
}

/**
 * A machine's place in the cluster, kept by Hearth's provider plugin (`provider/cluster-data.ts`). Creating it
 * changes nothing; deleting it, when the machine leaves `hearth:nodes`, cordons and drains the node and deletes its
 * Node object, which on k3s also removes a server's etcd member, so the servers left keep quorum.
 */
export class NodeMembership extends pulumi.CustomResource {
  constructor(name: string, args: NodeMembershipArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "hearth:cluster:NodeMembership",
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
