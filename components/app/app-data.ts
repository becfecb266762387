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
 * An app retired with "delete-data" (`hearth:apps.retired`), by Hearth's provider plugin
 * (`provider/cluster-data.ts`): creating it marks the app's namespace for deletion, which the app's `AppData`
 * carries out once the release is uninstalled in the same run (Pulumi itself never deletes the namespace:
 * `retainOnDelete`); for Argo CD it deletes the GitOps repository. Deleting it (the entry leaves the config) takes
 * the mark off a namespace that is still there.
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

/** Arguments of `AppData`. */
export interface AppDataArgs {
  /** Secret: an admin kubeconfig of the cluster. */
  kubeconfig: pulumi.Input<string>;
  /** The app's namespace, which holds its data. */
  namespace: pulumi.Input<string>;
}

/**
 * The data of an app that keeps some, in its namespace (`provider/cluster-data.ts`). The app's Helm release
 * depends on it, so when the app leaves the config the engine deletes this after uninstalling the release; its
 * delete deletes the namespace and its volumes only when `RetiredData` marked it ("delete-data"), and otherwise
 * leaves them ("keep-data", `pulumi destroy`).
 */
export class AppData extends pulumi.CustomResource {
  constructor(name: string, args: AppDataArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "hearth:app:AppData",
      name,
      { kubeconfig: pulumi.secret(args.kubeconfig), namespace: args.namespace },
      opts,
    );
  }
}
