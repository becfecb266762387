/** `npm run test:e2e`'s backup phase (the operator commands against the stack) and its secret scan. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { catalogue } from "../../apps";
import type { BackupAccess, BackupPlan } from "../../cli/backup/restic";
import { scriptEnv, secretEnv } from "../../components/backup/plan";
import { devApps, E2eContext } from "./dev-context";
import { decrypted, kube, repo, sandboxDir } from "./harness";

/** Backups: the CronJobs, and the operator commands against the stack (status, now, restore refusals). */
export async function backups(c: E2eContext): Promise<boolean | void> {
  const { run } = c;
  const { check, pulumi, work, logDir, transcripts } = run;
  const crons = kube([
    "get",
    "cronjobs",
    "-A",
    "-o",
    "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}",
  ]);
  for (const app of ["woodpecker", "zot"]) {
    check(
      `${app} has backup, drill and restore CronJobs in the API server`,
      ["backup", "drill", "restore"].every((k) => crons.includes(`${app}/hearth-${k}-${app}`)),
      crons,
    );
  }
  const hearth = (name: string, args: string[]) => {
    const r = spawnSync("npm", ["run", "-s", "hearth", "--", ...args], {
      cwd: repo,
      env: run.env,
      encoding: "utf8",
    });
    const out = `${r.stdout}${r.stderr}`;
    transcripts.push({ name, text: out });
    writeFileSync(join(logDir, `${name}.log`), out);
    return { code: r.status, out };
  };
  const before = hearth("hearth-status-empty", ["backup", "status", "--json"]);
  const rows = JSON.parse(before.out.slice(before.out.indexOf("["))) as {
    app: string;
    snapshots: number;
    error?: string;
  }[];
  check(
    "backup status reads both S3 targets for every app with data: nothing yet, no error",
    before.code === 0 &&
      rows.length === 2 * devApps(run).filter((a) => catalogue[a]?.backup).length &&
      rows.every((r) => r.snapshots === 0 && !r.error),
    before.out,
  );
  // kwok runs no containers: a Job started from the CronJob completes without doing anything, and the
  // command says so instead of reporting a backup.
  const now = hearth("hearth-backup-now", ["backup", "now", "zot"]);
  check(
    "backup now runs the CronJob as a Job and refuses to call it a backup when no snapshot arrived",
    now.code === 1 &&
      /Job hearth-backup-zot-now-\S+ completed/.test(now.out) &&
      /no new snapshot arrived/.test(now.out),
    now.out,
  );
  // What the backup pod would do, done by the same script on this machine into the stack's repositories.
  const outs = await pulumi("backup-outputs", ["stack", "output", "--json", "--show-secrets"], {
    configFile: false,
  });
  transcripts.pop();
  const o = JSON.parse(outs.out.slice(outs.out.indexOf("{"))) as {
    backups: BackupPlan;
    backupAccess: BackupAccess;
  };
  const data = join(work, "zot-data");
  mkdirSync(join(data, "blobs"), { recursive: true });
  writeFileSync(join(data, "blobs", "sha256-e2e"), "an image layer\n");
  const scriptEnvironment = {
    PATH: process.env.PATH,
    ...scriptEnv(
      { app: "zot", dataPath: data, sqlite: [] },
      {
        stage: join(work, "zot-stage"),
        scratch: join(work, "zot-scratch"),
        cache: join(work, "zot-cache"),
      },
      o.backups.targets,
      { last: 0, daily: 7, weekly: 4, monthly: 6 },
      "100%",
    ),
    ...secretEnv(o.backupAccess.password, o.backups.targets, o.backupAccess.secretKeys),
  };
  const b = spawnSync("sh", ["components/backup/hearth-backup.sh", "backup"], {
    cwd: repo,
    env: scriptEnvironment,
    encoding: "utf8",
  });
  const d = spawnSync("sh", ["components/backup/hearth-backup.sh", "drill"], {
    cwd: repo,
    env: scriptEnvironment,
    encoding: "utf8",
  });
  check(
    "the shipped script backs up and drills into the stack's repositories",
    b.status === 0 && d.status === 0,
    b.stderr + d.stderr,
  );
  const after = hearth("hearth-status", ["backup", "status"]);
  console.log(after.out);
  check(
    "backup status shows the snapshot and the good drill on both targets",
    after.code === 0 &&
      (after.out.match(/^zot\s+(nas|offsite)\s+1\s+[0-9a-f]{8}.*ago\s+ok$/gm) ?? []).length === 2,
    after.out,
  );
  const bad = hearth("hearth-restore-missing", ["restore", "zot", "--snapshot", "deadbeef"]);
  check(
    "a restore of a snapshot that does not exist lists the ones that do",
    bad.code === 1 &&
      /no snapshot of "zot" on target nas matches deadbeef; the snapshots there are:\n\s+[0-9a-f]{8}/.test(
        bad.out,
      ),
    bad.out,
  );
  const live = hearth("hearth-restore-unconfirmed", ["restore", "zot", "--to", "live"]);
  return check(
    "a restore to live is refused without confirmation, and nothing changes",
    live.code === 1 &&
      live.out.includes("not confirmed; nothing was changed") &&
      !live.out.includes("scaled from"),
    live.out,
  );
}

