import {
  HTTP_USER,
  controllerLayout,
  dnsmasqConfigScript,
  dnsmasqServiceUnit,
  httpServiceUnit,
  installedScript,
  publicFileScript,
  secretFileScript,
  setupScript,
} from "./controller-scripts";
import { checkShellSyntax, unquote } from "../../test/metal-fixtures";

const layout = controllerLayout("/srv/hearth");

/** Every root script a controller script runs, unquoted. */
function innerScripts(script: string): string[] {
  const marker = "$hearth_root sh -c ";
  const out: string[] = [];
  for (let at = script.indexOf(marker); at >= 0; at = script.indexOf(marker, at + 1)) {
    out.push(unquote(script, at + marker.length)[0]);
  }
  return out;
}

describe("controller layout", () => {
  it("puts TFTP, HTTP and dnsmasq.conf under the root directory", () => {
    expect(layout).toEqual({
      rootDir: "/srv/hearth",
      tftpRoot: "/srv/hearth/tftp",
      httpRoot: "/srv/hearth/http",
      nodesDir: "/srv/hearth/http/nodes",
      keptDir: "/srv/hearth/kept",
      dnsmasqConf: "/srv/hearth/dnsmasq.conf",
    });
  });

  it("refuses relative paths and parent references", () => {
    expect(() => controllerLayout("srv/hearth")).toThrow(/absolute path/);
    expect(() => controllerLayout("/srv/../etc")).toThrow(/absolute path/);
    expect(() => controllerLayout("/srv/hearth/")).toThrow(/absolute path/);
  });
});

describe("systemd units", () => {
  it("serves the HTTP root as the unprivileged PXE user on the server address", () => {
    const unit = httpServiceUnit(layout, "192.168.1.5", 8080).split("\n");
    expect(unit).toContain(`User=${HTTP_USER}`);
    expect(unit).toContain(
      "ExecStart=/usr/bin/python3 /usr/local/lib/hearth/pxe-http.py --bind 192.168.1.5 --directory /srv/hearth/http 8080",
    );
    // It may write in nodes/ only: an "installed" report removes that node's plan.
    expect(unit).toContain("ReadWritePaths=/srv/hearth/http/nodes");
    expect(unit).toContain("ProtectSystem=strict");
  });

  it("checks dnsmasq's configuration before starting it", () => {
    const unit = dnsmasqServiceUnit(layout).split("\n");
    expect(unit).toContain(
      "ExecStartPre=/usr/sbin/dnsmasq --test --conf-file=/srv/hearth/dnsmasq.conf",
    );
    expect(unit).toContain(
      "ExecStart=/usr/sbin/dnsmasq --keep-in-foreground --conf-file=/srv/hearth/dnsmasq.conf",
    );
  });
});

describe("setupScript", () => {
  const script = setupScript({
    layout,
    serverAddress: "192.168.1.5",
    httpPort: 8080,
    needsArm64: false,
  });
  const inner = innerScripts(script)[0];

  it("installs dnsmasq, iPXE, python3 and the SSH client only when missing", () => {
    expect(inner).toContain("for p in dnsmasq-base ipxe python3 openssh-client; do");
    expect(inner).toContain(
      'if [ -n "$missing" ]; then apt-get update -q && apt-get install -y -q --no-install-recommends $missing; fi',
    );
  });

  it("copies the BIOS and UEFI iPXE binaries into the TFTP root", () => {
    expect(inner).toContain(
      "install -m 0644 /usr/lib/ipxe/undionly.kpxe '/srv/hearth/tftp'/undionly.kpxe",
    );
    expect(inner).toContain("install -m 0644 /usr/lib/ipxe/ipxe.efi '/srv/hearth/tftp'/ipxe.efi");
    expect(inner).not.toContain("ipxe-arm64.efi");
  });

  it("writes both units, reloads systemd on change and starts the HTTP server", () => {
    expect(inner).toContain("/etc/systemd/system/hearth-http.service");
    expect(inner).toContain("/etc/systemd/system/hearth-dnsmasq.service");
    expect(inner).toContain('if [ -n "$reload" ]; then systemctl daemon-reload; fi');
    expect(inner).toContain("systemctl enable --now hearth-http.service");
    expect(inner).toContain(`useradd --system`);
  });

  it("demands an arm64 iPXE binary when an arm64 node is configured, saying where to put it", () => {
    const arm = innerScripts(
      setupScript({ layout, serverAddress: "192.168.1.5", httpPort: 8080, needsArm64: true }),
    )[0];
    expect(arm).toContain("if [ ! -f '/srv/hearth/tftp/ipxe-arm64.efi' ]; then");
    expect(arm).toMatch(
      /copy it to \/srv\/hearth\/tftp\/ipxe-arm64\.efi, then run pulumi up again/,
    );
    checkShellSyntax(arm);
  });

  it("is valid shell", () => {
    checkShellSyntax(script);
  });

  it("serves Debian's netboot installer from the archive's package, else from the mirror", () => {
    const withDebian = innerScripts(
      setupScript({
        layout,
        serverAddress: "192.168.1.5",
        httpPort: 8080,
        needsArm64: false,
        debianInstallers: [
          { arch: "amd64", dir: "debian-installer/amd64", mirrorBase: "http://m.lan/amd64" },
        ],
      }),
    )[0];
    expect(withDebian).toContain(
      `apt-cache show debian-installer-12-netboot-amd64 >/dev/null 2>&1; then missing="$missing debian-installer-12-netboot-amd64"; fi`,
    );
    expect(withDebian).toContain(
      "cmp -s /usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/$f '/srv/hearth/http/debian-installer/amd64'/$f ||",
    );
    expect(withDebian).toContain("'http://m.lan/amd64' '/srv/hearth/http/debian-installer/amd64'");
    expect(inner).not.toContain("debian-installer");
    checkShellSyntax(withDebian);
  });
});

describe("file scripts", () => {
  it("restarts dnsmasq when its configuration changed and starts it when it is down", () => {
    const [write, ensure] = innerScripts(dnsmasqConfigScript(layout));
    expect(write).toContain("mktemp '/srv/hearth/dnsmasq.conf.XXXXXX'");
    expect(write).toContain("systemctl restart hearth-dnsmasq.service ||");
    expect(ensure).toContain("systemctl enable --quiet hearth-dnsmasq.service");
    expect(ensure).toContain("systemctl is-active --quiet hearth-dnsmasq.service ||");
    checkShellSyntax(dnsmasqConfigScript(layout));
  });

  it("keeps key-holding files private to the HTTP user and public files world-readable", () => {
    const secret = innerScripts(secretFileScript("/srv/hearth/http/nodes/x.ks"))[0];
    expect(secret).toContain(`chown '${HTTP_USER}' "$tmp"`);
    expect(secret).toContain(`chmod 0600 "$tmp"`);
    const open = innerScripts(publicFileScript("/srv/hearth/http/boot.ipxe"))[0];
    expect(open).toContain(`chown 'root' "$tmp"`);
    expect(open).toContain(`chmod 0644 "$tmp"`);
  });

  it("removes the install file and replaces the node script once installed", () => {
    const [remove, write] = innerScripts(
      installedScript("/srv/hearth/http/nodes/a.ipxe", "/srv/hearth/http/nodes/a.ks"),
    );
    expect(remove).toBe("rm -f '/srv/hearth/http/nodes/a.ks'");
    expect(write).toContain("mktemp '/srv/hearth/http/nodes/a.ipxe.XXXXXX'");
  });
});
