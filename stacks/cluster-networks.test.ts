/** Where the API server answers pods, per kind of cluster: the networks the apps' egress policies name. */
import { clusterNetworks, NetworksConfig } from "./cluster-networks";

const cluster = {
  mode: "k3s" as const,
  version: "v1.33.5+k3s1",
  podCidr: "10.42.0.0/16",
  serviceCidr: "10.43.0.0/16",
  flags: [],
  cisHardening: true,
};
const node = (name: string, ip?: string) =>
  ({ name, ip, dhcp: ip === undefined }) as unknown as NetworksConfig["nodes"][number];

describe("clusterNetworks", () => {
  it("k3s on the home LAN: the LAN and the fixed endpoint", () => {
    const n = clusterNetworks({
      cluster: { ...cluster, endpoint: "192.168.1.5" },
      nodes: [node("a", "192.168.1.11")],
      network: { cidr: "192.168.1.0/24", gateway: "192.168.1.1" },
    });
    expect(n).toEqual({
      podCidr: "10.42.0.0/16",
      serviceCidr: "10.43.0.0/16",
      apiServer: ["192.168.1.0/24", "192.168.1.5/32"],
    });
  });

  it("k3s on static addresses without a LAN: each node's address", () => {
    const n = clusterNetworks({
      cluster,
      nodes: [node("a", "192.168.1.11"), node("b", "192.168.1.12")],
    });
    expect(n.apiServer).toEqual(["192.168.1.11/32", "192.168.1.12/32"]);
  });

  it("Hetzner: the private network, never the servers' public addresses", () => {
    const n = clusterNetworks({
      cluster,
      nodes: [],
      hetzner: { networkCidr: "10.44.0.0/16" } as NetworksConfig["hetzner"],
    });
    expect(n.apiServer).toEqual(["10.44.0.0/16"]);
  });

  it("nodes on DHCP, or an existing cluster: any private address, no public one", () => {
    const ranges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
    expect(clusterNetworks({ cluster, nodes: [node("a")] }).apiServer).toEqual(ranges);
    expect(
      clusterNetworks({ cluster: { ...cluster, mode: "existing" }, nodes: [] }).apiServer,
    ).toEqual(ranges);
  });
});
