/**
 * The recording mock monitor the offline evaluation runs on (`npm run plan`, `check:charts`, the benchmarks and
 * every mock test through test/mocks.ts): Pulumi's mocks, with each registration recorded as the engine would
 * receive it, type, name, parent, dependencies, provider, options and inputs with their secretness.
 */
import * as pulumi from "@pulumi/pulumi";

/** One resource registration as the engine would see it. */
export interface Registration {
  type: string;
  name: string;
  urn: string;
  /** Inputs as the mock monitor deserializes them: a secret stays wrapped (see `isSecretValue`). */
  inputs: Record<string, unknown>;
  /** Inputs in wire form: a secret is `{ <sig>: <secret sig>, value }`; see `isSecretInput`. */
  rawInputs: Record<string, unknown>;
  /** URN of the parent ("" for none). */
  parent: string;
  /** URNs this resource depends on explicitly or through its inputs. */
  dependencies: string[];
  provider?: string;
  custom: boolean;
  /** Resource options the engine acts on, as the request carried them. */
  options: {
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    replaceOnChanges: string[];
    protect: boolean;
    retainOnDelete: boolean;
  };
}

/** Everything registered since the mocks were installed. */
export const registrations: Registration[] = [];

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Whether a wire-form value is a secret. */
export function isSecretValue(v: unknown): boolean {
  return (
    typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/**
 * A recorded input with every secret wrapper removed, for asserting on plain values: the harness keeps a
 * secret property wrapped (`{ <sig>, value }`) so `isSecretInput` can see it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function reveal(value: unknown): any {
  if (isSecretValue(value)) return reveal((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  }
  return value;
}

type Outputs = (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;

/** Installs Pulumi mocks that record registrations and echo inputs (plus `extraOutputs`) as outputs. */
export function installMocks(extraOutputs?: Outputs, stack = "test"): void {
  registrations.length = 0;
  void pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const extra = extraOutputs ? extraOutputs(args) : undefined;
        return { id: `${args.name}-id`, state: { ...args.inputs, ...(extra ?? {}) } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    "hearth",
    stack,
    false,
    // The file backend's organization, as the program's reference to its own stack names it.
    "organization",
  );
  // The mock monitor does not pass parents or dependencies to `newResource`, so record them on the way in.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rpc = require("@pulumi/pulumi/runtime/rpc");
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const monitor: any = settings.getMonitor();
  const original = monitor.registerResource.bind(monitor);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  monitor.registerResource = (req: any, callback: any) => {
    const parent: string = req.getParent();
    // As the engine does: a custom resource goes to the provider of its package, so a Hearth resource handed
    // the Kubernetes provider fails with the engine's own words instead of passing here.
    const providerRef: string = req.getProvider() || "";
    const providerPackage = /(?:::|\$)pulumi:providers:([^:]+)::/.exec(providerRef)?.[1];
    const resourcePackage = String(req.getType()).split(":")[0];
    if (req.getCustom() && providerPackage && providerPackage !== resourcePackage) {
      return callback(
        new Error(
          `unrecognized resource type: "${req.getType()}" for this provider (${providerPackage}), resource ${req.getName()}`,
        ),
      );
    }
    registrations.push({
      type: req.getType(),
      name: req.getName(),
      urn: monitor.newUrn(parent, req.getType(), req.getName()),
      inputs: rpc.deserializeProperties(req.getObject()),
      rawInputs: req.getObject()?.toJavaScript() ?? {},
      parent,
      dependencies: req.getDependenciesList(),
      provider: req.getProvider() || undefined,
      custom: req.getCustom(),
      options: {
        deleteBeforeReplace: req.getDeletebeforereplace(),
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        protect: req.getProtect?.() ?? false,
        retainOnDelete: req.getRetainondelete?.() ?? false,
      },
    });
    return original(req, callback);
  };
}

/** Seeds Pulumi config as a stack file would: plain values, JSON for objects, and the secret key list. */
export function seedConfig(values: Record<string, unknown>, secretKeys: string[] = []): void {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    flat[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  pulumi.runtime.setAllConfig(flat, secretKeys);
}
