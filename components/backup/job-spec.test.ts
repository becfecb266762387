/** An app's backup CronJobs as data, without Pulumi: one table row per kind of job. */
import type { BackupSource } from "./app-backup";
import {
  BACKUP_IMAGES,
  BackupJobInputs,
  BackupJobKind,
  backupJobSpec,
  backupNames,
  egressPorts,
  targetPort,
} from "./job-spec";
import type { BackupTarget } from "./plan";

const source: BackupSource = {
  namespace: "woodpecker",
  claimName: "data-woodpecker-server-0",
  mountPath: "/var/lib/woodpecker",
  sqlite: ["woodpecker.sqlite"],
  workload: { kind: "StatefulSet", name: "woodpecker-server" },
  podLabels: { "app.kubernetes.io/name": "server" },
  runAsUser: 1000,
  fsGroup: 1001,
};

const target = (name: string, endpoint: string): BackupTarget => ({
  name,
  role: "local",
  endpoint,
  bucket: "b",
  region: "r",
  accessKeyId: "k",
});

const inputs: BackupJobInputs = {
  app: "woodpecker",
  namespace: "woodpecker",
  source,
  policy: {
    targets: [target("nas", "http://192.168.1.20:9000"), target("off", "https://s3.example.net")],
    schedule: "0 3 * * *",
    drillSchedule: "30 4 * * 0",
    retention: { last: 0, daily: 7, weekly: 4, monthly: 6 },
    drillSubset: "10%",
    timezone: "Europe/Berlin",
  },
};

/* eslint-disable @typescript-eslint/no-explicit-any -- the spec is read back as plain data */
const podOf = (kind: BackupJobKind): any =>
  (backupJobSpec(kind, inputs).spec as any).jobTemplate.spec.template.spec;
const containersOf = (kind: BackupJobKind): any[] => [
  ...(podOf(kind).initContainers ?? []),
  ...podOf(kind).containers,
];

describe("backupJobSpec", () => {
  it.each([
    ["backup", "hearth-backup-woodpecker", "0 3 * * *", false],
    ["drill", "hearth-drill-woodpecker", "30 4 * * 0", false],
    ["restore", "hearth-restore-woodpecker", "@yearly", true],
  ] as const)("%s: named %s, scheduled %s, suspended: %s", (kind, name, schedule, suspend) => {
    const { metadata, spec } = backupJobSpec(kind, inputs);
    expect(metadata).toEqual({
      name,
      namespace: "woodpecker",
      labels: { "app.kubernetes.io/component": "hearth-backup", "hearth.dev/app": "woodpecker" },
    });
    expect(spec).toMatchObject({
      schedule,
      suspend,
      timeZone: "Europe/Berlin",
      concurrencyPolicy: "Forbid",
      jobTemplate: { spec: { backoffLimit: 1, activeDeadlineSeconds: 21600 } },
    });
    expect(name).toBe(backupNames("woodpecker")[kind]);
  });

  it.each([
    // kind, containers (name, image, step, gets secrets, data mount), mounts the claim, runs near the app
    [
      "backup",
      [
        ["stage", BACKUP_IMAGES.sqlite, "stage", false, "read-write"],
        ["push", BACKUP_IMAGES.restic, "push", true, "read-only"],
      ],
      true,
      true,
    ],
    [
      "drill",
      [
        ["restore", BACKUP_IMAGES.restic, "drill-restore", true, "none"],
        ["verify", BACKUP_IMAGES.sqlite, "drill-verify", false, "none"],
        ["record", BACKUP_IMAGES.restic, "drill-record", true, "none"],
      ],
      false,
      false,
    ],
    [
      "restore",
      [["restore", BACKUP_IMAGES.restic, "restore latest", true, "read-write"]],
      true,
      false,
    ],
  ] as const)("%s: its steps, their secrets and mounts", (kind, steps, claim, near) => {
    const seen = containersOf(kind).map((c) => {
      const data = c.volumeMounts.find((m: any) => m.name === "data");
      return [
        c.name,
        c.image,
        c.command.slice(2).join(" "),
        c.env.some((e: any) => e.valueFrom !== undefined),
        data === undefined ? "none" : data.readOnly ? "read-only" : "read-write",
      ];
    });
    expect(seen).toEqual(steps);
    const pod = podOf(kind);
    const claims = pod.volumes.filter((v: any) => v.persistentVolumeClaim);
    expect(claims.map((v: any) => v.persistentVolumeClaim.claimName)).toEqual(
      claim ? ["data-woodpecker-server-0"] : [],
    );
    expect(pod.affinity !== undefined).toBe(near);
    if (near)
      expect(
        pod.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm
          .labelSelector.matchLabels,
      ).toEqual(source.podLabels);
  });

  it.each(["backup", "drill", "restore"] as const)(
    "%s: every pod meets Pod Security restricted and runs as the app's user",
    (kind) => {
      const pod = podOf(kind);
      expect(pod.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1001,
        fsGroup: 1001,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of containersOf(kind)) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
          readOnlyRootFilesystem: true,
        });
        expect(c.env).toContainEqual({ name: "TMPDIR", value: "/work/tmp" });
      }
    },
  );

  it("reads each secret from the app's Secret by its own key", () => {
    const push = containersOf("backup").find((c) => c.name === "push");
    const secrets = push.env.filter((e: any) => e.valueFrom);
    expect(secrets.map((e: any) => [e.name, e.valueFrom.secretKeyRef])).toEqual(
      secrets.map((e: any) => [e.name, { name: "hearth-backup-woodpecker", key: e.name }]),
    );
    expect(secrets.map((e: any) => e.name)).toContain("RESTIC_PASSWORD");
  });

  it("restores to a work folder by default, never to the live volume", () => {
    const [restore] = containersOf("restore");
    expect(restore.env).toEqual(
      expect.arrayContaining([
        { name: "HEARTH_RESTORE_TO", value: "/work/restore" },
        { name: "HEARTH_RESTORE_LIVE", value: "0" },
      ]),
    );
  });
});

describe("the targets' ports", () => {
  it.each([
    ["http://192.168.1.20:9000", 9000],
    ["https://s3.example.net", 443],
    ["http://minio.lan", 80],
    ["https://s3.example.net:8443/path", 8443],
  ])("%s is port %d", (endpoint, port) => {
    expect(targetPort(target("t", endpoint))).toBe(port);
  });

  it("lets backup pods reach each port once, in order", () => {
    const targets = ["https://a", "http://b:9000", "https://c", "http://d:9000"].map((e, i) =>
      target(`t${i}`, e),
    );
    expect(egressPorts(targets)).toEqual([443, 9000]);
  });
});
