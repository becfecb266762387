/**
 * The one place Hearth reads Pulumi config: every `hearth:` key, validated at once before any resource
 * registers. Secret keys come back as secret Outputs; everything else as plain typed values.
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync } from "fs";
import { homedir } from "os";
import { resolve } from "path";
import { HearthConfig } from "./schema";
import { CatalogueEntry, ConfigError, validateConfig } from "./validate";
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
  | "hcloudToken"
  | "giteaToken"
  | "backupSecretAccessKey";

/** Validated config whose credentials are secret Outputs. */
export type LoadedConfig = Omit<HearthConfig, SecretKey> & {
  [K in SecretKey]: pulumi.Output<string> | undefined;
} & { stack: string };

/** Reads and validates the stack's `hearth:` config; throws a `ConfigError` listing every problem. */
export function loadConfig(catalogue: Record<string, CatalogueEntry>): LoadedConfig {
  const raw = hearthKeys(pulumi.runtime.allConfig());
  const secretKeys = new Set(
    Object.keys(raw)
      .map((k) => `hearth:${k}`)
      .filter((k) => runtimeConfig.isConfigSecret(k)),
  );
  const result = validateConfig(raw, secretKeys, catalogue);
  if (!result.ok) throw new ConfigError(result.problems);
  const c = result.config;
  const secret = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));
  let kubeconfig = c.kubeconfig;
  if (kubeconfig === undefined && c.cluster.kubeconfigPath !== undefined) {
    const path = resolve(c.cluster.kubeconfigPath.replace(/^~(?=\/)/, homedir()));
    if (!existsSync(path))
      throw new ConfigError([
        {
          path: "hearth:cluster.kubeconfigPath",
          message: `no file at ${path}; point it at the kubeconfig file of a running cluster`,
        },
      ]);
    kubeconfig = readFileSync(path, "utf8");
  }
  return {
    ...c,
    stack: pulumi.getStack(),
    sshPrivateKey: secret(c.sshPrivateKey),
    kubeconfig: secret(kubeconfig),
    cloudflareApiToken: secret(c.cloudflareApiToken),
    hcloudToken: secret(c.hcloudToken),
    giteaToken: secret(c.giteaToken),
    backupSecretAccessKey: secret(c.backupSecretAccessKey),
  };
}
