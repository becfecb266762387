/**
 * The cluster's networks as the apps' egress policies name them (components/app/network-policies.ts): the pod
 * and service networks, and where the API server answers pods. On k3s that is a server's own address: the
 * home's LAN, each node's address, the Hetzner network, the fixed endpoint. An existing cluster's nodes are
 * unknown to Hearth, so there the API server may be at any private address (never a public one).
 */
import { DEFAULT_CLUSTER_NETWORKS } from "../components/app/network-policies";
import { isIpv4 } from "../components/net";
import { ClusterNetworks } from "../components/types";
import type { HearthConfig } from "./schema";

/** What of the config the networks are read from. */
export type NetworksConfig = Pick<HearthConfig, "cluster" | "nodes"> &
  Partial<Pick<HearthConfig, "network" | "hetzner">>;

/** The cluster's networks for a validated config. */
export function clusterNetworks(c: NetworksConfig): ClusterNetworks {
  const { podCidr, serviceCidr } = c.cluster;
  const apiServer: string[] = [];
  if (c.cluster.mode === "existing") apiServer.push(...DEFAULT_CLUSTER_NETWORKS.apiServer);
  else {
    if (c.network) apiServer.push(c.network.cidr);
    // A node on DHCP without hearth:network could be anywhere on the home's private ranges.
    else if (c.nodes.some((n) => n.ip === undefined))
      apiServer.push(...DEFAULT_CLUSTER_NETWORKS.apiServer);
    else apiServer.push(...c.nodes.map((n) => `${n.ip}/32`));
    if (c.hetzner) apiServer.push(c.hetzner.networkCidr);
    if (c.cluster.endpoint && isIpv4(c.cluster.endpoint))
      apiServer.push(`${c.cluster.endpoint}/32`);
  }
  return { podCidr, serviceCidr, apiServer: [...new Set(apiServer)] };
}
