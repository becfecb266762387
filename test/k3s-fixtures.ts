/**
 * What the K3s component's mock tests (components/cluster/k3s*.test.ts) share: Pulumi mocks that answer the
 * token, CA-hash and kubeconfig reads (installed when this file is imported), node handles, and `build`, which
 * registers a K3s of three servers and an agent.
 */
import * as pulumi from "@pulumi/pulumi";
import type { NodeHandle } from "../components/types";
import { installMocks, isSecretValue, settle } from "./mocks";

/** The join token in its secure form, as the first server's token file holds it. */
export const SECURE_TOKEN = "K10" + "ab".repeat(32) + "::server:planted-join-token\n";
const RAW_KUBECONFIG = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443
  name: default
users:
- name: default
  user:
    client-key-data: S0VZ
`;

/** The cluster CA's hash the mocked read returns. */
export const CA_HASH = "ab".repeat(32);
/** The agents' token in its secure form. */
export const SECURE_AGENT_TOKEN = "K10" + CA_HASH + "::node:planted-agent-token\n";

installMocks((args) => {
  if (args.type === "hearth:secrets:GeneratedPassword")
    return {
      result: args.name.endsWith("-agent-token") ? "planted-agent-token" : "planted-join-token",
    };
  if (args.type === "hearth:ssh:RemoteCommand" && args.name.endsWith("-kubeconfig")) {
    return { stdout: RAW_KUBECONFIG };
  }
  if (args.type === "hearth:ssh:RemoteCommand" && args.name.endsWith("-agent-join-token")) {
    return { stdout: SECURE_AGENT_TOKEN };
  }
  if (args.type === "hearth:ssh:RemoteCommand" && args.name.endsWith("-join-token")) {
    return { stdout: SECURE_TOKEN };
  }
  if (args.type === "hearth:ssh:RemoteCommand" && args.name.endsWith("-ca-pin")) {
    return { stdout: `${CA_HASH}\n` };
  }
  return undefined;
});

/** The remote command's type token. */
export const COMMAND = "hearth:ssh:RemoteCommand";

// The harness keeps secrets in wire form inside `inputs`; strip the wrappers to compare plain values.
export function plain(value: unknown): unknown {
  if (isSecretValue(value)) return plain((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** A node handle reached over SSH at `<name>.public.example.org`. */
export function node(
  name: string,
  role: "server" | "agent",
  address: string,
  ready: pulumi.Resource[] = [],
): NodeHandle {
  return {
    name,
    role,
    arch: "amd64",
    address,
    connection: {
      host: `${name}.public.example.org`,
      port: 22,
      user: "hearth",
      privateKey: pulumi.secret("planted-ssh-key"),
      hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHost",
    },
    ready,
  };
}

/** A K3s of three servers and an agent (waiting for its OS), with `extra` args, once registered. */
export async function build(extra: Partial<import("../components/cluster/k3s").K3sArgs> = {}) {
  const { GeneratedPassword } = await import("../components/secrets/generated-password");
  const { K3s } = await import("../components/cluster/k3s");
  const osReady = new GeneratedPassword("a1-os", { length: 16 });
  const k3s = new K3s("c", {
    nodes: [
      node("a1", "agent", "10.0.0.20", [osReady]),
      node("s1", "server", "10.0.0.1"),
      node("s2", "server", "10.0.0.2"),
      node("s3", "server", "10.0.0.3"),
    ],
    version: "v1.31.4+k3s1",
    flags: ["--disable=traefik"],
    agentFlags: ["--node-label=tier=worker"],
    ...extra,
  });
  await settle();
  return { k3s, osReady };
}
