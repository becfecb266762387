/**
 * Hearth's provider plugin (`pulumi-resource-hearth`): the resources Hearth needs that no kept plugin gives
 * it, on libraries it keeps, so a home needs no plugin but Kubernetes (and Cloudflare or hcloud where used).
 *
 * - `hearth:ssh:RemoteCommand`: a command over SSH with a pinned host key (`remote-command.ts`);
 * - `hearth:secrets:GeneratedPassword`: a password from Node's CSPRNG with its bcrypt hash (`password.ts`);
 * - `hearth:secrets:GeneratedRsaKey`: an RSA private key from Node's CSPRNG, e.g. an OIDC issuer's (`rsa-key.ts`);
 * - `hearth:cluster:NodeRemoval`: a node that left the config, drained and removed from the cluster
 *   (`node-removal.ts`);
 * - `hearth:app:AppData` and `hearth:app:RetiredData`: an app's data, deleted only when it is retired with
 *   "delete-data" (`cluster-data.ts`);
 * - `hearth:edge:Rfc2136Record`: a DNS record set changed with TSIG-signed dynamic updates (`rfc2136-record.ts`).
 *
 * The engine finds it through `plugins.providers` in Pulumi.yaml; `bin/pulumi-resource-hearth` starts this file.
 */
import * as provider from "@pulumi/pulumi/provider";
import { engineLog } from "./engine-log";
import { checkPassword, createPassword, diffPassword, updatePasswordSchedule } from "./password";
import { remoteCommandHandlers } from "./remote-command";
import { checkRsaKey, createRsaKey, diffRsaKey } from "./rsa-key";
import { clusterDataHandlers } from "./cluster-data";
import { rfc2136RecordHandlers as records } from "./rfc2136-record";

/** The type tokens this plugin serves. */
export const TOKENS = {
  remoteCommand: "hearth:ssh:RemoteCommand",
  generatedPassword: "hearth:secrets:GeneratedPassword",
  generatedRsaKey: "hearth:secrets:GeneratedRsaKey",
  nodeRemoval: "hearth:cluster:NodeRemoval",
  appData: "hearth:app:AppData",
  retiredData: "hearth:app:RetiredData",
  rfc2136Record: "hearth:edge:Rfc2136Record",
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
  const cluster = clusterDataHandlers(log);
  const clusterKind = (t: string) =>
    t === TOKENS.nodeRemoval
      ? cluster.removal
      : t === TOKENS.appData
        ? cluster.appData
        : t === TOKENS.retiredData
          ? cluster.retired
          : undefined;
  // Every call that may log waits for its lines to reach the engine before it answers.
  const flushed = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } finally {
      await log.flush();
    }
  };
  const kind = (urn: string) => {
    const t = urnType(urn);
    if ((Object.values(TOKENS) as string[]).includes(t)) return t;
    throw new Error(`hearth provider: unknown resource type ${t} (${urn})`);
  };
  return {
    version,
    async check(urn, _olds, news) {
      const t = kind(urn);
      const c = clusterKind(t);
      if (c) return { inputs: news, failures: c.check(news) };
      if (t === TOKENS.rfc2136Record) return { inputs: news, failures: records.check(news) };
      const failures =
        t === TOKENS.remoteCommand
          ? commands.check(news)
          : t === TOKENS.generatedRsaKey
            ? checkRsaKey(news)
            : checkPassword(news);
      return { inputs: news, failures };
    },
    async diff(_id, urn, olds, news) {
      const t = kind(urn);
      const c = clusterKind(t);
      if (c) return c.diff(olds, news);
      if (t === TOKENS.rfc2136Record) return records.diff(olds, news);
      if (t === TOKENS.generatedRsaKey) return diffRsaKey(olds, news);
      return t === TOKENS.remoteCommand ? commands.diff(olds, news) : diffPassword(olds, news);
    },
    async create(urn, inputs) {
      const t = kind(urn);
      const c = clusterKind(t);
      if (c) return flushed(() => c.create(urn, inputs));
      if (t === TOKENS.rfc2136Record) return records.create(urn, inputs);
      if (t === TOKENS.generatedPassword) return createPassword(inputs);
      if (t === TOKENS.generatedRsaKey) return createRsaKey(inputs);
      try {
        return await commands.create(urn, inputs);
      } finally {
        await log.flush();
      }
    },
    async update(_id, urn, olds, news) {
      const t = kind(urn);
      const c = clusterKind(t);
      if (c) return flushed(() => c.update(news, urn));
      if (t === TOKENS.rfc2136Record) return records.update(urn, news);
      if (t === TOKENS.generatedPassword) return { outs: updatePasswordSchedule(olds, news) };
      // Every change of a key's inputs replaces it (diffRsaKey), so an update never reaches here for one.
      if (t === TOKENS.generatedRsaKey) return { outs: olds };
      try {
        return await commands.update(urn, olds, news);
      } finally {
        await log.flush();
      }
    },
    async delete(_id, urn, props) {
      const c = clusterKind(kind(urn));
      if (c) return flushed(() => c.delete(urn, props));
      if (kind(urn) === TOKENS.rfc2136Record) return records.delete(urn, props);
      if (kind(urn) !== TOKENS.remoteCommand) return;
      try {
        await commands.delete(urn, props);
      } finally {
        await log.flush();
      }
    },
    // A command with a `read` looks at the host for drift; otherwise, and for a generated value, the state is
    // the truth.
    async read(id, urn, props) {
      if (kind(urn) === TOKENS.rfc2136Record) return records.read(id, urn, props ?? {});
      if (kind(urn) !== TOKENS.remoteCommand) return { id, props };
      try {
        return { id, props: await commands.read(urn, props ?? {}) };
      } finally {
        await log.flush();
      }
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
