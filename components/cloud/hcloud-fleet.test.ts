import * as pulumi from "@pulumi/pulumi";
import {
  find,
  installMocks,
  isSecret,
  isSecretInput,
  isSecretValue,
  ofType,
  registrations,
  settle,
  unwrap,
} from "../../test/mocks";

installMocks((args) => {
  if (args.type === "hcloud:index/server:Server") {
    return { ipv4Address: `203.0.113.${args.inputs.name === "s1" ? 1 : 2}` };
  }
  return undefined;
});

const ADMIN_PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdmin operator";
const hostKey = (n: string) => ({
  privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\nplanted-${n}\n-----END OPENSSH PRIVATE KEY-----\n`,
  publicKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${n}`,
});

// The harness keeps secrets in wire form inside `inputs`; strip the wrappers to compare plain values.
function plain(value: unknown): unknown {
  if (isSecretValue(value)) return plain((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

async function build(opts?: pulumi.ComponentResourceOptions, extra: Record<string, unknown> = {}) {
  const { HcloudFleet } = await import("./hcloud-fleet");
  const fleet = new HcloudFleet(
    "f",
    {
      location: "hel1",
      servers: [
        {
          name: "s1",
          role: "server",
          serverType: "cx32",
          privateIp: "10.44.0.10",
          hostKey: hostKey("s1"),
        },
        {
          name: "a1",
          role: "agent",
          serverType: "cax21",
          privateIp: "10.44.0.20",
          hostKey: hostKey("a1"),
        },
      ],
      admin: { publicKey: ADMIN_PUBLIC, privateKey: pulumi.secret("planted-admin-key") },
      sshSourceCidrs: ["198.51.100.7/32"],
      apiSourceCidrs: ["198.51.100.0/24"],
      ...extra,
    },
    opts,
  );
  await settle();
  return fleet;
}

describe("HcloudFleet", () => {
  beforeEach(() => {
    registrations.length = 0;
  });

  it("makes the shared SSH key, firewall, network and subnet once, parented to the fleet", async () => {
    await build();
    const fleet = find("hearth:cloud:HcloudFleet", "f");
    const key = find("hcloud:index/sshKey:SshKey", "f-ssh-key");
    const firewall = find("hcloud:index/firewall:Firewall", "f-firewall");
    const network = find("hcloud:index/network:Network", "f-network");
    const subnet = find("hcloud:index/networkSubnet:NetworkSubnet", "f-subnet");
    for (const r of [key, firewall, network, subnet]) expect(r.parent).toBe(fleet.urn);
    for (const t of [
      "sshKey:SshKey",
      "firewall:Firewall",
      "network:Network",
      "networkSubnet:NetworkSubnet",
    ]) {
      expect(ofType(`hcloud:index/${t}`)).toHaveLength(1);
    }
    expect(key.inputs.publicKey).toBe(ADMIN_PUBLIC);
    expect(network.inputs.ipRange).toBe("10.44.0.0/16");
    expect(subnet.inputs).toMatchObject({
      ipRange: "10.44.0.0/16",
      networkZone: "eu-central",
      type: "cloud",
    });
    expect(subnet.dependencies).toContain(network.urn);
  });

  it("lets in only SSH and the API from the given networks, plus ICMP", async () => {
    await build();
    const rules = find("hcloud:index/firewall:Firewall", "f-firewall").inputs.rules as Array<
      Record<string, unknown>
    >;
    expect(rules.map((r) => [r.direction, r.protocol, r.port ?? null, r.sourceIps])).toEqual([
      ["in", "tcp", "22", ["198.51.100.7/32"]],
      ["in", "tcp", "6443", ["198.51.100.0/24"]],
      ["in", "icmp", null, ["0.0.0.0/0", "::/0"]],
    ]);
  });

  it("builds one node per server on the shared parts, with secret host keys", async () => {
    const fleet = await build();
    const fleetUrn = find("hearth:cloud:HcloudFleet", "f").urn;
    for (const [name, type] of [
      ["s1", "cx32"],
      ["a1", "cax21"],
    ]) {
      const node = find("hearth:cloud:HcloudNode", `f-${name}`);
      expect(node.parent).toBe(fleetUrn);
      const server = find("hcloud:index/server:Server", `f-${name}-server`);
      expect(server.parent).toBe(node.urn);
      expect(server.inputs).toMatchObject({
        name,
        serverType: type,
        location: "hel1",
        image: "debian-12",
        sshKeys: ["f-ssh-key-id"],
        labels: { "hearth/fleet": "f" },
      });
      expect(server.dependencies).toEqual(
        expect.arrayContaining([
          find("hcloud:index/sshKey:SshKey", "f-ssh-key").urn,
          find("hcloud:index/firewall:Firewall", "f-firewall").urn,
          find("hcloud:index/networkSubnet:NetworkSubnet", "f-subnet").urn,
        ]),
      );
      expect(isSecretInput(server, "userData")).toBe(true);
      expect(String(plain(server.inputs.userData))).toContain(`planted-${name}`);
    }
    expect(fleet.nodes.map((n) => [n.name, n.role, n.arch])).toEqual([
      ["s1", "server", "amd64"],
      ["a1", "agent", "arm64"],
    ]);
    expect(await unwrap(pulumi.output(fleet.nodes[0].address))).toBe("10.44.0.10");
    expect(await unwrap(pulumi.output(fleet.nodes[0].connection.host))).toBe("203.0.113.1");
    expect(await isSecret(pulumi.output(fleet.nodes[1].connection.privateKey))).toBe(true);
  });

  it("sends every child through an hcloud provider given to the fleet", async () => {
    const hcloud = await import("@pulumi/hcloud");
    const provider = new hcloud.Provider("hetzner", { token: pulumi.secret("planted-api-token") });
    await build({ providers: [provider] });
    const providerRef = find("pulumi:providers:hcloud", "hetzner").urn;
    for (const [type, name] of [
      ["hcloud:index/sshKey:SshKey", "f-ssh-key"],
      ["hcloud:index/firewall:Firewall", "f-firewall"],
      ["hcloud:index/server:Server", "f-s1-server"],
    ]) {
      expect(find(type, name).provider).toContain(providerRef);
    }
    expect(ofType("pulumi:providers:hcloud")).toHaveLength(1);
  });

  it("checks the plan before creating anything", async () => {
    const { HcloudFleet } = await import("./hcloud-fleet");
    const base = {
      location: "fsn1",
      servers: [
        {
          name: "s1",
          role: "server" as const,
          serverType: "cx32",
          privateIp: "10.44.0.10",
          hostKey: hostKey("s1"),
        },
      ],
      admin: { publicKey: ADMIN_PUBLIC, privateKey: pulumi.secret("k") },
      sshSourceCidrs: ["198.51.100.7/32"],
      apiSourceCidrs: ["198.51.100.7/32"],
    };
    expect(() => new HcloudFleet("x1", { ...base, location: "mars1" })).toThrow(/mars1/);
    expect(() => new HcloudFleet("x2", { ...base, networkCidr: "10.50.0.0/16" })).toThrow(
      /not inside the subnet/,
    );
    expect(() => new HcloudFleet("x3", { ...base, sshSourceCidrs: [] })).toThrow(
      /SSH source CIDR list is empty/,
    );
    await settle();
    expect(ofType("hcloud:index/network:Network")).toHaveLength(0);
  });
});
