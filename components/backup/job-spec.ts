/**
 * What an app's backup CronJobs run, as plain data: the backup, drill and restore pod specs and their CronJob
 * specs, the egress policy's ports and the objects' names. `AppBackup` registers exactly these; the tables in
 * job-spec.test.ts read them without Pulumi.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { BackupPolicy, BackupSource } from "./app-backup";
import { AppData, BackupTarget, WorkPaths, scriptEnv, secretEnvNames } from "./plan";

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

/** The TCP port of a target's endpoint URL. */
export function targetPort(t: BackupTarget): number {
  const u = new URL(t.endpoint);
  return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
}

/** The target ports backup pods may reach, once each, in order. */
export function egressPorts(targets: BackupTarget[]): number[] {
  return [...new Set(targets.map(targetPort))].sort((a, b) => a - b);
}

/** The three CronJobs of an app: scheduled backups and drills, and the suspended restore template. */
export type BackupJobKind = "backup" | "drill" | "restore";

/** What a job spec depends on: the app, its data, and the schedules and targets (no secret). */
export interface BackupJobInputs {
  app: string;
  namespace: string;
  source: BackupSource;
  policy: Pick<
    BackupPolicy,
    "targets" | "schedule" | "drillSchedule" | "retention" | "drillSubset" | "timezone"
  >;
}

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** One container running a step of hearth-backup.sh. */
function stepContainer(
  inputs: BackupJobInputs,
  c: {
    name: string;
    image: string;
    step: string[];
    mounts?: VolumeMount[];
    /** Whether it gets the restic password and the targets' keys. */
    secrets: boolean;
    env?: Record<string, string>;
  },
): Container {
  const { app, source, policy } = inputs;
  const data: AppData = { app, dataPath: source.mountPath, sqlite: source.sqlite };
  const env = Object.entries(
    scriptEnv(data, PATHS, policy.targets, policy.retention, policy.drillSubset),
  ).map(([n, value]) => ({ name: n, value }));
  const secretEnv = secretEnvNames(policy.targets).map((n) => ({
    name: n,
    valueFrom: { secretKeyRef: { name: backupNames(app).secret, key: n } },
  }));
  return {
    name: c.name,
    image: c.image,
    command: ["sh", `${SCRIPT_DIR}/hearth-backup.sh`, ...c.step],
    env: [
      ...env,
      // The root filesystem is read-only: restic's and mktemp's temporary files go to the work volume.
      { name: "TMPDIR", value: "/work/tmp" },
      ...Object.entries(c.env ?? {}).map(([n, value]) => ({ name: n, value })),
      ...(c.secrets ? secretEnv : []),
    ],
    volumeMounts: [
      { name: "script", mountPath: SCRIPT_DIR, readOnly: true },
      { name: "work", mountPath: "/work" },
      ...(c.mounts ?? []),
    ],
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
    },
    resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "1Gi" } },
  };
}

/** A pod around the containers: non-root, the script and a work volume, the app's data when it needs it. */
function podSpec(
  inputs: BackupJobInputs,
  containers: Pick<PodSpec, "initContainers" | "containers">,
  options: { withData: boolean; nearTheApp: boolean },
): PodSpec {
  const { source } = inputs;
  return {
    restartPolicy: "Never",
    automountServiceAccountToken: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: source.runAsUser,
      runAsGroup: source.fsGroup,
      fsGroup: source.fsGroup,
      seccompProfile: { type: "RuntimeDefault" },
    },
    ...(options.nearTheApp
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
      { name: "script", configMap: { name: backupNames(inputs.app).script, defaultMode: 0o555 } },
      { name: "work", emptyDir: {} },
      ...(options.withData
        ? [{ name: "data", persistentVolumeClaim: { claimName: source.claimName } }]
        : []),
    ],
    ...containers,
  };
}

/** The pod each kind of job runs. */
export function backupPodSpec(kind: BackupJobKind, inputs: BackupJobInputs): PodSpec {
  const data = (readOnly: boolean) => ({
    name: "data",
    mountPath: inputs.source.mountPath,
    readOnly,
  });
  const step = (c: Parameters<typeof stepContainer>[1]) => stepContainer(inputs, c);
  const { restic, sqlite } = BACKUP_IMAGES;
  switch (kind) {
    case "backup":
      return podSpec(
        inputs,
        {
          // SQLite needs to write its lock files beside a WAL database even to read it: read-write here.
          initContainers: [
            step({
              name: "stage",
              image: sqlite,
              step: ["stage"],
              mounts: [data(false)],
              secrets: false,
            }),
          ],
          containers: [
            step({
              name: "push",
              image: restic,
              step: ["push"],
              mounts: [data(true)],
              secrets: true,
            }),
          ],
        },
        { withData: true, nearTheApp: true },
      );
    case "drill":
      // The drill restores to scratch and never mounts the live volume.
      return podSpec(
        inputs,
        {
          initContainers: [
            step({ name: "restore", image: restic, step: ["drill-restore"], secrets: true }),
            step({ name: "verify", image: sqlite, step: ["drill-verify"], secrets: false }),
          ],
          containers: [
            step({ name: "record", image: restic, step: ["drill-record"], secrets: true }),
          ],
        },
        { withData: false, nearTheApp: false },
      );
    case "restore":
      return podSpec(
        inputs,
        {
          containers: [
            step({
              name: "restore",
              image: restic,
              step: ["restore", "latest"],
              mounts: [data(false)],
              secrets: true,
              env: { HEARTH_RESTORE_TO: "/work/restore", HEARTH_RESTORE_LIVE: "0" },
            }),
          ],
        },
        { withData: true, nearTheApp: false },
      );
  }
}

/**
 * The CronJob of a kind, metadata and spec. The restore is never scheduled: `npm run hearth -- restore` copies
 * its job template and sets the snapshot.
 */
export function backupJobSpec(
  kind: BackupJobKind,
  inputs: BackupJobInputs,
): { metadata: k8s.types.input.meta.v1.ObjectMeta; spec: k8s.types.input.batch.v1.CronJobSpec } {
  const { app, namespace, policy } = inputs;
  const labels = { ...BACKUP_COMPONENT_LABEL, "hearth.dev/app": app };
  const schedule = { backup: policy.schedule, drill: policy.drillSchedule, restore: "@yearly" }[
    kind
  ];
  return {
    metadata: { name: backupNames(app)[kind], namespace, labels },
    spec: {
      schedule,
      timeZone: policy.timezone,
      suspend: kind === "restore",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 1,
          activeDeadlineSeconds: 6 * 3600,
          template: { metadata: { labels }, spec: backupPodSpec(kind, inputs) },
        },
      },
    },
  };
}
