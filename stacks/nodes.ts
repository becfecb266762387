/**
 * The node and cluster layers: metal nodes (PXE-installed or already installed) and Hetzner servers become
 * `NodeHandle`s; k3s is installed on them, or an existing cluster is used. Called by `Homelab`.
 */
import { ETCD_S3_SECRET } from "../components/backup/etcd-backup";
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { HcloudFleet } from "../components/cloud/hcloud-fleet";
import { ExistingCluster } from "../components/cluster/existing-cluster";
import { K3s } from "../components/cluster/k3s";
import { NodeRemoval } from "../components/cluster/node-removal";
import { MetalNode } from "../components/metal/node";
import { PxeController } from "../components/metal/pxe-controller";
import { PxeNodeSpec } from "../components/metal/spec";
import { NodeHostKeys } from "../components/secrets/node-host-keys";
import { ClusterHandle, NodeHandle, SshConnection } from "../components/types";
import { LoadedConfig } from "./config";
import { bootstrapServer, clusterIdOf, Footprint, removedNodes } from "./day2";
import { controllerSettingsOf, installSpecOf } from "./metal-specs";
import { NodeConfig } from "./schema";

/** Where the cluster and remote steps reach a metal node: its static address, else its name on the LAN. */
function metalAddress(node: NodeConfig): string {
  return node.ip ?? node.name;
}

/** Builds every node the config names and returns their handles (metal first, then Hetzner). */
export function buildNodes(name: string, c: LoadedConfig, parent: pulumi.Resource): NodeHandle[] {
  const servers = c.hetzner?.servers ?? [];
  // Nodes without a pinned key get one generated here and planted by their installer.
  const generate = [
    ...c.nodes.filter((n) => !n.hostKey).map((n) => n.name),
    ...servers.map((s) => s.name),
  ];
  if (generate.length === 0 && c.nodes.length === 0) return [];
  const hostKeys =
    generate.length > 0
      ? new NodeHostKeys(`${name}-host-keys`, { nodes: generate }, { parent })
      : undefined;
  const privateKey = c.sshPrivateKey as pulumi.Output<string>;
  const user = c.ssh?.user ?? "hearth";
  const handles: NodeHandle[] = [];

  if (c.nodes.length > 0) {
    const connections: Record<string, SshConnection> = {};
    for (const node of c.nodes) {
      connections[node.name] = {
        host: metalAddress(node),
        port: 22,
        user,
        privateKey,
        hostKey: node.hostKey ?? hostKeys!.keys[node.name].publicKey,
      };
    }
    const toInstall = c.nodes.filter((n) => !n.hostKey);
    let controller: PxeController | undefined;
    if (c.pxe && c.network && toInstall.length > 0) {
      const network = c.network;
      const pxe = c.pxe;
      const specs: PxeNodeSpec[] = toInstall.map((n) => ({
        ...installSpecOf(n, { domain: c.domain, timezone: c.timezone, network, pxe, ssh: c.ssh }),
        hostKey: hostKeys!.keys[n.name],
      }));
      controller = new PxeController(
        `${name}-pxe`,
        {
          connection: {
            host: pxe.host,
            port: pxe.port,
            user: pxe.user,
            privateKey,
            hostKey: pxe.hostKey,
          },
          ...controllerSettingsOf(pxe, network),
          nodes: specs,
          nodeConnections: Object.fromEntries(toInstall.map((n) => [n.name, connections[n.name]])),
        },
        { parent },
      );
    }
    for (const node of c.nodes) {
      const metal = new MetalNode(
        `${name}-${node.name}`,
        {
          name: node.name,
          role: node.role,
          arch: node.arch,
          os: node.os,
          address: metalAddress(node),
          connection: connections[node.name],
          timezone: c.timezone,
          packages: node.packages,
          installedBy: controller?.installed[node.name],
          authorizedKeys: c.ssh?.authorizedKeys,
        },
        { parent },
      );
      handles.push(metal.handle);
    }
  }

  if (c.hetzner) {
    const provider = new hcloud.Provider(`${name}-hcloud`, { token: c.hcloudToken }, { parent });
    const fleet = new HcloudFleet(
      `${name}-hetzner`,
      {
        location: c.hetzner.location,
        networkCidr: c.hetzner.networkCidr,
        image: c.hetzner.image,
        timezone: c.timezone,
        servers: servers.map((s) => ({
          name: s.name,
          role: s.role,
          serverType: s.serverType,
          privateIp: s.privateIp,
          hostKey: hostKeys!.keys[s.name],
        })),
        admin: { user, publicKey: c.ssh!.authorizedKeys[0], privateKey },
        sshSourceCidrs: c.hetzner.adminCidrs,
        apiSourceCidrs: c.hetzner.adminCidrs,
      },
      { parent, providers: { hcloud: provider } },
    );
    handles.push(...fleet.nodes);
  }
  return handles;
}

/**
 * The machines that left `hearth:nodes` since the previous run (its footprint lists them): each is drained and its
 * Node object deleted (on k3s, a server's etcd member with it) before its own steps are undone, as creates come
 * before deletes. The removal stays registered in later runs (the footprint's `removed`), so they plan nothing for
 * it. A node that was never in the footprint is left alone.
 */
export function buildRemovals(
  name: string,
  c: LoadedConfig,
  previous: Footprint | undefined,
  cluster: ClusterHandle,
  parent: pulumi.Resource,
): void {
  for (const node of removedNodes(c, previous)) {
    new NodeRemoval(
      `${name}-${node}-removal`,
      { kubeconfig: cluster.kubeconfig, node },
      { parent },
    );
  }
}

/** Installs k3s on the nodes, or adopts the existing cluster the config points at. */
export function buildCluster(
  name: string,
  c: LoadedConfig,
  nodes: NodeHandle[],
  parent: pulumi.Resource,
  previous?: Footprint,
): ClusterHandle {
  if (c.cluster.mode === "existing") {
    return new ExistingCluster(
      `${name}-cluster`,
      {
        kubeconfig: c.kubeconfig as pulumi.Output<string>,
        context: c.cluster.context,
        // The Kubernetes release behind the pinned k3s version; an existing cluster reports its own.
        version: c.cluster.version.replace(/\+k3s\d+$/, ""),
        clusterIdentifier: clusterIdOf(c),
      },
      { parent },
    ).cluster;
  }
  return new K3s(
    `${name}-k3s`,
    {
      nodes,
      version: c.cluster.version,
      flags: c.cluster.flags,
      cisHardening: c.cluster.cisHardening,
      podCidr: c.cluster.podCidr,
      serviceCidr: c.cluster.serviceCidr,
      endpoint: c.cluster.endpoint,
      bootstrap: bootstrapServer(c, previous),
      clusterIdentifier: clusterIdOf(c),
      installScriptUrl: c.cluster.install?.scriptUrl,
      installScriptSha256: c.cluster.install?.scriptSha256,
      binary:
        c.cluster.install?.binaryUrl && c.cluster.install.binarySha256
          ? { url: c.cluster.install.binaryUrl, sha256: c.cluster.install.binarySha256 }
          : undefined,
      etcdSnapshots: c.backup?.etcd && {
        schedule: c.backup.etcd.schedule,
        retention: c.backup.etcd.retention,
        configSecret: ETCD_S3_SECRET,
      },
    },
    { parent },
  ).cluster;
}
