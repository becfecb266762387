/**
 * The files `npm run sandbox -- up` writes into `.sandbox/` that the dev stack reads (docs/sandbox.md), and a
 * stand-in folder holding them, with recognisable values, so the dev stack evaluates under mocks on a machine
 * without the sandbox (`check:charts`, the whole-program tests). sandbox-files.test.ts checks that
 * scripts/sandbox.sh writes each of these paths.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { generateEd25519KeyPair } from "../../components/secrets/openssh";

/** Where each file lives under `.sandbox/`, as scripts/sandbox.sh writes it. */
export const SANDBOX_FILES = {
  /** The operator's SSH key the nodes authorize. */
  operatorKey: "ssh/id_ed25519",
  /** An API token of the sandbox Gitea's admin. */
  giteaToken: "gitea/token",
  kubeconfig: "kubeconfig",
  /** The secret key of one S3 server (a backup target of the dev stack). */
  s3SecretKey: (target: string) => `s3/${target}/secret-key`,
  /** The notification route's token. */
  notifySecret: "notify/secret",
  /** A node's SSH host public key. */
  hostKey: (node: string) => `nodes/${node}/ssh_host_ed25519_key.pub`,
} as const;

/** The S3 servers the sandbox runs, one per backup target of the dev stack. */
export const SANDBOX_S3_TARGETS = ["nas", "offsite"];

/** A stand-in sandbox folder and the values in it. */
export interface StandInSandbox {
  dir: string;
  operatorKey: string;
  giteaToken: string;
  hostKeys: Record<string, string>;
}

/** Writes the sandbox's files for the given node names into a new temporary `.sandbox` folder. */
export function standInSandbox(nodes: string[]): StandInSandbox {
  // Named like the real one, so the program's "sandbox is not up" rule applies to it too.
  const dir = join(mkdtempSync(join(tmpdir(), "hearth-sandbox-")), ".sandbox");
  const put = (path: string, content: string, mode?: number) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content, mode === undefined ? undefined : { mode });
  };
  mkdirSync(dir);
  const operator = generateEd25519KeyPair("operator");
  put(SANDBOX_FILES.operatorKey, operator.privateKey, 0o600);
  const giteaToken = "planted-sandbox-gitea-token";
  put(SANDBOX_FILES.giteaToken, giteaToken, 0o600);
  put(SANDBOX_FILES.kubeconfig, "apiVersion: v1\nkind: Config\n", 0o600);
  for (const target of SANDBOX_S3_TARGETS)
    put(SANDBOX_FILES.s3SecretKey(target), `planted-sandbox-s3-${target}-key\n`, 0o600);
  put(SANDBOX_FILES.notifySecret, "planted-sandbox-notify-token\n", 0o600);
  const hostKeys: Record<string, string> = {};
  for (const node of nodes) {
    hostKeys[node] = generateEd25519KeyPair(node).publicKey;
    put(SANDBOX_FILES.hostKey(node), hostKeys[node] + "\n");
  }
  return { dir, operatorKey: operator.privateKey, giteaToken, hostKeys };
}

/** Whether any stack config value names a file under `.sandbox/`. */
export function readsSandbox(values: Record<string, string>): boolean {
  return Object.values(values).some((v) => /(^|")\.sandbox\//.test(v));
}

/** Points every `.sandbox/` path in stack config values at a stand-in sandbox. */
export function pointAtSandbox(values: Record<string, string>, sandbox: StandInSandbox): void {
  for (const [k, v] of Object.entries(values)) {
    values[k] = v.replace(/(^|")\.sandbox\//g, `$1${sandbox.dir}/`);
  }
}

/**
 * When the stack reads `.sandbox/` files, makes a stand-in sandbox for its nodes and points the values at it;
 * returns it (undefined when the stack reads none).
 */
export function withStandInSandbox(values: Record<string, string>): StandInSandbox | undefined {
  if (!readsSandbox(values)) return undefined;
  const nodes = JSON.parse(values["hearth:nodes"] ?? "[]") as { name: string }[];
  const sandbox = standInSandbox(nodes.map((n) => n.name));
  pointAtSandbox(values, sandbox);
  return sandbox;
}
