/** The PXE controller's plan, pure: its refusals and what it publishes and runs per node, as tables. */
import type { PxeControllerArgs } from "./pxe-controller";
import { planController, validateControllerArgs } from "./pxe-plan";
import type { PxeNodeSpec } from "./spec";
import {
  FAKE_PRIVATE_KEY,
  FAKE_PUBLIC_KEY,
  debianNode,
  fedoraNode,
  imageNode,
} from "../../test/metal-fixtures";

const NODE_B_PUBLIC =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINodeBNodeBNodeBNodeBNodeBNodeBNodeBNode node-b";

const reach = (host: string, hostKey: string) => ({
  host,
  port: 22,
  user: "hearth",
  privateKey: "operator-key",
  hostKey,
});

/** A controller for node-a (Debian installer, Wake-on-LAN) and node-b (kickstart, powered on by hand). */
function args(overrides: Partial<PxeControllerArgs> = {}): PxeControllerArgs {
  return {
    connection: {
      host: "192.168.1.5",
      port: 22,
      user: "admin",
      privateKey: "operator-key",
      hostKey: "ssh-ed25519 AAAAcontroller",
    },
    serverAddress: "192.168.1.5",
    network: "192.168.1.0/24",
    nodes: [
      debianNode(),
      fedoraNode({
        name: "node-b",
        mac: "52:54:00:aa:bb:cc",
        ip: "192.168.1.22",
        wakeOnLan: false,
        hostKey: { privateKey: FAKE_PRIVATE_KEY, publicKey: NODE_B_PUBLIC },
      }),
    ],
    nodeConnections: {
      "node-a": reach("192.168.1.21", FAKE_PUBLIC_KEY),
      "node-b": reach("192.168.1.22", NODE_B_PUBLIC),
    },
    ...overrides,
  };
}

/** The same arguments with one node list (connections follow the nodes' names and addresses). */
function withNodes(nodes: PxeNodeSpec[]): PxeControllerArgs {
  return args({
    nodes,
    nodeConnections: Object.fromEntries(
      nodes.map((n) => [n.name, reach(n.ip ?? "192.168.1.99", String(n.hostKey.publicKey))]),
    ),
  });
}

describe("validateControllerArgs", () => {
  const base = args();
  const [a, b] = base.nodes;
  it.each<[string, PxeControllerArgs, RegExp]>([
    ["no nodes", withNodes([]), /no nodes: add at least one metal node/],
    ["a name twice", withNodes([a, { ...b, name: "node-a" }]), /node name "node-a" is used twice/],
    [
      "a MAC twice",
      withNodes([a, { ...b, mac: a.mac }]),
      /MAC 52:54:00:12:34:56 is given to two nodes/,
    ],
    [
      "a node on another network",
      args({ network: "10.0.0.0/24", serverAddress: "10.0.0.2" }),
      /node "node-a" is on 192\.168\.1\.0\/24 but the controller answers PXE on 10\.0\.0\.0\/24/,
    ],
    [
      "a node nobody can reach",
      args({ nodeConnections: { "node-a": base.nodeConnections["node-a"] } }),
      /node "node-b" has no entry in nodeConnections/,
    ],
    [
      "a connection pinning another key",
      args({
        nodeConnections: {
          ...base.nodeConnections,
          "node-a": reach("192.168.1.21", NODE_B_PUBLIC),
        },
      }),
      /node "node-a": nodeConnections pins a host key other than the node's hostKey/,
    ],
    ["a network with host bits", args({ network: "192.168.1.7/24" }), /host bits set/],
    [
      "an install spec the renderers refuse",
      withNodes([{ ...a, mac: "52-54-00-12-34-56" }]),
      /MAC/,
    ],
  ])("refuses %s", (_what, bad, message) => {
    expect(() => validateControllerArgs(bad)).toThrow(message);
  });

  it("accepts a sound controller, and a key pinned with another comment", () => {
    expect(() => validateControllerArgs(base)).not.toThrow();
    const comment = args({
      nodeConnections: {
        ...base.nodeConnections,
        "node-a": reach("192.168.1.21", FAKE_PUBLIC_KEY.replace("node-a", "laptop")),
      },
    });
    expect(() => validateControllerArgs(comment)).not.toThrow();
  });
});

