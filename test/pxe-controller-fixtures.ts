/**
 * What the PxeController's mock tests (components/metal/pxe-controller*.test.ts) share: Pulumi mocks
 * (installed when this file is imported), the controller's args for two nodes, and readers of wire inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PxeControllerArgs } from "../components/metal/pxe-controller";
import { debianNode, FAKE_PRIVATE_KEY, FAKE_PUBLIC_KEY, fedoraNode } from "./metal-fixtures";
import { installMocks, isSecretValue } from "./mocks";

installMocks();

/** The remote command's type token. */
export const CMD = "hearth:ssh:RemoteCommand";
const OPERATOR_PRIVATE =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nOPERATORTESTONLY\n-----END OPENSSH PRIVATE KEY-----\n";
/** node-b's stand-in host key. */
export const NODE_B_PUBLIC =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINodeBNodeBNodeBNodeBNodeBNodeBNodeBNode node-b";

/** A controller with a Debian node (node-a, Wake-on-LAN) and a Fedora one (node-b), with `overrides`. */
export function args(overrides: Partial<PxeControllerArgs> = {}): PxeControllerArgs {
  const a = debianNode();
  const b = fedoraNode({
    name: "node-b",
    mac: "52:54:00:aa:bb:cc",
    ip: "192.168.1.22",
    wakeOnLan: false,
    hostKey: { privateKey: FAKE_PRIVATE_KEY, publicKey: NODE_B_PUBLIC },
  });
  const reach = (host: string, hostKey: string) => ({
    host,
    port: 22,
    user: "hearth",
    privateKey: pulumi.secret(OPERATOR_PRIVATE),
    hostKey,
  });
  return {
    connection: {
      host: "192.168.1.5",
      port: 22,
      user: "admin",
      privateKey: OPERATOR_PRIVATE,
      hostKey: "ssh-ed25519 AAAAcontroller",
    },
    serverAddress: "192.168.1.5",
    network: "192.168.1.0/24",
    nodes: [
      { ...a, hostKey: { ...a.hostKey, privateKey: pulumi.secret(FAKE_PRIVATE_KEY) } },
      { ...b, hostKey: { ...b.hostKey, privateKey: pulumi.secret(FAKE_PRIVATE_KEY) } },
    ],
    nodeConnections: {
      "node-a": reach("192.168.1.21", FAKE_PUBLIC_KEY),
      "node-b": reach("192.168.1.22", NODE_B_PUBLIC),
    },
    ...overrides,
  };
}

/** Wire inputs with secret wrappers replaced by their values (the harness's `inputs` keeps the wrappers). */
export function plain(value: unknown): unknown {
  if (isSecretValue(value)) return plain((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Every plain (non-secret) string in a registration's wire inputs. */
export function plainStrings(value: unknown, out: string[] = []): string[] {
  if (isSecretValue(value)) return out;
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => plainStrings(v, out));
  else if (value && typeof value === "object")
    Object.values(value).forEach((v) => plainStrings(v, out));
  return out;
}
