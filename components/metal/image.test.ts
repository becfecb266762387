/**
 * The image installer's rendered files, handed to their real consumers: the plan is sourced by a real POSIX sh
 * (dash), the shell files pass `sh -n` (and shellcheck, in image.contract.test.ts), and the controller's build
 * script carries the installer's files unchanged. `npm run test:metal` runs them all on a virtual machine.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { imageNode } from "../../test/metal-fixtures";
import { generateEd25519KeyPair } from "../secrets/openssh";
import {
  IMAGE_BASE_PACKAGES,
  imageId,
  imagePath,
  imageSources,
  imageSpecFor,
  installId,
  planFileName,
  renderImageBuildScript,
  renderImageNodeScript,
  renderInstallPlan,
} from "./image";
import { renderPostInstallScript } from "./post-install";
import { InstallSpec } from "./spec";
import { validateInstallSpec } from "./spec-checks";

const hostKey = generateEd25519KeyPair("node-a");
const operator = generateEd25519KeyPair("me@laptop");
const server = { serverAddress: "192.168.1.2", httpPort: 8080 };

function node(overrides: Partial<InstallSpec> = {}): InstallSpec {
  return imageNode({
    disk: "/dev/nvme0n1",
    domain: "home.arpa",
    authorizedKeys: [operator.publicKey],
    hostKey,
    proxy: "http://192.168.1.2:3142/",
    serialConsole: "ttyS0,115200n8",
    ...overrides,
  });
}

/** Sources a plan in dash, as the installer's busybox sh does, and prints each variable NUL-separated. */
function sourced(plan: string, names: string[]): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-plan-"));
  try {
    writeFileSync(join(dir, "plan"), plan);
    const script = `. "$1"; for v in ${names.join(" ")}; do eval "printf '%s\\\\0' \\"\\$$v\\""; done`;
    const r = spawnSync("dash", ["-c", script, "sh", join(dir, "plan")], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const values = r.stdout.split("\0");
    return Object.fromEntries(names.map((n, i) => [n, values[i]]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the install plan", () => {
  const spec = imageSpecFor("amd64", [node()]);

  it("gives the installer exactly the node's values when a real sh sources it", () => {
    const n = node();
    const v = sourced(renderInstallPlan(n, server, spec), [
      "HEARTH_NAME",
      "HEARTH_MAC",
      "HEARTH_DISK",
      "HEARTH_INSTALL_ID",
      "HEARTH_IMAGE_URL",
      "HEARTH_DOMAIN",
      "HEARTH_ADDRESS",
      "HEARTH_GATEWAY",
      "HEARTH_DNS",
      "HEARTH_TIMEZONE",
      "HEARTH_USER",
      "HEARTH_CONSOLE",
      "HEARTH_POST_INSTALL",
    ]);
    expect(v).toEqual({
      HEARTH_NAME: "node-a",
      HEARTH_MAC: "52:54:00:12:34:56",
      HEARTH_DISK: "/dev/nvme0n1",
      HEARTH_INSTALL_ID: installId(n),
      HEARTH_IMAGE_URL: `http://192.168.1.2:8080/${imagePath(spec)}/root.tar.gz`,
      HEARTH_DOMAIN: "home.arpa",
      HEARTH_ADDRESS: "192.168.1.21/24",
      HEARTH_GATEWAY: "192.168.1.1",
      HEARTH_DNS: "192.168.1.1 9.9.9.9",
      HEARTH_TIMEZONE: "Europe/Paris",
      HEARTH_USER: "hearth",
      HEARTH_CONSOLE: "ttyS0,115200n8",
      HEARTH_POST_INSTALL: renderPostInstallScript(n, {
        authorizedKeys: true,
        resolvConf: false,
        restorecon: false,
      }),
    });
    // The host private key reaches the installer byte for byte, inside the post-install script.
    expect(v.HEARTH_POST_INSTALL).toContain(hostKey.privateKey.trim());
  });

  it("leaves the address empty for a DHCP node, so the installed system asks DHCP", () => {
    const v = sourced(renderInstallPlan(node({ ip: undefined }), server, spec), [
      "HEARTH_ADDRESS",
      "HEARTH_DNS",
    ]);
    expect(v).toEqual({ HEARTH_ADDRESS: "", HEARTH_DNS: "" });
  });

  it("survives quotes in the values it carries", () => {
    const n = node({ authorizedKeys: [`${operator.publicKey} it's "mine"`] });
    const v = sourced(renderInstallPlan(n, server, spec), ["HEARTH_POST_INSTALL"]);
    expect(v.HEARTH_POST_INSTALL).toContain(`it'\\''s "mine"`);
  });
});

describe("the install id", () => {
  it("changes with the host name, disk, OS and reinstall setting, and with nothing else", () => {
    const base = installId(node());
    // A respelled disk path is the same install: only reinstall wipes.
    expect(installId(node({ disk: "/dev/disk/by-id/ata-HEARTH-DISK" }))).toBe(base);
    expect(installId(node({ name: "node-b" }))).not.toBe(base);
    expect(installId({ ...node(), reinstall: "2026-12-01" })).not.toBe(base);
    expect(installId(node({ timezone: "UTC", packages: [] }))).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("the node image", () => {
  it("holds the base packages and every node's own, once each, sorted", () => {
    const spec = imageSpecFor("amd64", [
      node({ packages: ["htop", "zsh"] }),
      node({ packages: ["htop"] }),
    ]);
    expect(spec.packages).toEqual(
      [...new Set([...IMAGE_BASE_PACKAGES.amd64, "htop", "zsh"])].sort(),
    );
    expect(spec.sources).toEqual([
      "deb http://deb.debian.org/debian bookworm main",
      "deb http://deb.debian.org/debian bookworm-updates main",
      "deb http://deb.debian.org/debian-security bookworm-security main",
    ]);
    expect(spec.proxy).toBe("http://192.168.1.2:3142/");
  });

  it("keeps its id while its inputs stay, and gets a new one when a package is added", () => {
    const a = imageSpecFor("amd64", [node()]);
    expect(imageId(imageSpecFor("amd64", [node()]))).toBe(imageId(a));
    expect(imageId(imageSpecFor("amd64", [node({ packages: ["htop", "zsh"] })]))).not.toBe(
      imageId(a),
    );
    expect(imagePath(a)).toBe(`images/amd64-${imageId(a)}`);
  });

  it("is built by a script that sh parses and that carries the installer's files unchanged", () => {
    const spec = imageSpecFor("amd64", [node()]);
    const script = renderImageBuildScript(spec, "/srv/hearth/http");
    expect(spawnSync("sh", ["-n", "-c", script]).status).toBe(0);
    // The script is run through asRoot (sh -c '<quoted>'): unquote it and compare the embedded files.
    const inner = spawnSync("sh", ["-c", `printf '%s' ${script.split("sh -c ")[1]}`], {
      encoding: "utf8",
    }).stdout;
    const src = imageSources();
    expect(inner).toContain(
      `cat > "$HEARTH_SRC/install.sh" <<'HEARTH_INSTALL_SH_EOF'\n${src.install}HEARTH_INSTALL_SH_EOF`,
    );
    expect(inner).toContain(
      `cat > "$HEARTH_SRC/initramfs-hook.sh" <<'HEARTH_INITRAMFS_HOOK_SH_EOF'\n${src.hook}HEARTH_INITRAMFS_HOOK_SH_EOF`,
    );
    expect(inner).toContain(`HEARTH_IMAGE_ID='${imageId(spec)}'`);
    expect(inner).toContain(`HEARTH_PACKAGES='${spec.packages.join(",")}'`);
  });
});

describe("the installer's shell files", () => {
  // shellcheck runs on them in image.contract.test.ts.
  it("install.sh defines mountroot, which initramfs-tools' init calls for boot=hearth", () => {
    const text = readFileSync(join(__dirname, "image/install.sh"), "utf8");
    expect(text).toMatch(/^mountroot\(\) \{$/m);
  });
});

describe("the iPXE script", () => {
  it("boots Hearth's installer with the plan's URL and the NIC that booted", () => {
    const spec = imageSpecFor("amd64", [node()]);
    const script = renderImageNodeScript(node(), server, spec);
    const base = `http://192.168.1.2:8080/${imagePath(spec)}`;
    expect(script).toContain(
      `kernel ${base}/linux initrd=installer.img boot=hearth hearth.plan=http://192.168.1.2:8080/nodes/${planFileName(node())} BOOTIF=01-52-54-00-12-34-56 ip=dhcp console=ttyS0,115200n8 || goto failed`,
    );
    expect(script).toContain(`initrd ${base}/installer.img || goto failed`);
  });
});

describe("installer choice", () => {
  it("refuses an installer that does not install the node's OS, and arm64 images", () => {
    expect(() => validateInstallSpec(node({ installer: "kickstart" }))).toThrow(
      "installer: kickstart installs Fedora; use image or debian-installer for Debian",
    );
    expect(() => validateInstallSpec(node({ os: "fedora", installer: "image" }))).toThrow(
      "installer: image installs Debian; use kickstart for Fedora",
    );
    expect(() => validateInstallSpec(node({ arch: "arm64" }))).toThrow(
      "the image installer is proven on amd64 only so far; use installer: debian-installer for arm64",
    );
    expect(() => validateInstallSpec(node({ reinstall: "two words" }))).toThrow("reinstall:");
    expect(() =>
      validateInstallSpec(node({ arch: "arm64", installer: "debian-installer" })),
    ).not.toThrow();
  });
});
