/**
 * The kube-apiserver arguments and files of Hearth's CIS hardening, for the local sandbox: `npm run sandbox`
 * runs its API server with exactly what `K3s` gives every k3s server (`--kube-apiserver-arg=...` of
 * `k3sServerFlags`, the admission config and the audit policy of `k3sHardeningFiles`), with k3s's paths
 * moved into the sandbox directory. So a real kube-apiserver parses and enforces them on every sandbox start.
 *
 *   ts-node scripts/sandbox-apiserver.ts DIR    writes DIR/{psa.yaml,audit.yaml}, prints one argument a line
 */
import { mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { K3S_PATHS, k3sServerFlags } from "../components/cluster/k3s-flags";
import { k3sHardeningFiles } from "../components/cluster/k3s-hardening";

/** The API server's arguments as `--key=value`, with k3s's file paths replaced by the ones under `dir`. */
export function sandboxApiServerArgs(dir: string): string[] {
  const moved: Record<string, string> = {
    [K3S_PATHS.podSecurityConfig]: join(dir, "psa.yaml"),
    [K3S_PATHS.auditPolicy]: join(dir, "audit.yaml"),
    [K3S_PATHS.auditLog]: join(dir, "audit.log"),
  };
  return k3sServerFlags({ nodeName: "sandbox", cisHardening: true })
    .filter((f) => f.startsWith("--kube-apiserver-arg="))
    .map((f) => {
      const [key, ...rest] = f.slice("--kube-apiserver-arg=".length).split("=");
      const value = rest.join("=");
      return `--${key}=${moved[value] ?? value}`;
    });
}

/** Writes the server's admission config and audit policy under `dir`. */
export function writeSandboxApiServerFiles(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const file of k3sHardeningFiles("server", true)) {
    if (file.path === K3S_PATHS.podSecurityConfig)
      writeFileSync(join(dir, "psa.yaml"), file.content);
    if (file.path === K3S_PATHS.auditPolicy) writeFileSync(join(dir, "audit.yaml"), file.content);
  }
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: sandbox-apiserver.ts DIR");
    process.exit(2);
  }
  writeSandboxApiServerFiles(dir);
  process.stdout.write(sandboxApiServerArgs(dir).join("\n") + "\n");
}
