/**
 * What every real-engine test shares (`npm run test:e2e`, `npm run test:day2`): a run's work folder with its own
 * file backend and stack config file, `pulumi` with the cached toolchain and every output kept for the secret
 * scan, timed phases, checks, and the sandbox's API server, nodes and Gitea. Root only (the sandbox's namespaces).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { toolchainEnv } from "../../scripts/toolchain/env";

/** The checkout. */
export const repo = join(__dirname, "../..");
/** The sandbox's state folder. */
export const sandboxDir = join(repo, ".sandbox");
const cache = process.env.HEARTH_CACHE ?? join(homedir(), ".cache/hearth");
/** The sandbox's kubectl. */
export const kubectl = join(cache, "sandbox/bin/kubectl");

/** What a `pulumi` run printed and how it ended. */
export interface PulumiResult {
  code: number | null;
  out: string;
  seconds: number;
  killed: boolean;
}

/** Options of one `pulumi` run. */
export interface PulumiOptions {
  /** Written to its standard input. @default nothing */
  input?: string;
  /** Kill it once its output satisfies this. @default never */
  killWhen?: (out: string) => boolean;
  /** The signal `killWhen` sends. @default SIGINT, as Ctrl-C */
  signal?: NodeJS.Signals;
  /** Pass the run's stack config file. @default true */
  configFile?: boolean;
  /** Extra environment. @default none */
  env?: NodeJS.ProcessEnv;
  /** The checkout whose program runs (another Hearth version's worktree). @default this checkout */
  cwd?: string;
}

/** One real-engine test run: its folder, its checks and phase times, every command's output. */
export class EngineRun {
  readonly work: string;
  readonly configFile: string;
  readonly logDir: string;
  readonly results: { check: string; ok: boolean; detail?: string }[] = [];
  readonly phases: { phase: string; seconds: number }[] = [];
  /** Every text a command printed, for the secret scan. */
  readonly transcripts: { name: string; text: string }[] = [];
  /** The environment of scripts/toolchain/env.sh with this run's own state backend; set by `useToolchain`. */
  env: NodeJS.ProcessEnv = process.env;

  constructor(
    prefix: string,
    readonly stack = "dev",
  ) {
    this.work = mkdtempSync(join(tmpdir(), prefix));
    this.configFile = join(this.work, `Pulumi.${stack}.yaml`);
    this.logDir = join(this.work, "logs");
    mkdirSync(this.logDir);
  }

  /** Records a check and prints it; returns `ok`. */
  check = (name: string, ok: boolean, detail?: string): boolean => {
    this.results.push({ check: name, ok, detail });
    console.log(`${ok ? "PASS" : "FAIL"}  ${name}${detail && !ok ? `\n      ${detail}` : ""}`);
    return ok;
  };

  /** Runs a phase, timing it; a failed or throwing phase is recorded and the run goes on. */
  phase = async (name: string, body: () => Promise<boolean | void>): Promise<boolean> => {
    const t0 = Date.now();
    let ok = true;
    try {
      ok = (await body()) !== false;
    } catch (e) {
      ok = this.check(`${name}: threw`, false, (e as Error).stack ?? String(e));
    }
    this.phases.push({ phase: name, seconds: (Date.now() - t0) / 1000 });
    return ok;
  };

  /**
   * Builds the toolchain if needed (what the dev sandbox runs: `--for dev`) and points `env` at it with this
   * run's own file backend.
   */
  useToolchain(): boolean {
    const r = spawnSync("bash", ["scripts/toolchain/build.sh", "--strict", "--for", "dev"], {
      cwd: repo,
      stdio: "inherit",
    });
    this.env = toolchainEnv(join(this.work, "state"));
    return this.check("the toolchain builds or is cached", r.status === 0);
  }

  /** Runs pulumi on the run's stack and config file; records its output. */
  pulumi = (name: string, args: string[], opts: PulumiOptions = {}): Promise<PulumiResult> => {
    const full = [...args, "--stack", this.stack, "--non-interactive"];
    if (opts.configFile !== false) full.push("--config-file", this.configFile);
    const t0 = Date.now();
    return new Promise((resolve) => {
      const child: ChildProcess = spawn("pulumi", full, {
        cwd: opts.cwd ?? repo,
        env: { ...this.env, ...opts.env },
      });
      let out = "";
      let killed = false;
      const take = (d: Buffer) => {
        out += d.toString();
        if (opts.killWhen && !killed && opts.killWhen(out)) {
          killed = true;
          child.kill(opts.signal ?? "SIGINT");
        }
      };
      child.stdout?.on("data", take);
      child.stderr?.on("data", take);
      child.stdin?.end(opts.input ?? "");
      child.on("close", (code) => {
        this.transcripts.push({ name, text: out });
        writeFileSync(join(this.logDir, `${name}.log`), out);
        resolve({ code, out, seconds: (Date.now() - t0) / 1000, killed });
      });
    });
  };