describe("planController", () => {
  it.each([
    ["debian-installer", debianNode(), ".preseed", true, false],
    ["kickstart", fedoraNode({ wakeOnLan: false }), ".ks", false, false],
    ["image", imageNode(), ".plan", true, true],
  ] as const)(
    "%s: script and install file by MAC, Wake-on-LAN as asked, an install id for images",
    (_kind, node, extension, wakes, hasInstallId) => {
      const [n] = planController(withNodes([node])).nodes;
      expect(n.scriptPath).toBe("/srv/hearth/http/nodes/52-54-00-12-34-56.ipxe");
      expect(n.installPath).toBe(`/srv/hearth/http/nodes/52-54-00-12-34-56${extension}`);
      // Root's copy outside the HTTP root, which a retried wait serves again.
      expect(n.keptPath).toBe(`/srv/hearth/kept/52-54-00-12-34-56${extension}`);
      expect(n.wakeText !== undefined).toBe(wakes);
      if (wakes) expect(n.wakeText).toContain('("192.168.1.255", 9)');
      expect(n.installId !== undefined).toBe(hasInstallId);
      expect(n.wait).toEqual({
        name: "node-a",
        mac: "52:54:00:12:34:56",
        installFile: `52-54-00-12-34-56${extension}`,
        timeoutMinutes: 60,
        republish: { served: n.installPath, kept: n.keptPath, owner: "hearth-pxe" },
        ...(hasInstallId
          ? {
              install: {
                id: n.installId,
                nodesDir: "/srv/hearth/http/nodes",
                alsoAccept: [expect.any(String)],
              },
            }
          : {}),
      });
    },
  );

  it.each([
    [{}, 60, "/srv/hearth", "http://192.168.1.5:8080/boot.ipxe"],
    [
      { installTimeoutMinutes: 15, rootDir: "/opt/pxe", httpPort: 8081 },
      15,
      "/opt/pxe",
      "http://192.168.1.5:8081/boot.ipxe",
    ],
  ])("with %j: timeout, root folder and boot URL", (overrides, timeout, root, url) => {
    const plan = planController(args(overrides));
    expect(plan.timeoutMinutes).toBe(timeout);
    expect(plan.nodes.map((n) => n.wait.timeoutMinutes)).toEqual([timeout, timeout]);
    expect(plan.bootPath).toBe(`${root}/http/boot.ipxe`);
    expect(plan.bootUrl).toBe(url);
  });

  it("serves one Debian installer per architecture of the Debian nodes, none for Fedora alone", () => {
    const base = args();
    const mixed = planController(base).setupText;
    expect(mixed).toContain("debian-installer-12-netboot-amd64");
    expect(mixed).not.toContain("netboot-arm64");
    const [debian, fedora] = base.nodes;
    const arm = {
      ...debian,
      name: "node-c",
      mac: "52:54:00:aa:bb:dd",
      ip: "192.168.1.23",
      arch: "arm64" as const,
    };
    const both = planController(withNodes([...base.nodes, arm])).setupText;
    expect(both).toContain("debian-installer-12-netboot-arm64");
    expect(both).toContain("installer-arm64/current/images/netboot/debian-installer/arm64");
    expect(planController(withNodes([fedora])).setupText).not.toContain("debian-installer");
  });

  it("builds one image for the image-installed nodes of an architecture", () => {
    const twin = imageNode({ name: "node-d", mac: "52:54:00:aa:bb:ee", ip: "192.168.1.24" });
    const plan = planController(withNodes([imageNode(), twin]));
    expect(plan.images.map((i) => i.spec.arch)).toEqual(["amd64"]);
    expect(plan.nodes.map((n) => n.image?.arch)).toEqual(["amd64", "amd64"]);
    expect(new Set(plan.nodes.map((n) => n.installId)).size).toBe(2);
  });

  it("names every file the component publishes, by MAC", () => {
    const plan = planController(args());
    expect(plan.bootPath).toBe("/srv/hearth/http/boot.ipxe");
    expect(plan.nodes.map((n) => [n.scriptPath, n.installPath])).toEqual([
      [
        "/srv/hearth/http/nodes/52-54-00-12-34-56.ipxe",
        "/srv/hearth/http/nodes/52-54-00-12-34-56.preseed",
      ],
      [
        "/srv/hearth/http/nodes/52-54-00-aa-bb-cc.ipxe",
        "/srv/hearth/http/nodes/52-54-00-aa-bb-cc.ks",
      ],
    ]);
    expect(plan.nodes[0].scriptText).toContain(
      "http://192.168.1.5:8080/debian-installer/amd64/linux",
    );
    expect(plan.nodes[0].localBootText).toContain("booting from the local disk");
  });
});
