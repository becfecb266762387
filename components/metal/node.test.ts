import * as pulumi from "@pulumi/pulumi";
import {
  Registration,
  find,
  installMocks,
  isSecret,
  isSecretInput,
  isSecretValue,
  ofType,
  settle,
  unwrap,
} from "../../test/mocks";
import { sha256 } from "../shell";
import { FAKE_PUBLIC_KEY } from "../../test/metal-fixtures";

installMocks();

/** A command's inputs with secret wrappers replaced by their values (the harness keeps the wrappers). */
function inputsOf(r: Registration): Record<string, unknown> {
  const plain = (v: unknown): unknown => {
    if (isSecretValue(v)) return plain((v as { value: unknown }).value);
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    }
    return Array.isArray(v) ? v.map(plain) : v;
  };
  return plain(r.rawInputs) as Record<string, unknown>;
}

describe("MetalNode", () => {
  it("prepares the installed machine over pinned SSH and hands over a ready handle", async () => {
    const { RemoteCommand } = await import("../ssh/remote-command");
    const { MetalNode } = await import("./node");
    const installedBy = new RemoteCommand("pxe-node-a-wait", {
      connection: {
        host: "192.168.1.21",
        port: 22,
        user: "hearth",
        privateKey: "k",
        hostKey: "ssh-ed25519 AAAA",
      },
      create: "true",
    });
    const node = new MetalNode("node-a", {
      name: "node-a",
      role: "server",
      arch: "amd64",
      os: "debian",
      address: "192.168.1.21",
      connection: {
        host: "192.168.1.21",
        port: 22,
        user: "hearth",
        privateKey:
          "-----BEGIN OPENSSH PRIVATE KEY-----\nOPERATORTESTONLY\n-----END OPENSSH PRIVATE KEY-----\n",
        hostKey: FAKE_PUBLIC_KEY,
      },
      timezone: "Europe/Paris",
      packages: ["htop"],
      installedBy,
    });
    await settle();

    const component = find("hearth:metal:MetalNode", "node-a");
    const prepare = find("hearth:ssh:RemoteCommand", "node-a-prepare");
    expect(prepare.parent).toBe(component.urn);
    expect(
      ofType("hearth:ssh:RemoteCommand").filter((r) => r.parent === component.urn),
    ).toHaveLength(1);

    const inputs = inputsOf(prepare);
    const connection = inputs.connection as Record<string, unknown>;
    expect(connection.hostKey).toBe(FAKE_PUBLIC_KEY);
    expect(connection.host).toBe("192.168.1.21");
    expect(isSecretInput(prepare, "connection.privateKey")).toBe(true);

    const script = inputs.create as string;
    expect(script).toContain("hostnamectl set-hostname");
    expect(script).toContain("timedatectl set-timezone");
    expect(script).toContain("apt-get install");
    expect(script).toContain("br_netfilter");
    expect(inputs.triggers).toEqual([sha256(script)]);
    // A new script re-runs in place; a replacement would run the old unpreparation after the new preparation.
    expect(inputs.update).toBe(script);
    expect(prepare.options.deleteBeforeReplace).toBe(true);
    expect(prepare.dependencies).toContain(find("hearth:ssh:RemoteCommand", "pxe-node-a-wait").urn);

    expect(node.handle.name).toBe("node-a");
    expect(node.handle.role).toBe("server");
    expect(node.handle.arch).toBe("amd64");
    expect(node.handle.ready).toHaveLength(2);
    expect(node.handle.ready[0]).toBe(installedBy);
    expect(await unwrap(node.handle.ready[1].urn)).toBe(prepare.urn);
    expect(await isSecret(pulumi.output(node.handle.connection.privateKey))).toBe(true);
  });

  it("uses dnf on Fedora and needs no installer when the machine is already there", async () => {
    const { MetalNode } = await import("./node");
    const node = new MetalNode("node-f", {
      name: "node-f",
      role: "agent",
      arch: "arm64",
      os: "fedora",
      address: "192.168.1.30",
      connection: {
        host: "192.168.1.30",
        port: 22,
        user: "hearth",
        privateKey: "k",
        hostKey: FAKE_PUBLIC_KEY,
      },
      timezone: "UTC",
    });
    await settle();
    const prepare = find("hearth:ssh:RemoteCommand", "node-f-prepare");
    expect(prepare.inputs.create).toContain("zram-generator.conf");
    expect(prepare.inputs.create).not.toContain("dnf install");
    expect(node.handle.ready).toHaveLength(1);
  });

  it("keeps the configured authorized keys plus its own login key, sent on stdin as a secret", async () => {
    const { MetalNode } = await import("./node");
    const { generateEd25519KeyPair } = await import("../secrets/openssh");
    const { publicKeyOf } = await import("./authorized-keys");
    const operator = generateEd25519KeyPair("operator");
    const laptop = generateEd25519KeyPair("laptop canary-in-comment");
    const node = new MetalNode("node-k", {
      name: "node-k",
      role: "agent",
      arch: "amd64",
      os: "debian",
      address: "192.168.1.32",
      connection: {
        host: "192.168.1.32",
        port: 22,
        user: "hearth",
        privateKey: operator.privateKey,
        hostKey: FAKE_PUBLIC_KEY,
      },
      timezone: "UTC",
      authorizedKeys: [laptop.publicKey],
    });
    await settle();
    const keys = find("hearth:ssh:RemoteCommand", "node-k-authorized-keys");
    const login = publicKeyOf(operator.privateKey);
    expect(isSecretInput(keys, "stdin")).toBe(true);
    const inputs = inputsOf(keys);
    expect(inputs.stdin).toBe(`${laptop.publicKey}\n${login}\n`);
    expect(inputs.create).not.toContain("canary-in-comment");
    expect(inputs.delete).toContain(login);
    expect(inputs.delete).not.toContain("canary-in-comment");
    // A new key list rewrites the file in place, and a refresh reads it back: a replacement's delete
    // would leave Hearth's key alone on the node.
    expect(inputs.update).toBe(inputs.create);
    expect(inputs.read).toContain(".ssh/authorized_keys");
    expect(inputs.triggers).toBeUndefined();
    expect(keys.options.deleteBeforeReplace).toBe(true);
    expect(node.handle.ready).toHaveLength(2);
    // Destroying the node's preparation removes Hearth's files.
    const prepare = find("hearth:ssh:RemoteCommand", "node-k-prepare");
    expect(inputsOf(prepare).delete).toContain("rm -f /etc/modules-load.d/90-hearth-k3s.conf");
  });

  it("refuses a host name the OS would reject, naming the node", async () => {
    const { MetalNode } = await import("./node");
    expect(
      () =>
        new MetalNode("bad", {
          name: "Bad_Name",
          role: "agent",
          arch: "amd64",
          os: "debian",
          address: "192.168.1.31",
          connection: {
            host: "192.168.1.31",
            port: 22,
            user: "hearth",
            privateKey: "k",
            hostKey: FAKE_PUBLIC_KEY,
          },
          timezone: "UTC",
        }),
    ).toThrow(/metal node "Bad_Name"/);
  });
});
