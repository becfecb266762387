import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CONTENT_UPDATED_IN_PLACE } from "./provider-options";
import type { ClusterHandle } from "../types";

/** Arguments of a cluster Hearth did not install (the dev sandbox, a managed cluster). */
export interface ExistingClusterArgs {
  /** An admin kubeconfig; treated as a secret whether or not the caller marked it. */
  kubeconfig: pulumi.Input<string>;
  /** Context to use inside the kubeconfig. @default the kubeconfig's current-context */
  context?: pulumi.Input<string>;
  /** Kubernetes version the cluster runs, as the operator declares it, e.g. `v1.31.4`. */
  version: string;
  /**
   * The cluster's identity (the provider's `clusterIdentifier`): a new kubeconfig, server address or context for
   * the same cluster updates the provider in place; only a new identifier replaces what runs on it (ADR 14).
   * @default the component's name
   */
  clusterIdentifier?: string;
}

/** Why a declared version is no Kubernetes version, or undefined. */
export function kubernetesVersionProblem(version: string): string | undefined {
  if (/^v?\d+\.\d+(\.\d+)?\S*$/.test(version)) return undefined;
  return (
    `declares version "${version}"; give the Kubernetes version it runs, such as v1.31.4 ` +
    `(kubectl version prints it).`
  );
}

/** Wraps an existing cluster's kubeconfig in the same handle a Hearth-installed cluster produces. */
export class ExistingCluster extends pulumi.ComponentResource {
  /** The handle the platform layer builds on. */
  readonly cluster: ClusterHandle;

  constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:cluster:ExistingCluster", name, {}, opts);
    const problem = kubernetesVersionProblem(args.version);
    if (problem) throw new Error(`existing cluster "${name}" ${problem}`);
    const kubeconfig = pulumi.secret(pulumi.output(args.kubeconfig));
    const provider = new k8s.Provider(
      `${name}-provider`,
      {
        kubeconfig,
        context: args.context,
        clusterIdentifier: args.clusterIdentifier ?? name,
        ...CONTENT_UPDATED_IN_PLACE,
      },
      { parent: this },
    );
    this.cluster = { kubeconfig, provider, version: args.version };
    this.registerOutputs({ kubeconfig });
  }
}
