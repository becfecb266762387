/**
 * The one place Hearth reads Pulumi config: every `hearth:` key, validated at once before any resource
 * registers. Secret keys come back as secret Outputs; everything else as plain typed values.
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync } from "fs";
import { homedir } from "os";
import { isAbsolute, resolve } from "path";
import { HearthConfig, sshPublicKey } from "./schema";
import { CatalogueEntry, ConfigError, History, validateConfig } from "./validate";
import { privateKeyProblem } from "./ssh-key";
import { hearthKeys } from "./stack-file";

// `isConfigSecret` is exported by the runtime module but missing from its type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as {
  isConfigSecret(k: string): boolean;
};

/** Config keys whose values are credentials; they are handed on only as secret Outputs. */
export type SecretKey =
  | "sshPrivateKey"
  | "kubeconfig"
  | "cloudflareApiToken"
  | "cloudflareDnsApiToken"
  | "dnsTsigSecret"
  | "hcloudToken"
  | "giteaToken"
  | "backupSecretAccessKeys"
  | "notifySecret";

/** Validated config whose credentials are secret Outputs. */
export type LoadedConfig = Omit<HearthConfig, SecretKey> & {
  [K in Exclude<SecretKey, "backupSecretAccessKeys">]: pulumi.Output<string> | undefined;
} & {
  stack: string;
  /** The home CA Gitea's URL is signed by (PEM), from hearth:gitea.caPath. */
  giteaCa?: string;
  /** Each backup target's secret access key, by target name (from config or its file). */
  backupSecretAccessKeys: Record<string, pulumi.Output<string>>;
};

/** Reads and validates the stack's `hearth:` config; throws a `ConfigError` listing every problem. */
export function loadConfig(
  catalogue: Record<string, CatalogueEntry>,
  history: History = {},
): LoadedConfig {
  const raw = hearthKeys(pulumi.runtime.allConfig());
  const secretKeys = new Set(
    Object.keys(raw)
      .map((k) => `hearth:${k}`)
      .filter((k) => runtimeConfig.isConfigSecret(k)),
  );
  const result = validateConfig(raw, secretKeys, catalogue, history);
  if (!result.ok) throw new ConfigError(result.problems);
  const c = result.config;
  const secret = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));
  const files = new ConfigFiles();
  const kubeconfig =
    c.kubeconfig ?? files.read("cluster.kubeconfigPath", c.cluster.kubeconfigPath, "a kubeconfig");
  const sshPrivateKey =
    c.sshPrivateKey ?? files.read("ssh.privateKeyPath", c.ssh?.privateKeyPath, "a private key");
  // Every remote step signs in with it, and metal nodes derive the login's public key from it.
  if (sshPrivateKey !== undefined) {
    const problem = privateKeyProblem(sshPrivateKey);
    if (problem)
      files.problem(
        c.sshPrivateKey !== undefined ? "sshPrivateKey" : "ssh.privateKeyPath",
        problem,
      );
  }
  const giteaCa = files.read("gitea.caPath", c.gitea.caPath, "a PEM CA certificate");
  if (giteaCa !== undefined && !/-----BEGIN CERTIFICATE-----/.test(giteaCa)) {
    files.problem(
      "gitea.caPath",
      "holds no PEM certificate (-----BEGIN CERTIFICATE-----); point it at the home CA's certificate",
    );
  }
  const giteaToken =
    c.giteaToken ?? files.read("gitea.tokenPath", c.gitea.tokenPath, "a Gitea API token");
  const nodes = c.nodes.map((n, i) => {
    const line = files.read(`nodes[${i}].hostKeyPath`, n.hostKeyPath, "a host public key");
    if (line === undefined) return n;
    const parsed = sshPublicKey.safeParse(line.trim());
    if (!parsed.success) {
      files.problem(`nodes[${i}].hostKeyPath`, parsed.error.issues[0].message);
      return n;
    }
    return { ...n, hostKey: parsed.data };
  });
  const notifySecret =
    c.notifySecret ??
    files
      .read(
        "observability.notifySecretPath",
        c.observability?.notifySecretPath,
        "a notification secret",
      )
      ?.trim();
  const backupKeys: Record<string, pulumi.Output<string>> = {};
  c.backup?.targets.forEach((t, i) => {
    const key =
      c.backupSecretAccessKeys?.[t.name] ??
      files
        .read(
          `backup.targets[${i}].secretAccessKeyPath`,
          t.secretAccessKeyPath,
          "a secret access key",
        )
        ?.trim();
    if (key !== undefined) backupKeys[t.name] = pulumi.secret(key);
  });
  files.throwIfAny();
  return {
    ...c,
    nodes,
    // Charts are read by the Kubernetes provider, whose working directory is not the project's.
    charts: { ...c.charts, localDir: chartsDir(c.charts.localDir) },
    stack: pulumi.getStack(),
    giteaCa,
    sshPrivateKey: secret(sshPrivateKey),
    kubeconfig: secret(kubeconfig),
    cloudflareApiToken: secret(c.cloudflareApiToken),
    cloudflareDnsApiToken: secret(c.cloudflareDnsApiToken),
    // A secret read from a file (pulumi config set --secret ... < file) ends with its newline.
    dnsTsigSecret: secret(c.dnsTsigSecret?.trim()),
    hcloudToken: secret(c.hcloudToken),
    giteaToken: secret(giteaToken),
    backupSecretAccessKeys: backupKeys,
    notifySecret: secret(notifySecret),
  };
}