  /** Prints the phase times, writes them (and `extra`) to `bench/results/<file>`, sets the exit code. */
  finish(file: string, extra: Record<string, unknown> = {}): void {
    const passed = this.results.filter((r) => r.ok).length;
    const failed = this.results.length - passed;
    console.log("\nphase times (s):");
    for (const p of this.phases) console.log(`  ${p.seconds.toFixed(1).padStart(7)}  ${p.phase}`);
    mkdirSync(join(repo, "bench/results"), { recursive: true });
    writeFileSync(
      join(repo, "bench/results", file),
      JSON.stringify(
        { date: new Date().toISOString(), phases: this.phases, passed, failed, ...extra },
        null,
        2,
      ) + "\n",
    );
    console.log(`logs: ${this.logDir}`);
    if (failed === 0 && !process.env.HEARTH_E2E_KEEP)
      rmSync(this.work, { recursive: true, force: true });
    console.log(`\n${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
  }
}

/** kubectl against the sandbox's API server. */
export function kube(args: string[]): string {
  return execFileSync(kubectl, ["--kubeconfig", join(sandboxDir, "kubeconfig"), ...args], {
    encoding: "utf8",
  });
}

/** kubectl, parsed JSON; undefined when kubectl fails (a missing object). */
export function kubeJson<T = Record<string, unknown>>(args: string[]): T | undefined {
  const r = spawnSync(
    kubectl,
    ["--kubeconfig", join(sandboxDir, "kubeconfig"), ...args, "-o", "json"],
    { encoding: "utf8" },
  );
  return r.status === 0 ? (JSON.parse(r.stdout) as T) : undefined;
}

/** The sandbox address of a node (`node-N` is 10.77.0.1N). */
export function nodeAddress(node: string): string {
  return `10.77.0.1${node.slice(-1)}`;
}

/** Runs a script on a sandbox node as its login user, with the pinned host key. */
export function onNode(node: string, script: string): string {
  const r = spawnSync(
    "ssh",
    [
      ...["-i", join(sandboxDir, "ssh/id_ed25519"), "-o", "BatchMode=yes"],
      ...[
        "-o",
        `UserKnownHostsFile=${join(sandboxDir, "ssh/known_hosts")}`,
        "-o",
        "StrictHostKeyChecking=yes",
      ],
      `hearth@${nodeAddress(node)}`,
      script,
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`ssh ${node}: ${r.stderr}`);
  return r.stdout;
}

/** Calls the sandbox Gitea's API with its admin token. */
export async function gitea(
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const token = readFileSync(join(sandboxDir, "gitea/token"), "utf8").trim();
  const url = readFileSync(join(sandboxDir, "gitea/url"), "utf8").trim();
  const res = await fetch(`${url}/api/v1${path}`, {
    method: init.method ?? "GET",
    headers: { Authorization: `token ${token}`, "Content-Type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

/** A secret value of `stack export --show-secrets`: `{ <sig>: <secret sig>, plaintext: "<JSON>" }`. */
export function decrypted(value: unknown): string {
  const plaintext = (value as { plaintext?: string } | undefined)?.plaintext;
  return plaintext === undefined ? String(value) : String(JSON.parse(plaintext));
}

/** One step of `preview --json`: its operation, URN, and the flags of its old state. */
export interface PreviewStep {
  op: string;
  urn: string;
  /** The resource's name (the URN's last part). */
  name: string;
  type: string;
  /** The old state's `protect` or `retainOnDelete`: it guards data. */
  guarded: boolean;
}

/** The steps of a `preview --json`, without the unchanged ones and reads. */
export function previewSteps(previewJson: string): PreviewStep[] {
  const start = previewJson.indexOf("{");
  const doc = JSON.parse(previewJson.slice(start)) as {
    steps?: {
      op: string;
      urn: string;
      oldState?: { type?: string; protect?: boolean; retainOnDelete?: boolean };
      newState?: { type?: string };
    }[];
  };
  return (doc.steps ?? [])
    .filter((s) => s.op !== "same" && s.op !== "read")
    .map((s) => ({
      op: s.op,
      urn: s.urn,
      name: s.urn.slice(s.urn.lastIndexOf("::") + 2),
      type: s.newState?.type ?? s.oldState?.type ?? "",
      guarded: Boolean(s.oldState?.protect || s.oldState?.retainOnDelete),
    }));
}

/** URNs of the resources a `preview --json` would change, by operation. */
export function changesIn(previewJson: string): Record<string, string[]> {
  const byOp: Record<string, string[]> = {};
  for (const s of previewSteps(previewJson)) (byOp[s.op] ??= []).push(s.name);
  return byOp;
}

/**
 * Whether node-1 is a real node (the sandbox's default); when it is kwok's (a host that cannot run containers),
 * prints loudly that PHASE checked nothing.
 */
export function node1IsReal(phase: string): boolean {
  const node = kubeJson<{ metadata: { labels: Record<string, string> } }>([
    "get",
    "node",
    "node-1",
  ]);
  if (node?.metadata.labels["hearth.dev/sandbox-node"] === "real") return true;
  console.log(
    `\n################ ${phase}: NOT CHECKED: node-1 is kwok's on this host (see \`npm run sandbox -- status\`)\n`,
  );
  return false;
}

/** Polls PROBE every EVERY ms until it gives a value or SECONDS pass; the last value, or undefined. */
export async function until<T>(
  seconds: number,
  probe: () => Promise<T | undefined> | T | undefined,
  every = 2000,
): Promise<T | undefined> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const v = await probe();
    if (v !== undefined || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, every));
  }
}
