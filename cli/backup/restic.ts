/**
 * The backup commands' restic side: each app's snapshots on each target, read with restic on the operator's
 * machine, the stack's secrets in its environment only (kubectl.ts is the cluster side). `backup` and
 * `restore` (cli/commands/) feed these from a stack's outputs; the real-S3 tests (test/backup/) feed them
 * directly.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BackupsOutput } from "../../stacks/backups";
import { BackupTarget } from "../../components/backup/plan";

/** The `backups` stack output (no secret) and `backupAccess` (secret), as the program exports them. */
export type BackupPlan = Omit<BackupsOutput, "access">;
export interface BackupAccess {
  password: string;
  secretKeys: Record<string, string>;
}

/** One restic snapshot as `restic snapshots --json` prints it. */
export interface Snapshot {
  id: string;
  short_id: string;
  time: string;
  tags?: string[];
  paths: string[];
}

/** What `backup status` reports for one app on one target. */
export interface TargetStatus {
  app: string;
  target: string;
  endpoint: string;
  snapshots: number;
  latest?: { id: string; time: string; ageHours: number; bytes?: number };
  lastGoodDrill?: { time: string; ageHours: number };
  /** The target's error (endpoint and restic's message), when it could not be read. */
  error?: string;
}

/** Runs restic for an app on a target with the credentials in the environment, never on the command line. */
export function restic(
  plan: BackupPlan,
  access: BackupAccess,
  app: string,
  target: BackupTarget,
  args: string[],
  cacheDir: string,
): { ok: boolean; stdout: string; stderr: string } {
  const repo = plan.apps[app]?.repositories[target.name];
  if (!repo) throw new Error(`app "${app}" has no repository on target ${target.name}`);
  const r = spawnSync("restic", ["--cache-dir", cacheDir, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      RESTIC_REPOSITORY: repo,
      RESTIC_PASSWORD: access.password,
      AWS_ACCESS_KEY_ID: target.accessKeyId,
      AWS_SECRET_ACCESS_KEY: access.secretKeys[target.name] ?? "",
      AWS_DEFAULT_REGION: target.region,
    },
    encoding: "utf8",
    timeout: 300000,
  });
  if (r.error)
    throw new Error(
      `restic could not run (${r.error.message}); install restic (apt-get install restic)`,
    );
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr.trim() };
}

const hoursSince = (time: string, now: number) => (now - Date.parse(time)) / 3600000;
const MISSING = /key does not exist|NoSuchKey|NoSuchBucket/;

/** The app's backup snapshots on a target, oldest first; undefined when no repository exists yet. */
export function listSnapshots(
  plan: BackupPlan,
  access: BackupAccess,
  app: string,
  target: BackupTarget,
  cacheDir: string,
  tag = `hearth-backup,app=${app}`,
): Snapshot[] | undefined {
  const r = restic(plan, access, app, target, ["snapshots", "--json", "--tag", tag], cacheDir);
  if (!r.ok) {
    if (MISSING.test(r.stderr)) return undefined;
    throw new Error(
      `target ${target.name} (${plan.apps[app].repositories[target.name]}): ${oneLine(r.stderr)}`,
    );
  }
  return (JSON.parse(r.stdout || "[]") as Snapshot[]).sort((a, b) => a.time.localeCompare(b.time));
}

/** A multi-line message on one line. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

/** `backup status`: every app on every target; a target's error is reported, never skipped. */
export function backupStatus(
  plan: BackupPlan,
  access: BackupAccess,
  now = Date.now(),
): TargetStatus[] {
  const cache = mkdtempSync(join(tmpdir(), "hearth-restic-cache-"));
  const out: TargetStatus[] = [];
  try {
    for (const app of Object.keys(plan.apps).sort()) {
      for (const target of plan.targets) {
        const row: TargetStatus = {
          app,
          target: target.name,
          endpoint: target.endpoint,
          snapshots: 0,
        };
        out.push(row);
        try {
          const snaps = listSnapshots(plan, access, app, target, cache) ?? [];
          row.snapshots = snaps.length;
          const latest = snaps.at(-1);
          if (latest) {
            row.latest = {
              id: latest.short_id,
              time: latest.time,
              ageHours: hoursSince(latest.time, now),
            };
            const stats = restic(
              plan,
              access,
              app,
              target,
              ["stats", "--json", "--mode", "restore-size", latest.id],
              cache,
            );
            if (stats.ok)
              row.latest.bytes = (JSON.parse(stats.stdout) as { total_size: number }).total_size;
          }
          const drill = (
            listSnapshots(plan, access, app, target, cache, `hearth-drill,app=${app}`) ?? []
          ).at(-1);
          if (drill)
            row.lastGoodDrill = { time: drill.time, ageHours: hoursSince(drill.time, now) };
        } catch (e) {
          row.error = (e as Error).message;
        }
      }
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
  return out;
}

function bytes(n?: number): string {
  if (n === undefined) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) [v, i] = [v / 1024, i + 1];
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
function age(h?: number): string {
  if (h === undefined) return "-";
  return h < 1 ? `${Math.round(h * 60)}m` : h < 48 ? `${h.toFixed(1)}h` : `${(h / 24).toFixed(1)}d`;
}

/** The status as a table for people. */
export function statusTable(rows: TargetStatus[]): string {
  const header = [
    "APP",
    "TARGET",
    "SNAPSHOTS",
    "LATEST",
    "AGE",
    "SIZE",
    "LAST GOOD DRILL",
    "STATUS",
  ];
  const lines = rows.map((r) => [
    r.app,
    r.target,
    String(r.snapshots),
    r.latest?.id ?? "-",
    age(r.latest?.ageHours),
    bytes(r.latest?.bytes),
    r.lastGoodDrill ? `${age(r.lastGoodDrill.ageHours)} ago` : "never",
    r.error ? `ERROR ${r.error}` : r.latest ? "ok" : "no snapshot yet",
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (i === 7 ? 0 : l[i].length))),
  );
  return [header, ...lines]
    .map((l) => l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i]))).join("  "))
    .join("\n");
}

/**
 * The snapshot a restore takes: the latest, or the one whose ID (or its prefix) is given; a snapshot that does
 * not exist is refused with the list of those that do.
 */
export function chooseSnapshot(
  plan: BackupPlan,
  access: BackupAccess,
  app: string,
  wanted: string | undefined,
  from: BackupTarget = plan.targets[0],
): Snapshot {
  const cache = mkdtempSync(join(tmpdir(), "hearth-restic-cache-"));
  try {
    const snaps = listSnapshots(plan, access, app, from, cache) ?? [];
    if (snaps.length === 0)
      throw new Error(`app "${app}" has no snapshot on target ${from.name} to restore`);
    if (wanted === undefined) return snaps.at(-1)!;
    const hit = snaps.filter((s) => s.id.startsWith(wanted));
    if (hit.length === 1) return hit[0];
    const list = snaps.map(
      (s) =>
        `  ${s.short_id}  ${s.time}${s.tags?.includes("pre-restore") ? "  (pre-restore)" : ""}`,
    );
    throw new Error(
      `${hit.length === 0 ? "no" : "more than one"} snapshot of "${app}" on target ${from.name} matches ${wanted}; ` +
        `the snapshots there are:\n${list.join("\n")}`,
    );
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
