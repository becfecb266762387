/**
 * The S3 copy of k3s's etcd snapshots: the kube-system Secret that `--etcd-s3-config-secret` names. k3s reads it
 * at each snapshot, so it may be created after the cluster is up, and the keys stay off every command line.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { etcdS3SecretData } from "../cluster/k3s-flags";
import { BackupTarget } from "./plan";

/** Name of the Secret, in kube-system (the only namespace k3s reads it from). */
export const ETCD_S3_SECRET = "hearth-etcd-s3";

/** Folder under the bucket that etcd snapshots go to, beside the apps' repositories. */
export const ETCD_S3_FOLDER = "k3s-etcd";

/** Creates the Secret for `target`; `secretKey` is its secret access key (secret). */
export function etcdS3Secret(
  name: string,
  target: BackupTarget,
  secretKey: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    name,
    {
      metadata: { name: ETCD_S3_SECRET, namespace: "kube-system" },
      stringData: pulumi.secret(
        pulumi.output(secretKey).apply((key) => ({
          ...etcdS3SecretData({ ...target, folder: ETCD_S3_FOLDER }),
          "etcd-s3-secret-key": key,
        })),
      ),
    },
    opts,
  );
}
