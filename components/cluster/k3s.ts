import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isIP } from "node:net";
import { GeneratedPassword } from "../secrets/generated-password";
import { asRoot, sha256 } from "../shell";
import { CONTENT_UPDATED_IN_PLACE } from "./provider-options";
import { RemoteCommand } from "../ssh/remote-command";
import type { ClusterHandle, NodeHandle, NodeRole, SshConnection } from "../types";
import {
  assertK3sVersion,
  EtcdSnapshotOptions,
  K3S_PATHS,
  k3sAgentFlags,
  k3sServerFlags,
} from "./k3s-flags";
import { assertNoManagedFlags } from "./k3s-managed-flags";
import { k3sHardeningFiles } from "./k3s-hardening";
import {
  k3sInstallScript,
  readClusterCaHashScript,
  readSecureAgentTokenScript,
  readSecureTokenScript,
} from "./k3s-install";
import { apiServerUrl, rewriteKubeconfigServer } from "./k3s-kubeconfig";

/** Arguments of a k3s cluster installed over SSH. */
export interface K3sArgs {
  /** The machines; at least one server. The bootstrap server starts embedded etcd, the rest join it. */
  nodes: NodeHandle[];
  /**
   * The server that bootstrapped the cluster, kept first whatever the order of `nodes` (stacks/day2.ts), so a
   * reordered list changes nothing on the machines. @default the first server listed
   */
  bootstrap?: string;
  /** Pinned k3s release, e.g. `v1.31.4+k3s1`; changing it upgrades every node in order. */
  version: string;
  /** Scheduled etcd snapshots copied to S3 (the platform creates their config Secret). @default none */
  etcdSnapshots?: EtcdSnapshotOptions;
  /** Extra `k3s server` flags, appended after Hearth's own. @default [] */
  flags?: string[];
  /** Extra `k3s agent` flags; kept apart because agents reject server-only flags. @default [] */
  agentFlags?: string[];
  /** Pod network, on every server. @default k3s's 10.42.0.0/16 */
  podCidr?: string;
  /** Service network, on every server. @default k3s's 10.43.0.0/16 */
  serviceCidr?: string;
  /** CIS hardening: secrets encryption, Pod Security admission, audit log, kernel protection. @default true */
  cisHardening?: boolean;
  /**
   * Address the kubeconfig points at. A cloud node may talk to its peers on a private network this
   * machine cannot reach. @default the first server's SSH host, which this machine already reaches
   */
  apiAddress?: pulumi.Input<string>;
  /**
   * A fixed registration address for the servers (a DNS name that resolves to every server, or a virtual IP):
   * joining nodes and the kubeconfig use it instead of the first server, so the cluster outlives that
   * server. It goes into the API certificate. @default none: the first server
   */
  endpoint?: string;
  /** Where the k3s installer comes from (a mirror for air-gapped homes). @default "https://get.k3s.io" */
  installScriptUrl?: string;
  /** Its SHA-256; a different installer is refused. @default unchecked */
  installScriptSha256?: string;
  /** A pinned k3s binary (a local copy for air-gapped homes) and its SHA-256. @default the release's */
  binary?: { url: string; sha256: string };
  /**
   * The cluster's identity (the provider's `clusterIdentifier`): a kubeconfig read from another server, or a new
   * endpoint, updates the provider in place; only a new identifier replaces what runs on it (ADR 14).
   * @default the component's name
   */
  clusterIdentifier?: string;
}

/** A k3s cluster on the given nodes, its admin kubeconfig (secret) and a Kubernetes provider for it. */
export class K3s extends pulumi.ComponentResource {
  /** The handle the platform layer builds on. */
  readonly cluster: ClusterHandle;

