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
  AppData,
  BackupTarget,
  Retention,
  WorkPaths,
  backupScript,
  scriptEnv,
  secretEnvNames,
  envSuffix,
} from "./plan";

/**
 * Pinned images. restic's Docker Hub tags are the release version without "v" (restic/restic
 * helpers/prepare-release/main.go pushes "restic/restic:"+version; docker/Dockerfile.release is Alpine with
 * /usr/bin/restic and no sqlite). keinos/sqlite3 tags are the SQLite version (its build-images.sh; static
 * /usr/bin/sqlite3 on Alpine, so busybox sh, find and sha256sum are there too). Neither registry is reachable
 * from this machine, so the tags were read from the repositories, not pulled.
 */
export const BACKUP_IMAGES = {
  restic: "docker.io/restic/restic:0.18.1",
  sqlite: "docker.io/keinos/sqlite3:3.52.0",
};

/** Label every backup, drill and restore pod carries (the egress policy selects it). */
export const BACKUP_COMPONENT_LABEL = { "app.kubernetes.io/component": "hearth-backup" };

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

const SCRIPT_DIR = "/hearth";
const PATHS: WorkPaths = { stage: "/work/stage", scratch: "/work/scratch", cache: "/work/cache" };

/** Names of an app's backup objects, which the operator commands look up. */
export function backupNames(app: string) {
  return {
    secret: `hearth-backup-${app}`,
    script: "hearth-backup-script",
    backup: `hearth-backup-${app}`,
    drill: `hearth-drill-${app}`,
    restore: `hearth-restore-${app}`,
    policy: "hearth-backup-egress",
  };
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
    const ports = [...new Set(policy.targets.map(targetPort))].sort((a, b) => a - b);
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

    const data: AppData = { app, dataPath: source.mountPath, sqlite: source.sqlite };
    const env = Object.entries(
      scriptEnv(data, PATHS, policy.targets, policy.retention, policy.drillSubset),
    ).map(([n, value]) => ({ name: n, value }));
    const secretEnv = secretEnvNames(policy.targets).map((n) => ({
      name: n,
      valueFrom: { secretKeyRef: { name: names.secret, key: n } },
    }));
    const container = (
      cname: string,
      image: string,
      step: string[],
      mounts: k8s.types.input.core.v1.VolumeMount[],
      secrets: boolean,
      extraEnv: Record<string, string> = {},
    ): k8s.types.input.core.v1.Container => ({
      name: cname,
      image,
      command: ["sh", `${SCRIPT_DIR}/hearth-backup.sh`, ...step],
      env: [
        ...env,
        // The root filesystem is read-only: restic's and mktemp's temporary files go to the work volume.
        { name: "TMPDIR", value: "/work/tmp" },
        ...Object.entries(extraEnv).map(([n, value]) => ({ name: n, value })),
        ...(secrets ? secretEnv : []),
      ],
      volumeMounts: [
        { name: "script", mountPath: SCRIPT_DIR, readOnly: true },
        { name: "work", mountPath: "/work" },
        ...mounts,
      ],
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        readOnlyRootFilesystem: true,
      },
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "1Gi" } },
    });
    const dataVolume = { name: "data", persistentVolumeClaim: { claimName: source.claimName } };
    const dataMount = (readOnly: boolean) => ({
      name: "data",
      mountPath: source.mountPath,
      readOnly,
    });
    const podSpec = (
      spec: Pick<k8s.types.input.core.v1.PodSpec, "initContainers" | "containers">,
      withData: boolean,
      affinity: boolean,
    ): k8s.types.input.core.v1.PodSpec => ({
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: source.runAsUser,
        runAsGroup: source.fsGroup,
        fsGroup: source.fsGroup,
        seccompProfile: { type: "RuntimeDefault" },
      },
      ...(affinity
        ? {
            affinity: {
              podAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 100,
                    podAffinityTerm: {
                      labelSelector: { matchLabels: source.podLabels },
                      topologyKey: "kubernetes.io/hostname",
                    },
                  },
                ],
              },
            },
          }
        : {}),
      volumes: [
        { name: "script", configMap: { name: names.script, defaultMode: 0o555 } },
        { name: "work", emptyDir: {} },
        ...(withData ? [dataVolume] : []),
      ],
      ...spec,
    });
    const cronJob = (
      id: string,
      jobName: string,
      schedule: string,
      pod: k8s.types.input.core.v1.PodSpec,
      suspend = false,
    ) =>
      new k8s.batch.v1.CronJob(
        `${name}-${id}`,
        {
          metadata: {
            name: jobName,
            namespace,
            labels: { ...BACKUP_COMPONENT_LABEL, "hearth.dev/app": app },
          },
          spec: {
            schedule,
            timeZone: policy.timezone,
            suspend,
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 3600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
              spec: {
                backoffLimit: 1,
                activeDeadlineSeconds: 6 * 3600,
                template: {
                  metadata: { labels: { ...BACKUP_COMPONENT_LABEL, "hearth.dev/app": app } },
                  spec: pod,
                },
              },
            },
          },
        },
        { ...child, dependsOn: [secret, script] },
      );

    this.backupCronJob = cronJob(
      "backup",
      names.backup,
      policy.schedule,
      podSpec(
        {
          // SQLite needs to write its lock files beside a WAL database even to read it: read-write here.
          initContainers: [
            container("stage", BACKUP_IMAGES.sqlite, ["stage"], [dataMount(false)], false),
          ],
          containers: [container("push", BACKUP_IMAGES.restic, ["push"], [dataMount(true)], true)],
        },
        true,
        true,
      ),
    );
    this.drillCronJob = cronJob(
      "drill",
      names.drill,
      policy.drillSchedule,
      podSpec(
        {
          initContainers: [
            container("restore", BACKUP_IMAGES.restic, ["drill-restore"], [], true),
            container("verify", BACKUP_IMAGES.sqlite, ["drill-verify"], [], false),
          ],
          containers: [container("record", BACKUP_IMAGES.restic, ["drill-record"], [], true)],
        },
        false,
        false,
      ),
    );
    // Never scheduled: `npm run hearth -- restore` copies its job template and sets the snapshot.
    this.restoreCronJob = cronJob(
      "restore",
      names.restore,
      "@yearly",
      podSpec(
        {
          containers: [
            container(
              "restore",
              BACKUP_IMAGES.restic,
              ["restore", "latest"],
              [dataMount(false)],
              true,
              {
                HEARTH_RESTORE_TO: "/work/restore",
                HEARTH_RESTORE_LIVE: "0",
              },
            ),
          ],
        },
        true,
        false,
      ),
      true,
    );
    this.registerOutputs({});
  }
}

/** The TCP port of a target's endpoint URL. */
export function targetPort(t: BackupTarget): number {
  const u = new URL(t.endpoint);
  return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
}
