/**
 * What `hearth-backup.sh` (beside this file) is told through its environment: the contract between the
 * Kubernetes objects of `AppBackup`, the operator commands and the real-S3 tests, kept in one place so all
 * three hand the script the same variables.
 */
import { readFileSync } from "fs";
import { join } from "path";

/** One S3-compatible place backups land in. */
export interface BackupTarget {
  /** Short name, unique in the stack: letters, digits, "-". */
  name: string;
  /** Where it is: on the home's own disks, or away from them (the "1 offsite" of 3-2-1). */
  role: "local" | "offsite";
  /** `http(s)://host[:port]` */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
}

/** How many snapshots restic's `forget` keeps; 0 leaves a rule out. */
export interface Retention {
  last: number;
  daily: number;
  weekly: number;
  monthly: number;
}

/** The data of one app and how the script reads it. */
export interface AppData {
  app: string;
  /** The volume's mount point, also its path inside every snapshot. */
  dataPath: string;
  /** SQLite databases under `dataPath`, relative: copied with SQLite's online backup, never as live files. */
  sqlite: string[];
}

/** Paths the script works in, beside the data. */
export interface WorkPaths {
  /** Travels in the snapshot: SQLite copies and the checksum manifest. */
  stage: string;
  /** Drills restore here, never onto the live volume. */
  scratch: string;
  /** restic's cache. */
  cache: string;
}

/** The script's source; it ships in a ConfigMap. */
export function backupScript(): string {
  return readFileSync(join(__dirname, "hearth-backup.sh"), "utf8");
}

/** The suffix of a target's variables: its name in upper case with "-" as "_". */
export function envSuffix(target: string): string {
  return target.toUpperCase().replace(/-/g, "_");
}

/** The restic repository of an app on a target: one repository per app, so apps restore on their own. */
export function repository(target: BackupTarget, app: string): string {
  return `s3:${target.endpoint.replace(/\/+$/, "")}/${target.bucket}/${app}`;
}

/** The variables that are not secret: paths, targets, repositories, retention. */
export function scriptEnv(
  data: AppData,
  paths: WorkPaths,
  targets: BackupTarget[],
  retention: Retention,
  drillSubset: string,
): Record<string, string> {
  const env: Record<string, string> = {
    HEARTH_APP: data.app,
    HEARTH_DATA: data.dataPath,
    HEARTH_SQLITE: data.sqlite.join(" "),
    HEARTH_STAGE: paths.stage,
    HEARTH_SCRATCH: paths.scratch,
    HEARTH_CACHE: paths.cache,
    HEARTH_TARGETS: targets.map((t) => t.name).join(" "),
    HEARTH_KEEP_LAST: String(retention.last),
    HEARTH_KEEP_DAILY: String(retention.daily),
    HEARTH_KEEP_WEEKLY: String(retention.weekly),
    HEARTH_KEEP_MONTHLY: String(retention.monthly),
    HEARTH_DRILL_SUBSET: drillSubset,
  };
  for (const t of targets) {
    const s = envSuffix(t.name);
    env[`HEARTH_REPO_${s}`] = repository(t, data.app);
    env[`HEARTH_REGION_${s}`] = t.region;
    env[`HEARTH_ACCESS_KEY_${s}`] = t.accessKeyId;
  }
  return env;
}

/** The names of the secret variables: the repository password and each target's secret key. */
export function secretEnvNames(targets: BackupTarget[]): string[] {
  return ["RESTIC_PASSWORD", ...targets.map((t) => `HEARTH_SECRET_KEY_${envSuffix(t.name)}`)];
}

/** The secret variables' values, for a process started directly (tests, the operator commands). */
export function secretEnv(
  password: string,
  targets: BackupTarget[],
  secretKeys: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = { RESTIC_PASSWORD: password };
  for (const t of targets) env[`HEARTH_SECRET_KEY_${envSuffix(t.name)}`] = secretKeys[t.name] ?? "";
  return env;
}
