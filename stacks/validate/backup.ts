/**
 * The rules of hearth:backup across its targets, their secret keys, retention and the cluster. Each runs on
 * the targets that parsed, so one bad target hides nothing about the others or about the secret keys.
 */
import { closest, entries, NS, Rule, RuleContext } from "./context";

/** The backup targets that parsed at least in part, with their index in `hearth:backup.targets`. */
function targetsOf(ctx: RuleContext) {
  return (ctx.c.backup?.targets ?? []).flatMap((t, i) => (t ? [{ t, i }] : []));
}

/** Target names, when every target's name parsed (else a name could be the one that failed). */
function targetNames(ctx: RuleContext): string[] | undefined {
  const targets = ctx.c.backup?.targets;
  if (targets === undefined) return undefined;
  const names = targets.map((t) => t?.name);
  return names.every((n): n is string => n !== undefined) ? names : undefined;
}

/** Each target has its own name and its own place; a second copy must be a second place. */
export const backupTargets: Rule = (ctx) => {
  const names = new Map<string, number>();
  const places = new Map<string, number>();
  for (const { t, i } of targetsOf(ctx)) {
    if (t.name !== undefined) {
      const first = names.get(t.name);
      if (first !== undefined)
        ctx.add(
          `backup.targets[${i}].name`,
          `"${t.name}" is already the name of ${NS}:backup.targets[${first}]`,
        );
      else names.set(t.name, i);
    }
    if (t.endpoint === undefined || t.bucket === undefined) continue;
    const place = `${t.endpoint.replace(/\/+$/, "").toLowerCase()} ${t.bucket}`;
    const firstPlace = places.get(place);
    if (firstPlace !== undefined)
      ctx.add(
        `backup.targets[${i}]`,
        `writes to the same endpoint and bucket as ${NS}:backup.targets[${firstPlace}] (${t.endpoint}, ${t.bucket}); a second copy must be a second place`,
      );
    else places.set(place, i);
  }
};

/** Enough targets for the copies asked for, one of them offsite from two copies on; some retention. */
export const backupCopies: Rule = (ctx) => {
  const b = ctx.c.backup;
  if (b === undefined) return;
  const targets = b.targets;
  if (targets !== undefined && b.copies !== undefined && targets.length < b.copies)
    ctx.add(
      "backup.targets",
      `names ${targets.length} target${targets.length === 1 ? "" : "s"} but ${NS}:backup.copies is ${b.copies}; add targets (one offsite) or lower copies`,
    );
  const roles = targets?.map((t) => t?.role);
  if (
    b.copies !== undefined &&
    b.copies >= 2 &&
    roles !== undefined &&
    roles.every((r) => r !== undefined) &&
    !roles.includes("offsite")
  )
    ctx.add(
      "backup.targets",
      `has no target with role "offsite" while ${NS}:backup.copies is ${b.copies}; one copy must live away from the home (3-2-1)`,
    );
  const r = b.retention;
  const kept = [r?.last, r?.daily, r?.weekly, r?.monthly];
  if (kept.every((k) => k !== undefined) && kept.reduce((a, k) => a + (k ?? 0), 0) < 1)
    ctx.add("backup.retention", "keeps no snapshot at all; keep one at least, e.g. daily: 7");
};

/** Every target's secret key comes from hearth:backupSecretAccessKeys or its file, not both, not neither. */
export const backupSecrets: Rule = (ctx) => {
  if (ctx.c.backup === undefined || ctx.failed("backupSecretAccessKeys")) return;
  const secrets = ctx.c.backupSecretAccessKeys ?? {};
  for (const { t, i } of targetsOf(ctx)) {
    if (t.name === undefined) continue;
    const inConfig = secrets[t.name] !== undefined;
    const inFile = t.secretAccessKeyPath !== undefined;
    if (inConfig && inFile)
      ctx.add(
        `backup.targets[${i}].secretAccessKeyPath`,
        `is set while ${NS}:backupSecretAccessKeys.${t.name} is too; keep one`,
      );
    if (!inConfig && !inFile && !ctx.failed(`backup.targets[${i}].secretAccessKeyPath`))
      ctx.add(
        `backupSecretAccessKeys.${t.name}`,
        `is required for backup target "${t.name}"; run: pulumi config set --secret --path '${NS}:backupSecretAccessKeys.${t.name}' <secret key>`,
      );
  }
  const names = targetNames(ctx);
  if (names === undefined) return;
  for (const [name] of entries(secrets))
    if (!names.includes(name)) {
      const guess = closest(name, names);
      ctx.add(
        `backupSecretAccessKeys.${name}`,
        `names no target of ${NS}:backup${guess ? `; did you mean ${guess}?` : ""}`,
      );
    }
};

/** k3s's etcd snapshots: only on a k3s cluster, configured here rather than in flags, to a known target. */
export const etcdBackup: Rule = (ctx) => {
  const { c } = ctx;
  const etcd = c.backup?.etcd;
  if (etcd === undefined) return;
  if (c.cluster?.mode === "existing")
    ctx.add(
      "backup.etcd",
      `needs cluster.mode "k3s": an existing cluster's etcd is backed up by whoever runs it; remove backup.etcd`,
    );
  (c.cluster?.flags ?? []).forEach((f, i) => {
    if (f !== undefined && /^--etcd-s3/.test(f))
      ctx.add(
        `cluster.flags[${i}]`,
        `"${f.split("=")[0]}" would make k3s ignore the S3 settings of ${NS}:backup.etcd (k3s reads its config Secret only when no other etcd-s3 option is set); remove it`,
      );
  });
  const names = targetNames(ctx);
  if (etcd.target !== undefined && names !== undefined && !names.includes(etcd.target))
    ctx.add(
      "backup.etcd.target",
      `"${etcd.target}" is not a target of ${NS}:backup (${[...new Set(names)].join(", ")})`,
    );
};
