/**
 * The one Pulumi mock harness of the tests. Call `installMocks()` before importing code that creates resources,
 * then `await import(...)` the module under test, build it, and `await settle()` before reading `registrations`.
 * The recording monitor itself is shipped (cli/evaluate/mock-monitor.ts: `npm run plan` runs on it); this file
 * re-exports it and adds what only tests need.
 */
import * as pulumi from "@pulumi/pulumi";
import { isSecretValue, Registration, registrations } from "../cli/evaluate/mock-monitor";

export {
  installMocks,
  isSecretValue,
  Registration,
  registrations,
  reveal,
  seedConfig,
} from "../cli/evaluate/mock-monitor";

/** A platform on a mock Kubernetes provider, behind a tunnel, for app recipe tests. */
export async function testPlatform() {
  const k8s = await import("@pulumi/kubernetes");
  return {
    provider: new k8s.Provider("k8s", {}),
    kubeconfig: "planted-kubeconfig",
    domain: "home.example.org",
    exposure: {
      mode: "tunnel" as const,
      ingressClass: "traefik",
      ingressService: "http://traefik.traefik.svc.cluster.local:80",
    },
    charts: {},
    timezone: "Europe/Paris",
  };
}

/** Whether the input at a dotted path of a registration was sent as a secret (or inside one). */
export function isSecretInput(reg: Registration, path: string): boolean {
  let cur: unknown = reg.rawInputs;
  for (const part of path.split(".")) {
    if (isSecretValue(cur)) return true;
    if (typeof cur !== "object" || cur === null) return false;
    cur = (cur as Record<string, unknown>)[part];
  }
  return isSecretValue(cur);
}

/** Resolves an Output to its value through `apply`, as a program would. */
export function unwrap<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** Whether an Output is marked secret. */
export async function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return (await (output as unknown as { isSecret: Promise<boolean> }).isSecret) === true;
}

/** Registrations of one type token. */
export function ofType(type: string): Registration[] {
  return registrations.filter((r) => r.type === type);
}

/** The registration with this type and name; throws when there is none, naming what there is. */
export function find(type: string, name: string): Registration {
  const r = registrations.find((x) => x.type === type && x.name === name);
  if (!r) {
    const seen = registrations.map((x) => `${x.type}::${x.name}`).join("\n  ");
    throw new Error(`no ${type} named ${name}; registered:\n  ${seen}`);
  }
  return r;
}

/** Waits until the registrations started so far have reached the mock monitor. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
}
