/**
 * One app's backups in its own namespace: plain Kubernetes CronJobs running restic (ADR 9), with the script,
 * its Secret and an egress policy. A backup CronJob stages consistent SQLite copies and pushes to every target;
 * a drill CronJob restores the latest snapshot of each target to scratch and verifies it, and never mounts the
 * live volume; a suspended restore CronJob is the template the operator commands start restores from.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { backupAlertRules } from "./alerts";
import {
  BACKUP_COMPONENT_LABEL,
  BackupJobKind,
  backupJobSpec,
  backupNames,
  egressPorts,
} from "./job-spec";
import { BackupTarget, Retention, backupScript, envSuffix } from "./plan";

// stacks/backups.ts reads the names from here, beside the component that makes them.
export { backupNames } from "./job-spec";

/** The workload that mounts an app's volume: the restore scales it to zero first. */
export interface Workload {
  kind: "StatefulSet" | "Deployment";
  name: string;
}

/** What a recipe tells about its data; see `DeployedApp.backup`. */
export interface BackupSource {
  /** The app's namespace, where the claim is and the backup objects go. */
  namespace: string;
  /** The PersistentVolumeClaim the chart creates (checked against the render by check:charts). */
  claimName: string;
  /** Where the app mounts it; the backup pod mounts it at the same path. */
  mountPath: string;
  /** SQLite databases under mountPath, relative. */
  sqlite: string[];
  workload: Workload;
  /** Labels of the app's pods, so backups run on the node that holds the volume when they can. */
  podLabels: Record<string, string>;
  /** The user and group the app's files belong to. */
  runAsUser: number;
  fsGroup: number;
}

/** Schedules and limits shared by every app's backups. */
export interface BackupPolicy {
  targets: BackupTarget[];
  /** Secret: each target's secret access key, by name. */
  secretKeys: Record<string, pulumi.Input<string>>;
  /** Secret: the restic repository password. */
  password: pulumi.Input<string>;
  schedule: string;
  drillSchedule: string;
  retention: Retention;
  drillSubset: string;
  /** Days after which a drill without success raises an alert. */
  drillMaxAgeDays: number;
  timezone: string;
}

export interface AppBackupArgs {
  app: string;
  namespace: string;
  source: BackupSource;
  policy: BackupPolicy;
}

export class AppBackup extends pulumi.ComponentResource {
  readonly backupCronJob: k8s.batch.v1.CronJob;
  readonly drillCronJob: k8s.batch.v1.CronJob;
  readonly restoreCronJob: k8s.batch.v1.CronJob;

  constructor(name: string, args: AppBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:backup:AppBackup", name, {}, opts);
    const { app, source, policy, namespace } = args;
    const missing = policy.targets.filter((t) => policy.secretKeys[t.name] === undefined);
    if (missing.length > 0) {
      throw new Error(
        `backup of "${app}": no secret access key for target ${missing.map((t) => t.name).join(", ")}; ` +
          `set hearth:backupSecretAccessKeys.<name> or the target's secretAccessKeyPath.`,
      );
    }
    const names = backupNames(app);
    const child = { parent: this };

    const secretData: Record<string, pulumi.Input<string>> = { RESTIC_PASSWORD: policy.password };
    for (const t of policy.targets) {
      secretData[`HEARTH_SECRET_KEY_${envSuffix(t.name)}`] = policy.secretKeys[t.name];
    }
    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: names.secret, namespace, labels: BACKUP_COMPONENT_LABEL },
        stringData: pulumi.secret(secretData),
      },
      child,
    );
    const script = new k8s.core.v1.ConfigMap(
      `${name}-script`,
      {
        metadata: { name: names.script, namespace, labels: BACKUP_COMPONENT_LABEL },
        data: { "hearth-backup.sh": backupScript() },
      },
      child,
    );
    // The alert rules (components/backup/alerts.ts), for the observability stack to load by this label.
    new k8s.core.v1.ConfigMap(
      `${name}-alerts`,
      {
        metadata: {
          name: "hearth-backup-alerts",
          namespace,
          labels: { ...BACKUP_COMPONENT_LABEL, "hearth.dev/prometheus-rules": "true" },
        },
        data: {
          "hearth-backups.rules.yaml": backupAlertRules(
            [{ app, namespace }],
            policy.drillMaxAgeDays,
          ),
        },
      },
      child,
    );
    // The app namespace denies all egress; backup pods may reach the targets' ports (any address: a
    // NetworkPolicy cannot name a host, and a target may be a NAS on the LAN) besides DNS, which the namespace
    // already allows. Never link-local, where a cloud serves instance metadata on port 80.
    const ports = egressPorts(policy.targets);
    new k8s.networking.v1.NetworkPolicy(
      `${name}-egress`,
      {
        metadata: { name: names.policy, namespace },
        spec: {
          podSelector: { matchLabels: BACKUP_COMPONENT_LABEL },
          policyTypes: ["Egress"],
          egress: [
            {
              to: [
                { ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } },
                { ipBlock: { cidr: "::/0", except: ["fe80::/10"] } },
              ],
              ports: ports.map((port) => ({ protocol: "TCP", port })),
            },
          ],
        },
      },
      child,
    );

    const jobs = { app, namespace, source, policy };
    const cronJob = (kind: BackupJobKind) =>
      new k8s.batch.v1.CronJob(`${name}-${kind}`, backupJobSpec(kind, jobs), {
        ...child,
        dependsOn: [secret, script],
      });
    this.backupCronJob = cronJob("backup");
    this.drillCronJob = cronJob("drill");
    this.restoreCronJob = cronJob("restore");
    this.registerOutputs({});
  }
}
