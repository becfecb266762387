/**
 * The files `npm run sandbox -- up` writes (docs/sandbox.md), made in a temporary folder for tests that
 * evaluate the dev stack under mocks, with planted values a test can look for.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateEd25519KeyPair } from "../components/secrets/openssh";

/** A fake sandbox folder and the values planted in it. */
export interface FakeSandbox {
  dir: string;
  operatorKey: string;
  giteaToken: string;
  hostKeys: Record<string, string>;
}

/** Writes the sandbox's files for the given node names. */
export function fakeSandbox(nodes: string[]): FakeSandbox {
  // Named like the real one, so the program's "sandbox is not up" rule applies to it too.
  const dir = join(mkdtempSync(join(tmpdir(), "hearth-sandbox-")), ".sandbox");
  mkdirSync(dir);
  const operator = generateEd25519KeyPair("operator");
  mkdirSync(join(dir, "ssh"));
  writeFileSync(join(dir, "ssh/id_ed25519"), operator.privateKey, { mode: 0o600 });
  mkdirSync(join(dir, "gitea"));
  const giteaToken = "planted-sandbox-gitea-token";
  writeFileSync(join(dir, "gitea/token"), giteaToken, { mode: 0o600 });
  writeFileSync(join(dir, "kubeconfig"), "apiVersion: v1\nkind: Config\n", { mode: 0o600 });
  // The S3 servers' secret keys (the dev stack's backup targets).
  for (const target of ["nas", "offsite"]) {
    mkdirSync(join(dir, "s3", target), { recursive: true });
    writeFileSync(join(dir, "s3", target, "secret-key"), `planted-sandbox-s3-${target}-key\n`, {
      mode: 0o600,
    });
  }
  mkdirSync(join(dir, "notify"));
  writeFileSync(join(dir, "notify", "secret"), "planted-sandbox-notify-token\n", { mode: 0o600 });
  const hostKeys: Record<string, string> = {};
  for (const node of nodes) {
    hostKeys[node] = generateEd25519KeyPair(node).publicKey;
    mkdirSync(join(dir, "nodes", node), { recursive: true });
    writeFileSync(join(dir, "nodes", node, "ssh_host_ed25519_key.pub"), hostKeys[node] + "\n");
  }
  return { dir, operatorKey: operator.privateKey, giteaToken, hostKeys };
}

/** Points every `.sandbox/` path in stack config values at the fake sandbox. */
export function pointAtSandbox(values: Record<string, string>, sandbox: FakeSandbox): void {
  for (const [k, v] of Object.entries(values)) {
    values[k] = v.replace(/(^|")\.sandbox\//g, `$1${sandbox.dir}/`);
  }
}
