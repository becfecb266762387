/**
 * The backup commands' cluster side, through kubectl with the stack's kubeconfig: Jobs started from an app's
 * backup and restore CronJobs, and the app's workload scaled for a restore to the live volume.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { oneLine } from "./restic";

/** kubectl with the stack's kubeconfig in a private temporary file. */
export class Kubectl {
  private readonly dir: string;
  private readonly file: string;
  constructor(
    kubeconfig: string,
    private readonly bin: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "hearth-kube-"));
    this.file = join(this.dir, "kubeconfig");
    writeFileSync(this.file, kubeconfig, { mode: 0o600 });
  }
  run(args: string[], input?: string): string {
    const r = spawnSync(this.bin, ["--kubeconfig", this.file, ...args], {
      input,
      encoding: "utf8",
    });
    if (r.error) throw new Error(`kubectl could not run (${r.error.message}); put kubectl on PATH`);
    if (r.status !== 0)
      throw new Error(`kubectl ${args.slice(0, 3).join(" ")}: ${oneLine(r.stderr)}`);
    return r.stdout;
  }
  json<T>(args: string[]): T {
    return JSON.parse(this.run([...args, "-o", "json"])) as T;
  }
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

interface CronJob {
  spec: {
    jobTemplate: {
      spec: {
        template: {
          spec: { containers: { env?: { name: string; value?: string }[]; command?: string[] }[] };
        };
      };
    };
  };
}
interface Job {
  status?: {
    succeeded?: number;
    failed?: number;
    conditions?: { type: string; status: string; message?: string }[];
  };
}

/**
 * Starts a Job from one of an app's CronJobs (as `kubectl create job --from=cronjob/...` does), with extra
 * environment and a replaced command tail, and waits until it completes or fails.
 */
export async function runJobFrom(
  kubectl: Kubectl,
  namespace: string,
  cronJob: string,
  opts: { env?: Record<string, string>; step?: string[]; timeoutSeconds?: number; suffix: string },
): Promise<{ name: string; ok: boolean; message: string }> {
  const cj = kubectl.json<CronJob>(["-n", namespace, "get", "cronjob", cronJob]);
  const spec = cj.spec.jobTemplate.spec;
  for (const c of spec.template.spec.containers) {
    for (const [name, value] of Object.entries(opts.env ?? {})) {
      c.env = [...(c.env ?? []).filter((e) => e.name !== name), { name, value }];
    }
    if (opts.step && c.command) c.command = [...c.command.slice(0, 2), ...opts.step];
  }
  const name = `${cronJob}-${opts.suffix}`.slice(0, 63).replace(/-+$/, "");
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace, annotations: { "cronjob.kubernetes.io/instantiate": "manual" } },
    spec,
  };
  kubectl.run(["create", "-f", "-"], JSON.stringify(job));
  const deadline = Date.now() + (opts.timeoutSeconds ?? 3600) * 1000;
  for (;;) {
    const j = kubectl.json<Job>(["-n", namespace, "get", "job", name]);
    const done = j.status?.conditions?.find(
      (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
    );
    if (done) return { name, ok: done.type === "Complete", message: done.message ?? done.type };
    if (Date.now() > deadline) return { name, ok: false, message: "timed out waiting for the Job" };
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The app workload's replica count, and a way to set it (the restore to live scales it to zero first). */
export function replicas(kubectl: Kubectl, ns: string, w: { kind: string; name: string }): number {
  const o = kubectl.json<{ spec: { replicas?: number } }>([
    "-n",
    ns,
    "get",
    w.kind.toLowerCase(),
    w.name,
  ]);
  return o.spec.replicas ?? 1;
}
/** Scales the app's workload to `n` replicas. */
export function scale(
  kubectl: Kubectl,
  ns: string,
  w: { kind: string; name: string },
  n: number,
): void {
  kubectl.run(["-n", ns, "scale", `${w.kind.toLowerCase()}/${w.name}`, `--replicas=${n}`]);
}
