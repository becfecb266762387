/**
 * Hearth's provider plugin (`pulumi-resource-hearth`): the resources Hearth needs that no kept plugin gives
 * it, on libraries it keeps, so a home needs no plugin but Kubernetes (and Cloudflare or hcloud where used).
 *
 * - `hearth:ssh:RemoteCommand`: a command over SSH with a pinned host key (`remote-command.ts`);
 * - `hearth:secrets:GeneratedPassword`: a password from Node's CSPRNG with its bcrypt hash (`password.ts`).
 *
 * The engine finds it through `plugins.providers` in Pulumi.yaml; `bin/pulumi-resource-hearth` starts this file.
 */
import * as provider from "@pulumi/pulumi/provider";
import { engineLog } from "./engine-log";
import { checkPassword, createPassword, diffPassword, updatePasswordSchedule } from "./password";
import { remoteCommandHandlers } from "./remote-command";

/** The type tokens this plugin serves. */
export const TOKENS = {
  remoteCommand: "hearth:ssh:RemoteCommand",
  generatedPassword: "hearth:secrets:GeneratedPassword",
} as const;

/** The type token inside a URN (`urn:pulumi:stack::project::parent$type::name`). */
export function urnType(urn: string): string {
  const parts = urn.split("::");
  const types = parts[parts.length - 2] ?? "";
  return types.slice(types.lastIndexOf("$") + 1);
}

/** The plugin's provider, dispatching on the resource's type token. */
export function hearthProvider(
  engineAddress: string | undefined,
  version: string,
): provider.Provider {
  const log = engineLog(engineAddress);
  const commands = remoteCommandHandlers(log);
  const kind = (urn: string) => {
    const t = urnType(urn);
    if (t === TOKENS.remoteCommand || t === TOKENS.generatedPassword) return t;
    throw new Error(`hearth provider: unknown resource type ${t} (${urn})`);
  };
  return {
    version,
    async check(urn, _olds, news) {
      const failures =
        kind(urn) === TOKENS.remoteCommand ? commands.check(news) : checkPassword(news);
      return { inputs: news, failures };
    },
    async diff(_id, urn, olds, news) {
      return kind(urn) === TOKENS.remoteCommand
        ? commands.diff(olds, news)
        : diffPassword(olds, news);
    },
    async create(urn, inputs) {
      if (kind(urn) === TOKENS.generatedPassword) return createPassword(inputs);
      try {
        return await commands.create(urn, inputs);
      } finally {
        await log.flush();
      }
    },
    async update(_id, urn, olds, news) {
      if (kind(urn) === TOKENS.generatedPassword)
        return { outs: updatePasswordSchedule(olds, news) };
      try {
        return await commands.update(urn, olds, news);
      } finally {
        await log.flush();
      }
    },
    async delete(_id, urn, props) {
      if (kind(urn) === TOKENS.generatedPassword) return;
      try {
        await commands.delete(urn, props);
      } finally {
        await log.flush();
      }
    },
    // Nothing to read back from a command or a generated value: the state is the truth.
    async read(id, _urn, props) {
      return { id, props };
    },
  };
}

/** The first argument that is not a flag is the engine's address (as `@pulumi/pulumi/provider` parses it). */
function engineAddressOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--tracing") i++;
    else if (!args[i].startsWith("-")) return args[i];
  }
  return undefined;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version: string = require("../package.json").version;
  void provider.main(hearthProvider(engineAddressOf(args), version), args);
}
