import { debianNode, fedoraNode, imageNode } from "../../test/metal-fixtures";
import { fedoraTree, installFileName, macFileStem } from "./spec";
import { validateInstallSpec } from "./spec-checks";

describe("install spec", () => {
  it("accepts the sample node", () => {
    expect(() => validateInstallSpec(debianNode())).not.toThrow();
    expect(() =>
      validateInstallSpec(
        debianNode({
          ip: undefined,
          network: { cidr: "192.168.1.0/24", gateway: "192.168.1.1", dns: [] },
        }),
      ),
    ).not.toThrow();
  });

  it("names the node and every bad field at once", () => {
    const node = debianNode({
      mac: "52:54:00:12:34:5G",
      disk: "sda",
      ip: "10.0.0.5",
      timezone: "Paris time",
      sshUser: "root",
    });
    let message = "";
    try {
      validateInstallSpec(node);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('metal node "node-a" cannot be installed');
    expect(message).toContain("mac:");
    expect(message).toMatch(/disk: "sda" must be a device path under \/dev\//);
    expect(message).toMatch(/ip: "10\.0\.0\.5" is not a host address in 192\.168\.1\.0\/24/);
    expect(message).toContain("timezone:");
    expect(message).toContain("sshUser:");
  });

  it("refuses uppercase MACs, an https Fedora mirror and a non-ed25519 host key", () => {
    expect(() => validateInstallSpec(debianNode({ mac: "52:54:00:AB:CD:EF" }))).toThrow(
      /lowercase/,
    );
    const https = debianNode({
      mirrors: { ...debianNode().mirrors, fedora: "https://dl.fedoraproject.org/pub/fedora" },
    });
    expect(() => validateInstallSpec(https)).toThrow(/plain http:\/\/ URL: iPXE .* no TLS/);
    const rsa = debianNode({ hostKey: { privateKey: "x", publicKey: "ssh-rsa AAAAB3Nza host" } });
    expect(() => validateInstallSpec(rsa)).toThrow(/hostKey.publicKey: expected an ssh-ed25519/);
    expect(() => validateInstallSpec(rsa)).toThrow(
      /hostKey.privateKey: expected an OpenSSH private key/,
    );
  });

  it("needs a name server for a static address and a key to log in with", () => {
    const noDns = debianNode({
      network: { cidr: "192.168.1.0/24", gateway: "192.168.1.1", dns: [] },
    });
    expect(() => validateInstallSpec(noDns)).toThrow(/needs at least one name server/);
    expect(() => validateInstallSpec(debianNode({ authorizedKeys: [] }))).toThrow(
      /nobody can log in/,
    );
    expect(() =>
      validateInstallSpec(debianNode({ authorizedKeys: ["ssh-ed25519 AAAA\nrm -rf /"] })),
    ).toThrow(/authorizedKeys\[0\]/);
  });

  it("derives file names and Fedora trees", () => {
    expect(macFileStem("52:54:00:12:34:56")).toBe("52-54-00-12-34-56");
    expect(installFileName(debianNode())).toBe("52-54-00-12-34-56.preseed");
    expect(installFileName(fedoraNode())).toBe("52-54-00-12-34-56.ks");
    expect(installFileName(imageNode())).toBe("52-54-00-12-34-56.plan");
    const node = debianNode({
      arch: "arm64",
      mirrors: { ...debianNode().mirrors, fedora: "http://m.lan/f/42/Everything/" },
    });
    expect(fedoraTree(node)).toBe("http://m.lan/f/42/Everything/aarch64/os");
  });
});