/** The secret scan: no planted or generated secret in plain text in the state, its files, or any output. */
export async function secretScan(c: E2eContext): Promise<boolean | void> {
  const { run, canary, privateKey, giteaToken } = c;
  const { check, pulumi, work, transcripts } = run;
  const creds = await pulumi(
    "outputs",
    ["stack", "output", "adminCredentials", "--show-secrets", "--json"],
    { configFile: false },
  );
  const admins = Object.values(
    JSON.parse(creds.out.slice(creds.out.indexOf("{"))) as Record<string, { password: string }>,
  ).map((c) => c.password);
  // The output command itself printed them on purpose; it is not part of the scan.
  transcripts.pop();
  const exported = await pulumi("export", ["stack", "export"], { configFile: false });
  transcripts.pop();
  const revealed = await pulumi("export-secrets", ["stack", "export", "--show-secrets"], {
    configFile: false,
  });
  transcripts.pop();
  // Every generated password, from the decrypted state; the admin ones are among them.
  const generated = (
    JSON.parse(revealed.out.slice(revealed.out.indexOf("{"))) as {
      deployment: { resources: { type: string; outputs?: { result?: unknown } }[] };
    }
  ).deployment.resources
    .filter((r) => r.type === "hearth:secrets:GeneratedPassword")
    .map((r) => decrypted(r.outputs?.result));
  check(
    "the admin passwords shown by `stack output` are generated ones",
    admins.every((a) => generated.includes(a)),
  );
  const passwords = generated;
  const needles: Record<string, string> = {
    "the SSH private key": privateKey.split("\n")[1],
    "the Gitea token": giteaToken,
    "the alert route's token": readFileSync(join(sandboxDir, "notify", "secret"), "utf8").trim(),
    "an S3 secret key": readFileSync(
      join(sandboxDir, "s3", "offsite", "secret-key"),
      "utf8",
    ).trim(),
    ...Object.fromEntries(passwords.map((p, i) => [`generated password ${i + 1}`, p])),
  };
  check(
    "the scan has every generated password to look for (at least 5, each of 24 characters or more)",
    passwords.length >= 5 && passwords.every((p) => /^[A-Za-z0-9]{24,}$/.test(p)),
    passwords.join(" ").replace(/[A-Za-z0-9]/g, "x"),
  );
  // The state file on disk, as the file backend keeps it.
  const files = execFileSync("find", [join(work, "state"), "-type", "f", "-name", "*.json"], {
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean);
  const onDisk = files.map((f) => readFileSync(f, "utf8")).join("\n");
  check("the backend holds the stack's state file", onDisk.includes("hearth:ssh:RemoteCommand"));
  for (const [what, needle] of Object.entries(needles)) {
    // Kubernetes keeps a Secret's values base64-encoded (stringData comes back as data): both forms count.
    const forms = [needle, Buffer.from(needle).toString("base64")];
    const has = (text: string) => forms.some((f) => text.includes(f));
    // A scan can only fail if the value is there to find: each one is in the decrypted state.
    check(`${what} is in the state, encrypted`, has(revealed.out));
    check(`${what} is not in plain text in \`stack export\``, !has(exported.out));
    check(`${what} is not in plain text in the backend's files`, !has(onDisk));
    const leaks = transcripts.filter((t) => has(t.text)).map((t) => t.name);
    check(`${what} is in no command's output or engine log`, leaks.length === 0, leaks.join(", "));
  }
  // The canary key is plain config (a public key, so the engine also keeps it among the providers'
  // config); what must hold is that the command it travels in, on stdin, never shows or keeps it plainly.
  const commands = (state: string) =>
    (
      JSON.parse(state.slice(state.indexOf("{"))) as {
        deployment: { resources: { type: string; urn: string }[] };
      }
    ).deployment.resources.filter((r) => r.type === "hearth:ssh:RemoteCommand");
  const plainCommands = JSON.stringify(commands(exported.out));
  const keysStep = commands(revealed.out).filter((r) => r.urn.endsWith("-authorized-keys"));
  check("the canary went to the nodes on stdin", JSON.stringify(keysStep).includes(canary));
  check("the canary is in no command's state in plain text", !plainCommands.includes(canary));
  const echoed = transcripts.filter((t) => t.text.includes(canary)).map((t) => t.name);
  check(
    "the canary is in no command's output or engine log",
    echoed.length === 0,
    echoed.join(", "),
  );
}
