import * as pulumi from "@pulumi/pulumi";
import { GiteaEndpoint } from "../types";

/** Arguments of `RetiredData`. */
export interface RetiredDataArgs {
  /** Secret: an admin kubeconfig of the cluster. */
  kubeconfig: pulumi.Input<string>;
  /** The retired app's namespace, deleted with its volumes. */
  namespace: string;
  /** A Gitea repository that was the app's data (Argo CD's GitOps repository), deleted with its organization. */
  gitea?: { endpoint: GiteaEndpoint; owner: string; repo: string };
}

/**
 * The data of an app retired with "delete-data" (`hearth:apps.retired`), deleted by Hearth's provider plugin
 * (`provider/cluster-data.ts`) when this resource is created: the namespace and its volumes, which Pulumi itself
 * never deletes (`retainOnDelete`), and for Argo CD the GitOps repository. Deleting this resource (the entry
 * leaves the config) does nothing.
 */
export class RetiredData extends pulumi.CustomResource {
  constructor(name: string, args: RetiredDataArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "hearth:app:RetiredData",
      name,
      {
        kubeconfig: pulumi.secret(args.kubeconfig),
        namespace: args.namespace,
        gitea: args.gitea === undefined ? undefined : pulumi.secret(args.gitea),
      },
      opts,
    );
  }
}
