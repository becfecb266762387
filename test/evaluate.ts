/**
 * Evaluates the whole program under Pulumi mocks for one stack file: seeds its config, runs the program and
 * waits until every registration reached the mock monitor. Used by the composition tests, `npm run plan`
 * and `npm run bench`.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "fs";
import { basename } from "path";
import { readStackFile } from "../stacks/stack-file";
import { installMocks, registrations, Registration, seedConfig, settle } from "./mocks";

/** Outputs the mocks give resources whose real providers compute them. */
function computedOutputs(
  args: pulumi.runtime.MockResourceArgs,
): Record<string, unknown> | undefined {
  switch (args.type) {
    case "command:remote:Command":
      // The kubeconfig read over SSH: a parseable kubeconfig, so the provider can be built from it.
      return {
        stdout: "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n",
        stderr: "",
      };
    case "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared":
      return { id: `${args.name}-tunnel-id` };
    case "hcloud:index/server:Server":
      return { ipv4Address: "203.0.113.10" };
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

/** Runs the program for a stack file under mocks and returns what it registered and exported. */
export async function evaluateStackFile(
  file: string,
  patch?: (values: Record<string, string>) => void,
): Promise<{ registrations: Registration[]; outputs: Record<string, unknown> }> {
  const stack = readStackFile(readFileSync(file, "utf8"));
  patch?.(stack.values);
  installMocks(computedOutputs, stackNameOf(file));
  seedConfig(stack.values, stack.secretKeys);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { program } = require("../stacks/program") as typeof import("../stacks/program");
  const exported = program();
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(exported)) {
    outputs[k] = await new Promise((resolve) => pulumi.output(v).apply(resolve));
  }
  await settle();
  return { registrations: [...registrations], outputs };
}
