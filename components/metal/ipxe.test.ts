import {
  debianNetbootBase,
  installFileUrl,
  renderBootScript,
  renderLocalBootScript,
  renderNodeScript,
} from "./ipxe";
import { SERVER, debianNode, fedoraNode } from "../../test/metal-fixtures";

/** The arguments of the script's `kernel` line. */
function kernelArgs(script: string): string[] {
  const line = script.split("\n").find((l) => l.startsWith("kernel "));
  if (!line) throw new Error("no kernel line");
  return line
    .replace(/ \|\| goto failed$/, "")
    .split(" ")
    .slice(2);
}

describe("renderBootScript", () => {
  it("chains to the script named after the booting MAC and falls back to the disk", () => {
    const script = renderBootScript(SERVER);
    expect(script.startsWith("#!ipxe\n")).toBe(true);
    expect(script).toContain(
      "chain --autofree http://192.168.1.5:8080/nodes/${mac:hexhyp}.ipxe || goto local",
    );
    expect(script).toMatch(/:local\n.*\nexit\n/);
  });
});

describe("renderNodeScript", () => {
  it("boots the Debian netboot installer the controller serves, unattended, with the node's preseed", () => {
    const script = renderNodeScript(debianNode(), SERVER);
    const base = "http://192.168.1.5:8080/debian-installer/amd64";
    expect(script).toContain(`kernel ${base}/linux `);
    expect(script).toContain(`initrd ${base}/initrd.gz || goto failed`);
    const args = kernelArgs(script);
    expect(args).toEqual(
      expect.arrayContaining([
        "auto=true",
        "priority=critical",
        "url=http://192.168.1.5:8080/nodes/52-54-00-12-34-56.preseed",
        "BOOTIF=01-52-54-00-12-34-56",
        "netcfg/hostname=node-a",
      ]),
    );
  });

  it("knows where the same installer lives on the mirror, for controllers without the package", () => {
    expect(debianNetbootBase(debianNode())).toBe(
      "http://deb.debian.org/debian/dists/bookworm/main/installer-amd64/current/images/netboot/debian-installer/amd64",
    );
  });

  it("sets a static address through netcfg boot parameters", () => {
    const args = kernelArgs(renderNodeScript(debianNode(), SERVER));
    expect(args).toEqual(
      expect.arrayContaining([
        "netcfg/disable_autoconfig=true",
        "netcfg/get_ipaddress=192.168.1.21",
        "netcfg/get_netmask=255.255.255.0",
        "netcfg/get_gateway=192.168.1.1",
        "netcfg/get_nameservers=192.168.1.1",
        "netcfg/confirm_static=true",
      ]),
    );
  });

  it("leaves DHCP nodes to autoconfiguration", () => {
    const args = kernelArgs(renderNodeScript(debianNode({ ip: undefined }), SERVER));
    expect(args.some((a) => a.startsWith("netcfg/get_ipaddress"))).toBe(false);
    expect(args).not.toContain("netcfg/disable_autoconfig=true");
  });

  it("puts the serial console after --- so the installed system keeps it", () => {
    const args = kernelArgs(
      renderNodeScript(debianNode({ serialConsole: "ttyS0,115200n8" }), SERVER),
    );
    expect(args.indexOf("console=ttyS0,115200n8")).toBeGreaterThan(args.indexOf("---"));
    expect(
      kernelArgs(renderNodeScript(debianNode(), SERVER)).some((a) => a.startsWith("console=")),
    ).toBe(false);
  });

  it("boots Fedora's pxeboot kernel with the kickstart and the install tree", () => {
    const node = fedoraNode({ arch: "arm64", proxy: "http://proxy.lan:3128/" });
    const script = renderNodeScript(node, SERVER);
    const tree = "http://dl.fedoraproject.org/pub/fedora/linux/releases/42/Everything/aarch64/os";
    expect(script).toContain(`kernel ${tree}/images/pxeboot/vmlinuz `);
    expect(script).toContain(`initrd ${tree}/images/pxeboot/initrd.img || goto failed`);
    expect(kernelArgs(script)).toEqual(
      expect.arrayContaining([
        "inst.ks=http://192.168.1.5:8080/nodes/52-54-00-12-34-56.ks",
        `inst.repo=${tree}`,
        "inst.text",
        "inst.proxy=http://proxy.lan:3128/",
        "initrd=initrd.img",
      ]),
    );
  });

  it("validates the node before rendering", () => {
    expect(() => renderNodeScript(debianNode({ disk: "sda" }), SERVER)).toThrow(
      /node "node-a".*\n.*disk/,
    );
  });

  it("points install file URLs at the controller", () => {
    expect(installFileUrl(fedoraNode(), { serverAddress: "10.0.0.2", httpPort: 80 })).toBe(
      "http://10.0.0.2:80/nodes/52-54-00-12-34-56.ks",
    );
  });
});

describe("renderLocalBootScript", () => {
  it("exits iPXE so the firmware boots the next device, the disk", () => {
    const script = renderLocalBootScript(debianNode());
    expect(script.startsWith("#!ipxe\n")).toBe(true);
    expect(script.trimEnd().endsWith("\nexit")).toBe(true);
    expect(script).not.toContain("kernel");
  });
});