  constructor(name: string, args: K3sArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:cluster:K3s", name, {}, opts);
    const listed = args.nodes.filter((n) => n.role === "server");
    const founder = listed.find((s) => s.name === args.bootstrap) ?? listed[0];
    const servers = founder ? [founder, ...listed.filter((s) => s !== founder)] : listed;
    const agents = args.nodes.filter((n) => n.role === "agent");
    validate(name, args, servers);
    const cis = args.cisHardening ?? true;
    const first = servers[0];
    const apiAddress = args.endpoint ?? args.apiAddress ?? first.connection.host;

    const token = new GeneratedPassword(`${name}-token`, { length: 48 }, { parent: this });
    // Agents join with their own token: the server token would let an agent's host join as a server and
    // decrypt the cluster's bootstrap data (k3s-io/docs docs/cli/token.md).
    const agentToken = new GeneratedPassword(
      `${name}-agent-token`,
      { length: 48 },
      { parent: this },
    );
    // Every address a server may be reached at goes into the API certificate, sorted: the order of the
    // servers in the config is not a change to any machine.
    const tlsSans = pulumi
      .all([apiAddress, ...servers.flatMap((s) => [s.address, s.connection.host])])
      .apply((all) => [...new Set(all)].sort());

    // Every token travels on stdin only (never on a command line, in the environment or in a log), one per line
    // as k3sInstallScript reads them.
    const scriptFor = (node: NodeHandle): pulumi.Output<string> =>
      pulumi
        .all([
          node.address,
          first.address,
          tlsSans,
          pulumi.all(servers.slice(1).map((s) => s.address)).apply((a) => [...a].sort()),
        ])
        .apply(([address, firstAddress, sans, peers]) => {
          const nodeIp = isIP(address) ? address : undefined;
          const common = { nodeName: node.name, nodeIp, cisHardening: cis };
          const flags =
            node.role === "agent"
              ? k3sAgentFlags({
                  ...common,
                  serverUrl: apiServerUrl(args.endpoint ?? firstAddress),
                  extraFlags: args.agentFlags,
                })
              : k3sServerFlags({
                  ...common,
                  serverUrl:
                    node === first ? undefined : apiServerUrl(args.endpoint ?? firstAddress),
                  tlsSans: sans,
                  podCidr: args.podCidr,
                  serviceCidr: args.serviceCidr,
                  etcdSnapshots: args.etcdSnapshots,
                  extraFlags: args.flags,
                });
          return k3sInstallScript({
            role: node.role,
            version: args.version,
            flags,
            files: k3sHardeningFiles(node.role, cis),
            nodeIp,
            // The first server rejoins the others when its disk was wiped, instead of a new cluster.
            rejoinUrls: node === first ? peers.map((p) => apiServerUrl(p)) : undefined,
            installScriptUrl: args.installScriptUrl,
            installScriptSha256: args.installScriptSha256,
            binary: args.binary,
          });
        });
    const install = (
      node: NodeHandle,
      dependsOn: pulumi.Resource[],
      stdinLines: pulumi.Input<string>[],
    ): RemoteCommand => {
      const script = scriptFor(node);
      const command = script.apply((s) => asRoot(s, "bash"));
      // No delete command on purpose: removing k3s wipes the node's data, which an operator does
      // deliberately with k3s-uninstall.sh, never as a side effect of a rename or a replacement.
      return new RemoteCommand(
        `${name}-${node.name}`,
        {
          connection: connectionArgs(node.connection),
          create: command,
          // Without an update command a changed input would replace the resource; reinstalling in
          // place is what an upgrade is.
          update: command,
          stdin: pulumi.secret(pulumi.all(stdinLines).apply((l) => `${l.join("\n")}\n`)),
          triggers: [script.apply((s) => sha256(`${args.version}\n${s}`))],
        },
        { parent: this, dependsOn: [...dependsOn, ...node.ready] },
      );
    };

    // A reinstalled first server rejoins its peers only if they serve the cluster's CA: its SHA-256 is read over
    // SSH (pinned host key) from the second server, before the first server's install. Nothing is read while
    // the cluster does not exist yet; it is read again whenever the first server's install changes.
    const second = servers[1];
    const caHash = second
      ? new RemoteCommand(
          `${name}-ca-pin`,
          {
            connection: connectionArgs(second.connection),
            create: asRoot(readClusterCaHashScript(), "bash"),
            triggers: [scriptFor(first).apply((s) => sha256(`${args.version}\n${s}`))],
          },
          { parent: this, dependsOn: second.ready },
        ).stdout.apply((out) => (out ?? "").trim())
      : pulumi.output("");

    // The first server starts with the short token (the cluster CA does not exist before it); every other
    // node joins with the secure form k3s then writes, which pins the cluster CA's hash.
    const firstCommand = install(first, [], [token.result, agentToken.result, caHash]);
    const secure = new RemoteCommand(
      `${name}-join-token`,
      {
        connection: connectionArgs(first.connection),
        create: asRoot(readSecureTokenScript(), "bash"),
        // stdout is the join credential: never in the logs, secret in the state.
        logging: "stderr",
        triggers: [firstCommand.id],
      },
      { parent: this, dependsOn: [firstCommand], additionalSecretOutputs: ["stdout"] },
    );
    const joinToken = pulumi.secret(secure.stdout.apply((t) => (t ?? "").trim()));
    // Servers join one at a time so etcd grows by one member at a time and keeps quorum.
    const serverCommands: RemoteCommand[] = [firstCommand];
    for (const server of servers.slice(1)) {
      serverCommands.push(
        install(server, [...serverCommands.slice(-1), secure], [joinToken, agentToken.result]),
      );
    }
    const agentJoin =
      agents.length > 0
        ? new RemoteCommand(
            `${name}-agent-join-token`,
            {
              connection: connectionArgs(first.connection),
              create: asRoot(readSecureAgentTokenScript(), "bash"),
              // stdout is the agents' join credential: never in the logs, secret in the state.
              logging: "stderr",
              triggers: [firstCommand.id, agentToken.result.apply(sha256)],
            },
            { parent: this, dependsOn: [firstCommand], additionalSecretOutputs: ["stdout"] },
          )
        : undefined;
    const agentJoinToken = pulumi.secret(agentJoin?.stdout.apply((t) => (t ?? "").trim()) ?? "");
    const agentCommands = agents.map((agent) =>
      install(agent, [...serverCommands, ...(agentJoin ? [agentJoin] : [])], [agentJoinToken]),
    );

    const read = new RemoteCommand(
      `${name}-kubeconfig`,
      {
        connection: connectionArgs(first.connection),
        create: asRoot(`cat ${K3S_PATHS.kubeconfig}`, "bash"),
        // stdout is the admin credential: keep it out of the logs and the state in plain text.
        logging: "stderr",
        triggers: [serverCommands[0].id],
      },
      {
        parent: this,
        dependsOn: [...serverCommands, ...agentCommands],
        additionalSecretOutputs: ["stdout"],
      },
    );
    const kubeconfig = pulumi.secret(
      pulumi
        .all([read.stdout, apiAddress])
        .apply(([raw, address]) => rewriteKubeconfigServer(raw, address)),
    );
    const provider = new k8s.Provider(
      `${name}-provider`,
      {
        kubeconfig,
        clusterIdentifier: args.clusterIdentifier ?? name,
        ...CONTENT_UPDATED_IN_PLACE,
      },
      { parent: this, dependsOn: [read] },
    );

    this.cluster = { kubeconfig, provider, version: args.version };
    this.registerOutputs({ kubeconfig });
  }
}

// Fails before any resource exists, naming what is wrong and how to fix it.
function validate(name: string, args: K3sArgs, servers: NodeHandle[]): void {
  if (servers.length === 0) {
    const listed = args.nodes.map((n) => `${n.name} (${n.role})`).join(", ") || "none";
    throw new Error(
      `k3s cluster "${name}" has no node with role "server" (nodes: ${listed}). Give at least one ` +
        `node the role "server"; the first one bootstraps the cluster.`,
    );
  }
  const seen = new Set<string>();
  for (const node of args.nodes) {
    if (seen.has(node.name)) {
      throw new Error(
        `k3s cluster "${name}" lists node "${node.name}" twice; node names must be unique.`,
      );
    }
    seen.add(node.name);
  }
  assertK3sVersion(args.version);
  const cis = args.cisHardening ?? true;
  const check = (role: NodeRole, flags: string[] | undefined) =>
    assertNoManagedFlags(role, flags ?? [], cis);
  check("server", args.flags);
  check("agent", args.agentFlags);
}

function connectionArgs(c: SshConnection): SshConnection {
  return {
    host: c.host,
    port: c.port,
    user: c.user,
    privateKey: pulumi.secret(c.privateKey),
    hostKey: c.hostKey,
  };
}
