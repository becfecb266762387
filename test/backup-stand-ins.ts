/** Stand-ins for the backup commands' tests (cli/commands/backup.test.ts, restore.test.ts): a plan and operations. */
import type { BackupPlan } from "../cli/backup/restic";
import type { BackupOps } from "../cli/commands/backup";

/** A plan with one app, zot, backed up to two targets. */
export function samplePlan(): BackupPlan {
  const target = (name: string, endpoint: string) => ({
    name,
    role: "local" as const,
    endpoint,
    bucket: "b",
    region: "r",
    accessKeyId: "k",
  });
  return {
    targets: [target("nas", "http://nas:9000"), target("offsite", "https://s3.example.net")],
    apps: {
      zot: {
        namespace: "zot",
        claimName: "zot-pvc-zot-0",
        mountPath: "/var/lib/registry",
        sqlite: [],
        workload: { kind: "StatefulSet", name: "zot" },
        cronJobs: {
          backup: "hearth-backup-zot",
          drill: "hearth-drill-zot",
          restore: "hearth-restore-zot",
        },
        repositories: {
          nas: "s3:http://nas:9000/b/zot",
          offsite: "s3:https://s3.example.net/b/zot",
        },
      },
    },
  };
}

/**
 * Stand-in operations: snapshots per target that a completed Job adds to (`lands` says where), every call
 * recorded in order.
 */
export function fakeOps(opts: { jobOk?: boolean; lands?: string[] } = {}) {
  const counts: Record<string, number> = { nas: 2, offsite: 2 };
  const calls: string[] = [];
  const lines: string[] = [];
  const ops: BackupOps = {
    countSnapshots: (_app, target) => counts[target],
    async runJob(namespace, cronJob, o) {
      calls.push(`job ${namespace}/${cronJob} ${JSON.stringify(o)}`);
      if (opts.jobOk === false)
        return { name: `${cronJob}-x`, ok: false, message: "BackoffLimitExceeded" };
      for (const t of opts.lands ?? ["nas", "offsite"]) counts[t]++;
      return { name: `${cronJob}-x`, ok: true, message: "Complete" };
    },
    say: (l) => void lines.push(l),
    warn: (l) => void lines.push(`! ${l}`),
  };
  return { ops, calls, lines, counts };
}
