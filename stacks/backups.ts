/**
 * The backup layer of the platform: a backup and its drills for every enabled app whose catalogue entry says
 * `backup: true`, the etcd snapshots' S3 Secret, and what the backup operator commands read back as the
 * `backups` stack output. Called by `buildPlatform` (stacks/platform.ts) once the apps are deployed.
 */
import * as pulumi from "@pulumi/pulumi";
import { catalogue } from "../apps";
import { DeployedApp } from "../apps/recipe";
import { AppBackup, BackupSource, backupNames } from "../components/backup/app-backup";
import { ETCD_S3_FOLDER, etcdS3Secret } from "../components/backup/etcd-backup";
import { BackupTarget, repository } from "../components/backup/plan";
import { ClusterHandle } from "../components/types";
import { LoadedConfig } from "./config";

/** The backups of the stack, as the `backups` stack output (plain) and `backupAccess` (secret). */
export interface BackupsOutput {
  targets: BackupTarget[];
  /** App name -> where its data and backup objects are. */
  apps: Record<
    string,
    {
      namespace: string;
      claimName: string;
      mountPath: string;
      sqlite: string[];
      workload: BackupSource["workload"];
      cronJobs: { backup: string; drill: string; restore: string };
      /** Target name -> restic repository. */
      repositories: Record<string, string>;
    }
  >;
  /** Secret: the repository password and each target's secret key. */
  access: pulumi.Output<{ password: string; secretKeys: Record<string, string> }>;
  /** k3s etcd snapshots: target and folder, when configured. */
  etcd?: { target: string; folder: string };
}

/**
 * Backups and drills for every enabled app whose catalogue entry says `backup: true` (its recipe hands back
 * its volume), and the etcd snapshots' S3 Secret on a k3s cluster.
 */
export function buildBackups(
  name: string,
  c: LoadedConfig,
  deployed: Record<string, DeployedApp>,
  password: pulumi.Output<string>,
  cluster: ClusterHandle,
  parent: pulumi.Resource,
): BackupsOutput {
  const b = c.backup!;
  const out: BackupsOutput = {
    targets: b.targets.map(({ name: n, role, endpoint, bucket, region, accessKeyId }) => ({
      name: n,
      role,
      endpoint,
      bucket,
      region,
      accessKeyId,
    })),
    apps: {},
    access: pulumi.secret(
      pulumi
        .all([password, pulumi.all(c.backupSecretAccessKeys)])
        .apply(([pw, secretKeys]) => ({ password: pw, secretKeys })),
    ),
  };
  for (const app of c.apps.enabled) {
    if (!catalogue[app]?.backup || !deployed[app]) continue;
    const source = deployed[app].backup;
    if (!source) {
      throw new Error(
        `app "${app}": its catalogue entry says backup: true but its recipe names no data volume; ` +
          `return DeployedApp.backup from apps/${app}.ts.`,
      );
    }
    new AppBackup(
      `${name}-${app}-backup`,
      {
        app,
        namespace: source.namespace,
        source,
        policy: {
          targets: out.targets,
          secretKeys: c.backupSecretAccessKeys,
          password,
          schedule: b.schedule,
          drillSchedule: b.drill.schedule,
          retention: b.retention,
          drillSubset: b.drill.readDataSubset,
          drillMaxAgeDays: b.drill.maxAgeDays,
          timezone: c.timezone,
        },
      },
      { parent, providers: { kubernetes: cluster.provider }, dependsOn: [deployed[app].resource] },
    );
    const names = backupNames(app);
    out.apps[app] = {
      namespace: source.namespace,
      claimName: source.claimName,
      mountPath: source.mountPath,
      sqlite: source.sqlite,
      workload: source.workload,
      cronJobs: { backup: names.backup, drill: names.drill, restore: names.restore },
      repositories: Object.fromEntries(out.targets.map((t) => [t.name, repository(t, app)])),
    };
  }
  if (b.etcd && c.cluster.mode === "k3s") {
    const target =
      out.targets.find((t) => t.name === b.etcd!.target) ??
      out.targets.find((t) => t.role === "offsite") ??
      out.targets[0];
    // k3s reads it for every scheduled snapshot: a removal leaves it for the servers still configured so.
    etcdS3Secret(`${name}-etcd-s3`, target, c.backupSecretAccessKeys[target.name], {
      parent,
      provider: cluster.provider,
      retainOnDelete: true,
    });
    out.etcd = { target: target.name, folder: ETCD_S3_FOLDER };
  }
  return out;
}