/**
 * Where charts are read from: `HEARTH_CHARTS` when set (a folder of real upstream charts, say, for one run of
 * the dev stack without editing its stack file), else `hearth:charts.localDir`; absolute either way.
 */
export function chartsDir(configured: string | undefined): string | undefined {
  const dir = process.env.HEARTH_CHARTS || configured;
  return dir === undefined ? undefined : resolve(projectRoot(), dir);
}

/**
 * The folder of Pulumi.yaml, which relative paths in config are relative to (the program itself runs in
 * `stacks/`); the current directory when the engine did not say, as under test mocks.
 */
export function projectRoot(): string {
  // Outside an engine run the SDK answers with a placeholder ("rootDirectory"), not a path.
  const root = pulumi.runtime.getRootDirectory();
  return root && isAbsolute(root) ? root : process.cwd();
}

/**
 * Files that config keys point at (kubeconfig, keys, tokens), read at run time. Every unreadable file is
 * reported at once, naming its key; a file of the local sandbox names the command that makes it.
 */
class ConfigFiles {
  private readonly problems: { path: string; message: string }[] = [];
  /** Keys whose file is one the sandbox writes, with the first missing file. */
  private readonly sandbox: { keys: string[]; first?: string } = { keys: [] };

  /** The file's text, or undefined when no path is given or it cannot be read (recorded as a problem). */
  read(key: string, path: string | undefined, what: string): string | undefined {
    if (path === undefined) return undefined;
    const full = resolve(projectRoot(), path.replace(/^~(?=\/)/, homedir()));
    if (!existsSync(full)) {
      if (/(^|\/)\.sandbox\//.test(path)) {
        this.sandbox.keys.push(`hearth:${key}`);
        this.sandbox.first ??= full;
      } else {
        this.problem(key, `no file at ${full}; point it at ${what} file`);
      }
      return undefined;
    }
    const text = readFileSync(full, "utf8");
    if (text.trim() === "") {
      this.problem(key, `${full} is empty; it should hold ${what}`);
      return undefined;
    }
    return text;
  }

  problem(key: string, message: string): void {
    this.problems.push({ path: `hearth:${key}`, message });
  }

  /** Throws every problem at once; the files of a sandbox that is not up count as one. */
  throwIfAny(): void {
    const problems = [...this.problems];
    const { keys, first } = this.sandbox;
    if (keys.length > 0) {
      const more = keys.length > 4 ? ` (and ${keys.length - 4} more)` : "";
      problems.push({
        path: keys.slice(0, 4).join(", ") + more,
        message: `the local sandbox is not up (no ${first}); run npm run sandbox -- up`,
      });
    }
    if (problems.length > 0) throw new ConfigError(problems);
  }
}
