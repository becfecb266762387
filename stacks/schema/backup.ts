/** hearth:backup: restic backups of every app with data to S3 targets, and their restore drills. */
import { z } from "zod";
import { count, cron, given } from "./common";

/** One S3-compatible place backups land in. */
export const backupTargetSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,30}$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a target name; use lowercase letters, digits and "-", starting with a letter`,
    })
    .describe("Short name, unique in the stack (nas, offsite, ...)."),
  role: z
    .enum(["local", "offsite"])
    .describe("local: on the home's own disks. offsite: away from them (the 1 of 3-2-1)."),
  endpoint: z
    .url({
      protocol: /^https?$/,
      error: (i) => given(i.input, `${JSON.stringify(i.input)} is not an http(s):// URL`),
    })
    .describe("S3 endpoint URL, e.g. https://s3.eu-central-1.example.net or http://nas.lan:9000."),
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not an S3 bucket name (3-63 lowercase letters, digits, "." and "-")`,
    })
    .describe("Bucket; each app gets its own restic repository under <bucket>/<app>."),
  region: z.string().min(1).default("us-east-1"),
  accessKeyId: z
    .string()
    .min(1)
    .describe("Access key ID; its secret key is in hearth:backupSecretAccessKeys."),
  secretAccessKeyPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "File holding the secret access key, read at run time and kept secret (instead of hearth:backupSecretAccessKeys).",
    ),
});

/** Encrypted backups of every app with data, to two targets or more, with scheduled restore drills. */
export const backupSchema = z.strictObject({
  targets: z.array(backupTargetSchema).min(1, { error: "names no target; add one at least" }),
  copies: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(2)
    .describe("How many targets every snapshot must land in; 2 or more needs one offsite target."),
  schedule: cron.default("0 3 * * *").describe("When backups run (cron, hearth:timezone)."),
  retention: z
    .strictObject({
      last: count("snapshots", 0),
      daily: count("days", 7),
      weekly: count("weeks", 4),
      monthly: count("months", 6),
    })
    .default({ last: 0, daily: 7, weekly: 4, monthly: 6 })
    .describe("Snapshots restic's forget keeps per app and target; at least one must be kept."),
  drill: z
    .strictObject({
      schedule: cron.default("30 4 * * 0"),
      maxAgeDays: z.number().int().min(1).max(365).default(8),
      readDataSubset: z
        .string()
        .regex(/^(100(\.0+)?|[1-9]\d?(\.\d+)?)%$/, {
          error: (i) => `${JSON.stringify(i.input)} is not a share such as 10%`,
        })
        .default("10%"),
    })
    .default({ schedule: "30 4 * * 0", maxAgeDays: 8, readDataSubset: "10%" })
    .describe(
      "Restore drills: when they run, how old the last good one may get before the alert fires, and the share of pack files restic check reads.",
    ),
  etcd: z
    .strictObject({
      target: z.string().min(1).optional(),
      schedule: cron.default("0 */12 * * *"),
      retention: z.number().int().min(1).default(5),
    })
    .optional()
    .describe(
      "k3s etcd snapshots to S3 (cluster.mode k3s): the target (default: the first offsite one), schedule and snapshots kept.",
    ),
});
