/**
 * The PxeController under Pulumi mocks: its commands and their parent, the controller reached with a pinned
 * key, dnsmasq, install files and iPXE scripts on stdin as secrets, Wake-on-LAN, the wait, local boot, and the
 * refusals. An image-installed node is in pxe-controller-image.test.ts; the fixtures in
 * test/pxe-controller-fixtures.ts.
 */
import { spawnSync } from "child_process";
import { FAKE_PRIVATE_KEY, FAKE_PUBLIC_KEY } from "../../test/metal-fixtures";
import { args, CMD, NODE_B_PUBLIC, plain, plainStrings } from "../../test/pxe-controller-fixtures";
import {
  find,
  isSecretInput,
  ofType,
  Registration,
  registrations,
  settle,
  unwrap,
} from "../../test/mocks";
import { sha256 } from "../shell";
import { waitProgram } from "./node-wait";

describe("PxeController", () => {
  let ctrl: import("./pxe-controller").PxeController;
  const cmd = (name: string): Registration => {
    const r = find(CMD, name);
    return { ...r, inputs: plain(r.rawInputs) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const { PxeController } = await import("./pxe-controller");
    ctrl = new PxeController("pxe", args());
    await settle();
  });

  it("registers its commands under the component, named after it", () => {
    const parent = find("hearth:metal:PxeController", "pxe").urn;
    const names = ofType(CMD)
      .map((r) => r.name)
      .sort();
    expect(names).toEqual(
      [
        "pxe-setup",
        "pxe-dnsmasq",
        "pxe-boot-script",
        "pxe-node-a-install-file",
        "pxe-node-a-ipxe",
        "pxe-node-a-wake",
        "pxe-node-a-wait",
        "pxe-node-a-installed",
        "pxe-node-b-install-file",
        "pxe-node-b-ipxe",
        "pxe-node-b-wait",
        "pxe-node-b-installed",
      ].sort(),
    );
    for (const r of ofType(CMD)) expect(r.parent).toBe(parent);
  });

  it("reaches the controller with a secret private key and its pinned host key", () => {
    const setup = cmd("pxe-setup");
    expect(isSecretInput(setup, "connection.privateKey")).toBe(true);
    expect((setup.inputs.connection as Record<string, unknown>).hostKey).toBe(
      "ssh-ed25519 AAAAcontroller",
    );
    expect(setup.inputs.create).toContain("dnsmasq-base ipxe python3");
    expect(setup.inputs.triggers).toEqual([sha256(setup.inputs.create as string)]);
  });

  it("sends dnsmasq.conf through stdin, answering both MACs", () => {
    const dnsmasq = cmd("pxe-dnsmasq");
    expect(dnsmasq.inputs.stdin).toContain("dhcp-host=52:54:00:12:34:56,set:hearth");
    expect(dnsmasq.inputs.stdin).toContain("dhcp-host=52:54:00:aa:bb:cc,set:hearth");
    expect(dnsmasq.inputs.triggers).toEqual([sha256(dnsmasq.inputs.stdin as string)]);
    expect(dnsmasq.dependencies).toContain(cmd("pxe-setup").urn);
  });

  it("publishes each install file as a secret on stdin, never in the command line", () => {
    const preseed = cmd("pxe-node-a-install-file");
    expect(isSecretInput(preseed, "stdin")).toBe(true);
    expect(preseed.inputs.stdin).toContain("d-i preseed/late_command string");
    // The installer reports the end of the install to this controller, where the node's wait reads it.
    expect(preseed.inputs.stdin).toContain(
      "wget -q -O /dev/null http://192.168.1.5:8080/nodes/52-54-00-12-34-56.installed",
    );
    expect(preseed.inputs.create).toContain("/srv/hearth/http/nodes/52-54-00-12-34-56.preseed");
    expect(preseed.inputs.create).toContain("chmod 0600");
    expect(preseed.inputs.create).not.toContain("PRIVATE KEY");
    expect(isSecretInput(preseed, "triggers.0")).toBe(true);
    const ks = cmd("pxe-node-b-install-file");
    expect(ks.inputs.stdin).toContain(FAKE_PRIVATE_KEY.trimEnd());
    expect(ks.inputs.create).toContain("/srv/hearth/http/nodes/52-54-00-aa-bb-cc.ks");
    expect(ks.inputs.stdin).toContain(
      "curl -fsS -o /dev/null http://192.168.1.5:8080/nodes/52-54-00-aa-bb-cc.installed || true",
    );
  });

  it("writes the node's iPXE script after its install file", () => {
    const script = cmd("pxe-node-a-ipxe");
    expect(script.inputs.stdin).toContain(
      "url=http://192.168.1.5:8080/nodes/52-54-00-12-34-56.preseed",
    );
    expect(script.inputs.create).toContain("/srv/hearth/http/nodes/52-54-00-12-34-56.ipxe");
    expect(script.inputs.triggers).toEqual([sha256(script.inputs.stdin as string)]);
    expect(script.dependencies).toContain(cmd("pxe-node-a-install-file").urn);
  });

  it("wakes only nodes with Wake-on-LAN, after everything is published", () => {
    const wake = cmd("pxe-node-a-wake");
    expect(wake.inputs.create).toContain('("192.168.1.255", 9)');
    expect(wake.inputs.create).toContain("525400123456");
    expect(wake.dependencies).toEqual(
      expect.arrayContaining([
        cmd("pxe-dnsmasq").urn,
        cmd("pxe-boot-script").urn,
        cmd("pxe-node-a-ipxe").urn,
      ]),
    );
    expect(registrations.some((r) => r.name === "pxe-node-b-wake")).toBe(false);
  });

  it("waits from the controller: the watcher on stdin, the node's address and pinned key as arguments", () => {
    const wait = cmd("pxe-node-a-wait");
    expect((wait.inputs.connection as Record<string, unknown>).host).toBe("192.168.1.5");
    expect(wait.inputs.stdin).toBe(waitProgram());
    const create = wait.inputs.create as string;
    expect(create).toContain("python3 - --since");
    expect(create).toContain("'--host' '192.168.1.21' '--port' '22' '--user' 'hearth'");
    expect(create).toContain(`'--host-key' '${FAKE_PUBLIC_KEY}'`);
    expect(create).toContain("'--install-file' '52-54-00-12-34-56.preseed'");
    expect(create).toContain("'--timeout-minutes' '60'");
    expect(spawnSync("sh", ["-n", "-c", create]).status).toBe(0);
    expect((wait.inputs.triggers as unknown[]).length).toBe(2);
    expect(wait.dependencies).toContain(cmd("pxe-node-a-wake").urn);
    expect(cmd("pxe-node-b-wait").inputs.create as string).toContain(
      `'--host-key' '${NODE_B_PUBLIC}'`,
    );
  });

  it("switches an installed node to local boot and removes its install file", () => {
    const done = cmd("pxe-node-a-installed");
    expect(done.inputs.create).toContain(
      "rm -f '\\''/srv/hearth/http/nodes/52-54-00-12-34-56.preseed'\\''",
    );
    expect(done.inputs.stdin).toContain("exit");
    expect(done.inputs.stdin).not.toContain("kernel");
    expect(done.dependencies).toContain(cmd("pxe-node-a-wait").urn);
  });

  it("never sends a private key outside a secret", () => {
    for (const r of registrations) {
      for (const s of plainStrings(r.rawInputs)) {
        expect(s).not.toContain("HEARTHTESTONLY");
        expect(s).not.toContain("OPERATORTESTONLY");
      }
    }
  });

  it("exposes the wait per node and the boot URL", async () => {
    expect(Object.keys(ctrl.installed).sort()).toEqual(["node-a", "node-b"]);
    expect(await unwrap(ctrl.installed["node-a"].urn)).toBe(cmd("pxe-node-a-wait").urn);
    expect(await unwrap(ctrl.bootUrl)).toBe("http://192.168.1.5:8080/boot.ipxe");
  });

  it("refuses inconsistent nodes before registering anything, naming them", async () => {
    const { PxeController } = await import("./pxe-controller");
    const base = args();
    const dup = { ...base, nodes: [base.nodes[0], { ...base.nodes[1], mac: base.nodes[0].mac }] };
    expect(() => new PxeController("dup", dup)).toThrow(
      /MAC 52:54:00:12:34:56 is given to two nodes/,
    );
    const lost = { ...base, nodeConnections: { "node-a": base.nodeConnections["node-a"] } };
    expect(() => new PxeController("lost", lost)).toThrow(
      /node "node-b" has no entry in nodeConnections/,
    );
    expect(
      () =>
        new PxeController("far", { ...base, network: "10.0.0.0/24", serverAddress: "10.0.0.2" }),
    ).toThrow(
      /node "node-a" is on 192\.168\.1\.0\/24 but the controller answers PXE on 10\.0\.0\.0\/24/,
    );
    const wrongKey = {
      ...base,
      nodeConnections: {
        ...base.nodeConnections,
        "node-a": { ...base.nodeConnections["node-a"], hostKey: NODE_B_PUBLIC },
      },
    };
    expect(() => new PxeController("key", wrongKey)).toThrow(
      /node "node-a": nodeConnections pins a host key/,
    );
  });
});
