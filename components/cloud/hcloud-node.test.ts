import * as pulumi from "@pulumi/pulumi";
import {
  find,
  installMocks,
  isSecret,
  isSecretInput,
  isSecretValue,
  registrations,
  settle,
  unwrap,
} from "../../test/mocks";

installMocks((args) =>
  args.type === "hcloud:index/server:Server" ? { ipv4Address: "203.0.113.10" } : undefined,
);

const HOST_PRIVATE =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nplanted-host-private-key\n-----END OPENSSH PRIVATE KEY-----\n";
const HOST_PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHost";
const ADMIN_PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdmin operator";

// The harness keeps secrets in wire form inside `inputs`; strip the wrappers to compare plain values.
function plain(value: unknown): unknown {
  if (isSecretValue(value)) return plain((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

async function build(extra: Record<string, unknown> = {}) {
  const { HcloudNode } = await import("./hcloud-node");
  const node = new HcloudNode("n", {
    hostname: "s1",
    role: "server",
    serverType: "cax21",
    location: "fsn1",
    sshKeyIds: ["key-1"],
    firewallIds: [7],
    subnetId: "net-1-10.44.0.0/16",
    privateIp: "10.44.0.10",
    hostKey: { privateKey: pulumi.secret(HOST_PRIVATE), publicKey: HOST_PUBLIC },
    admin: { authorizedKeys: [ADMIN_PUBLIC], privateKey: pulumi.secret("planted-admin-key") },
    timezone: "Europe/Berlin",
    ...extra,
  });
  await settle();
  return node;
}

describe("HcloudNode", () => {
  beforeEach(() => {
    registrations.length = 0;
  });

  it("creates one server on the private network with the firewall and SSH key", async () => {
    await build();
    const component = find("hearth:cloud:HcloudNode", "n");
    const server = find("hcloud:index/server:Server", "n-server");
    expect(server.parent).toBe(component.urn);
    expect(server.inputs).toMatchObject({
      name: "s1",
      serverType: "cax21",
      image: "debian-12",
      location: "fsn1",
      sshKeys: ["key-1"],
      firewallIds: [7],
      networks: [{ subnetId: "net-1-10.44.0.0/16", ip: "10.44.0.10", aliasIps: [] }],
      publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
      labels: { "hearth/role": "server" },
    });
  });

  it("plants the host key through user-data that stays secret", async () => {
    await build();
    const server = find("hcloud:index/server:Server", "n-server");
    expect(isSecretInput(server, "userData")).toBe(true);
    // cloud-init runs at first boot only: a later change must not replace the server and its data.
    expect(server.options.ignoreChanges).toEqual(["userData"]);
    const userData = String(plain(server.inputs.userData));
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    expect(userData).toContain("planted-host-private-key");
    expect(userData).toContain(HOST_PUBLIC);
    expect(userData).toContain(ADMIN_PUBLIC);
    expect(userData).toContain('name: "hearth"');
    expect(userData).toContain('timezone: "Europe/Berlin"');
  });

  it("keeps the server's user-data output secret too", async () => {
    const node = await build();
    expect(await isSecret(node.server.userData)).toBe(true);
    expect(await unwrap(node.server.userData)).toContain("planted-host-private-key");
  });

  it("waits for cloud-init over SSH with the pinned host key before the node counts as ready", async () => {
    const node = await build();
    const server = find("hcloud:index/server:Server", "n-server");
    const ready = find("hearth:ssh:RemoteCommand", "n-ready");
    expect(ready.parent).toBe(find("hearth:cloud:HcloudNode", "n").urn);
    expect(ready.dependencies).toContain(server.urn);
    expect(String(ready.inputs.create)).toContain("cloud-init status --wait");
    expect(isSecretInput(ready, "connection.privateKey")).toBe(true);
    expect(plain(ready.inputs.connection)).toMatchObject({
      host: "203.0.113.10",
      port: 22,
      user: "hearth",
      hostKey: HOST_PUBLIC,
      privateKey: "planted-admin-key",
    });
    expect(node.handle.ready).toHaveLength(2);
  });

  it("hands on a node handle: private cluster address, public SSH host, secret key, arch from type", async () => {
    const node = await build();
    const h = node.handle;
    expect(h).toMatchObject({ name: "s1", role: "server", arch: "arm64", address: "10.44.0.10" });
    expect(await unwrap(pulumi.output(h.connection.host))).toBe("203.0.113.10");
    expect(h.connection.hostKey).toBe(HOST_PUBLIC);
    expect(h.connection.user).toBe("hearth");
    expect(await isSecret(pulumi.output(h.connection.privateKey))).toBe(true);
  });

  it("uses the public address for the cluster and the private one for SSH when asked", async () => {
    const node = await build({
      clusterAddress: "public",
      sshAddress: "private",
      admin: {
        user: "ops",
        authorizedKeys: [ADMIN_PUBLIC],
        privateKey: pulumi.secret("planted-admin-key"),
      },
    });
    expect(await unwrap(pulumi.output(node.handle.address))).toBe("203.0.113.10");
    expect(await unwrap(pulumi.output(node.handle.connection.host))).toBe("10.44.0.10");
    expect(node.handle.connection.user).toBe("ops");
    expect(node.handle.arch).toBe("arm64");
  });

  it("refuses bad input before creating anything", async () => {
    const { HcloudNode } = await import("./hcloud-node");
    const args = {
      hostname: "s1",
      role: "server" as const,
      serverType: "cx32",
      location: "fsn1",
      sshKeyIds: [],
      firewallIds: [],
      subnetId: "x",
      privateIp: "10.44.0.10",
      hostKey: { privateKey: pulumi.secret(HOST_PRIVATE), publicKey: HOST_PUBLIC },
      admin: { authorizedKeys: [ADMIN_PUBLIC], privateKey: pulumi.secret("k") },
    };
    expect(() => new HcloudNode("b1", { ...args, privateIp: "10.44.0" })).toThrow(/not IPv4/);
    expect(() => new HcloudNode("b2", { ...args, hostname: "S1" })).toThrow(/valid hostname/);
    expect(
      () => new HcloudNode("b3", { ...args, hostKey: { ...args.hostKey, publicKey: "x" } }),
    ).toThrow(/ssh-ed25519/);
    await settle();
    expect(registrations.filter((r) => r.type === "hcloud:index/server:Server")).toHaveLength(0);
  });
});
