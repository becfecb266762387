import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { find, installMocks, isSecretInput, registrations, reveal, settle } from "../../test/mocks";
import { BackupPolicy, BackupSource } from "./app-backup";

installMocks();

const CRON = "kubernetes:batch/v1:CronJob";
const SECRET = "kubernetes:core/v1:Secret";

const source: BackupSource = {
  namespace: "woodpecker",
  claimName: "data-woodpecker-server-0",
  mountPath: "/var/lib/woodpecker",
  sqlite: ["woodpecker.sqlite"],
  workload: { kind: "StatefulSet", name: "woodpecker-server" },
  podLabels: {
    "app.kubernetes.io/name": "server",
    "app.kubernetes.io/instance": "hearth-woodpecker",
  },
  runAsUser: 1000,
  fsGroup: 1000,
};

function policy(): BackupPolicy {
  return {
    targets: [
      {
        name: "nas",
        role: "local",
        endpoint: "http://192.168.1.20:9000",
        bucket: "hearth-backups",
        region: "us-east-1",
        accessKeyId: "k1",
      },
      {
        name: "off-site",
        role: "offsite",
        endpoint: "https://s3.example.net",
        bucket: "hb",
        region: "eu-central-1",
        accessKeyId: "k2",
      },
    ],
    secretKeys: {
      nas: pulumi.secret("planted-nas-key"),
      "off-site": pulumi.secret("planted-off-key"),
    },
    password: pulumi.secret("planted-repo-password"),
    schedule: "0 3 * * *",
    drillSchedule: "30 4 * * 0",
    retention: { last: 0, daily: 7, weekly: 4, monthly: 6 },
    drillSubset: "10%",
    drillMaxAgeDays: 8,
    timezone: "Europe/Berlin",
  };
}

type Pod = {
  volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
  initContainers?: Container[];
  containers: Container[];
  securityContext: Record<string, unknown>;
};
type Container = {
  name: string;
  image: string;
  command: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
};
const podOf = (name: string) =>
  reveal(find(CRON, name).inputs).spec.jobTemplate.spec.template.spec as Pod;

beforeEach(() => {
  registrations.length = 0;
});

describe("AppBackup", () => {
  it("builds backup, drill and restore CronJobs around the shipped script, with secrets only in the Secret", async () => {
    const { AppBackup } = await import("./app-backup");
    const provider = new k8s.Provider("k8s", {});
    new AppBackup(
      "wp",
      { app: "woodpecker", namespace: "woodpecker", source, policy: policy() },
      { provider },
    );
    await settle();

    const secret = find(SECRET, "wp-secret");
    expect(isSecretInput(secret, "stringData")).toBe(true);
    expect(Object.keys(reveal(secret.inputs).stringData).sort()).toEqual([
      "HEARTH_SECRET_KEY_NAS",
      "HEARTH_SECRET_KEY_OFF_SITE",
      "RESTIC_PASSWORD",
    ]);
    // No planted secret anywhere outside the Secret.
    for (const r of registrations.filter((x) => x !== secret)) {
      expect(JSON.stringify(reveal(r.inputs))).not.toMatch(/planted-/);
    }

    const script = reveal(find("kubernetes:core/v1:ConfigMap", "wp-script").inputs).data[
      "hearth-backup.sh"
    ];
    expect(script).toMatch(/^#!\/bin\/sh/);

    const cron = reveal(find(CRON, "wp-backup").inputs);
    expect(cron.spec).toMatchObject({
      schedule: "0 3 * * *",
      timeZone: "Europe/Berlin",
      concurrencyPolicy: "Forbid",
    });
    const backup = podOf("wp-backup");
    expect(backup.initContainers!.map((c) => [c.name, c.command.slice(2)])).toEqual([
      ["stage", ["stage"]],
    ]);
    expect(backup.containers.map((c) => [c.name, c.command.slice(2)])).toEqual([
      ["push", ["push"]],
    ]);
    expect(backup.volumes.find((v) => v.name === "data")?.persistentVolumeClaim?.claimName).toBe(
      "data-woodpecker-server-0",
    );
    const push = backup.containers[0];
    expect(push.volumeMounts).toContainEqual({
      name: "data",
      mountPath: "/var/lib/woodpecker",
      readOnly: true,
    });
    const env = Object.fromEntries(push.env.map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      HEARTH_APP: "woodpecker",
      HEARTH_DATA: "/var/lib/woodpecker",
      HEARTH_SQLITE: "woodpecker.sqlite",
      HEARTH_TARGETS: "nas off-site",
      HEARTH_REPO_NAS: "s3:http://192.168.1.20:9000/hearth-backups/woodpecker",
      HEARTH_REPO_OFF_SITE: "s3:https://s3.example.net/hb/woodpecker",
      HEARTH_KEEP_DAILY: "7",
      RESTIC_PASSWORD: {
        secretKeyRef: { name: "hearth-backup-woodpecker", key: "RESTIC_PASSWORD" },
      },
    });
    // The staging step (sqlite3 image) never sees a credential.
    expect(backup.initContainers![0].env.some((e) => e.valueFrom !== undefined)).toBe(false);

    const drill = podOf("wp-drill");
    // The drill never mounts the live volume.
    expect(drill.volumes.some((v) => v.persistentVolumeClaim)).toBe(false);
    expect([...drill.initContainers!, ...drill.containers].map((c) => c.command[2])).toEqual([
      "drill-restore",
      "drill-verify",
      "drill-record",
    ]);
    expect(reveal(find(CRON, "wp-restore").inputs).spec.suspend).toBe(true);

    const alerts = reveal(find("kubernetes:core/v1:ConfigMap", "wp-alerts").inputs);
    expect(alerts.metadata.labels["hearth.dev/prometheus-rules"]).toBe("true");
    expect(alerts.data["hearth-backups.rules.yaml"]).toContain("alert: HearthBackupDrillStale");
    const np = reveal(find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "wp-egress").inputs);
    // The targets' ports at any address but link-local, where clouds serve instance metadata.
    expect(np.spec.egress).toEqual([
      {
        to: [
          { ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } },
          { ipBlock: { cidr: "::/0", except: ["fe80::/10"] } },
        ],
        ports: [
          { protocol: "TCP", port: 443 },
          { protocol: "TCP", port: 9000 },
        ],
      },
    ]);
    // Pod Security "restricted" asks for these on every pod.
    expect(backup.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("refuses a target without its secret key, naming the setting", async () => {
    const { AppBackup } = await import("./app-backup");
    const p = policy();
    delete p.secretKeys["off-site"];
    expect(() => new AppBackup("x", { app: "zot", namespace: "zot", source, policy: p })).toThrow(
      'backup of "zot": no secret access key for target off-site; set hearth:backupSecretAccessKeys.<name> or the target\'s secretAccessKeyPath.',
    );
  });
});
