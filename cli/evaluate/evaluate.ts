/**
 * Evaluates the whole program under Pulumi mocks for one stack file: seeds its config, runs the program and
 * waits until every registration reached the mock monitor. Nothing is contacted: resources a provider would
 * fill in get stand-in outputs, and what the program logs is kept, not printed, since the progress it reports
 * ("Wake-on-LAN sent") did not happen. Used by `npm run plan`, `check:charts`, the whole-program tests and the
 * benchmarks.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import { basename } from "path";
import { generateEd25519KeyPair } from "../../components/secrets/openssh";
import { readStackFile } from "../../stacks/stack-file";
import { captureEngineLog, EngineLogLine } from "./engine-log";
import { installMocks, registrations, Registration, seedConfig } from "./mock-monitor";

/** What k3s writes to /etc/rancher/k3s/k3s.yaml, with dummy credentials. */
const K3S_KUBECONFIG = [
  "apiVersion: v1",
  "kind: Config",
  "clusters:",
  "- cluster: { certificate-authority-data: Q0E=, server: https://127.0.0.1:6443 }",
  "  name: default",
  "contexts:",
  "- context: { cluster: default, user: default }",
  "  name: default",
  "current-context: default",
  "users:",
  "- name: default",
  "  user: { client-certificate-data: Q0VSVA==, client-key-data: S0VZ }",
  "",
].join("\n");

/**
 * The address a cloud server gets under mocks (TEST-NET-3, never routed): the real one is known only once the
 * provider created the server.
 */
export const STAND_IN_IPV4 = "203.0.113.10";

/** The outputs the stack's previous run left, as the program reads them through a reference to itself. */
let previousOutputs: Record<string, unknown> = {};

/** Outputs the mocks give resources whose real providers compute them. */
function computedOutputs(
  args: pulumi.runtime.MockResourceArgs,
): Record<string, unknown> | undefined {
  switch (args.type) {
    case "pulumi:pulumi:StackReference":
      return { outputs: previousOutputs, secretOutputNames: [] };
    case "hearth:ssh:RemoteCommand":
      // The kubeconfig read over SSH: a parseable kubeconfig, so the provider can be built from it.
      return {
        stdout: K3S_KUBECONFIG,
        stderr: "",
      };
    case "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared":
      return { id: `${args.name}-tunnel-id` };
    case "hearth:secrets:GeneratedPassword":
      // A planted, recognisable value: tests scan outputs for it to prove it stays secret.
      return { result: `planted-${args.name}`, bcryptHash: `$2a$10$${"m".repeat(53)}` };
    case "hearth:secrets:GeneratedRsaKey":
      // Planted too; a real key would cost a second per evaluation.
      return {
        privateKeyPem: `-----BEGIN PRIVATE KEY-----\nplanted-${args.name}\n-----END PRIVATE KEY-----\n`,
        publicKeyPem: `-----BEGIN PUBLIC KEY-----\npublic-${args.name}\n-----END PUBLIC KEY-----\n`,
        keyId: "0123456789abcdef",
      };
    case "hcloud:index/server:Server":
      return { ipv4Address: STAND_IN_IPV4 };
    default:
      break;
  }
  // Our dynamic resources compute these in their providers' create.
  const dynamicType = args.type.split(":").pop();
  switch (dynamicType) {
    case "SshKeyPair":
      return { ...generateEd25519KeyPair(String(args.inputs.comment ?? args.name)) };
    case "GiteaOAuth2Application":
      return {
        appId: 1,
        clientId: `${args.name}-client-id`,
        clientSecret: `${args.name}-client-secret`,
      };
    // Tokens Gitea makes; planted, so tests can follow where each goes.
    case "GiteaAccessToken":
      return { token: `gitea-token-${args.name}` };
    case "GiteaRepoReader":
      return { permission: "read", token: `gitea-token-${args.name}` };
    case "GiteaRepository": {
      const path = `${String(args.inputs.owner)}/${String(args.inputs.name)}`;
      return {
        cloneUrl: `https://git.mock.invalid/${path}.git`,
        htmlUrl: `https://git.mock.invalid/${path}`,
      };
    }
    default:
      return undefined;
  }
}

/** The stack name a stack file stands for (`Pulumi.dev.yaml` -> `dev`). */
export function stackNameOf(file: string): string {
  return basename(file)
    .replace(/^Pulumi\./, "")
    .replace(/\.ya?ml$/, "");
}

/** The private key planted for `hearth:sshPrivateKey` in every evaluated stack file. */
export const PLANTED_SSH_KEY = generateEd25519KeyPair("planted-operator").privateKey;

/** The TSIG secret planted for a `hearth:dnsTsigSecret` that is Pulumi ciphertext (base64 of "planted-tsig"). */
export const PLANTED_TSIG_SECRET = Buffer.from("planted-tsig").toString("base64");

/** What an evaluation left: the registrations, the stack outputs, and what the program logged. */
export interface Evaluation {
  registrations: Registration[];
  outputs: Record<string, unknown>;
  /** The program's log lines (`pulumi.log`), in order; under mocks they describe nothing that happened. */
  logs: EngineLogLine[];
}

/** Runs the program for a stack file under mocks and returns what it registered, exported and logged. */
export async function evaluateStackFile(
  file: string,
  patch?: (values: Record<string, string>) => void,
  previous: Record<string, unknown> = {},
): Promise<Evaluation> {
  previousOutputs = previous;
  const stack = readStackFile(readFileSync(file, "utf8"));
  // A stack file's `secure:` key is ciphertext here; the program derives the login public key from the
  // private key, so plant a real one (the secret scans look for its "BEGIN OPENSSH PRIVATE KEY" header).
  if (stack.values["hearth:sshPrivateKey"] !== undefined) {
    stack.values["hearth:sshPrivateKey"] = PLANTED_SSH_KEY;
  }
  // A TSIG secret is base64, which Pulumi's ciphertext (v1:...) is not.
  if (/^v1:.*:/.test(stack.values["hearth:dnsTsigSecret"] ?? "")) {
    stack.values["hearth:dnsTsigSecret"] = PLANTED_TSIG_SECRET;
  }
  patch?.(stack.values);
  installMocks(computedOutputs, stackNameOf(file));
  seedConfig(stack.values, stack.secretKeys);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { program } = require("../../stacks/program") as typeof import("../../stacks/program");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { disconnect(): Promise<void> };
  const outputs: Record<string, unknown> = {};
  const log = captureEngineLog();
  try {
    const exported = await program();
    for (const [k, v] of Object.entries(exported) as [string, pulumi.Output<unknown>][]) {
      outputs[k] = await new Promise((resolve) => {
        v.apply((x) => resolve(x));
      });
    }
  } finally {
    // Wait for every outstanding registration, so the next evaluation's mocks see none of this one's.
    await settings.disconnect();
    log.stop();
  }
  return { registrations: [...registrations], outputs, logs: log.lines };
}
