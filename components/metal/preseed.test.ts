import { lateCommand, renderPreseed } from "./preseed";
import {
  FAKE_PRIVATE_KEY,
  FAKE_PUBLIC_KEY,
  OPERATOR_KEY,
  checkShellSyntax,
  debianNode,
} from "../../test/metal-fixtures";

/** The preseed's answers by question, checking every line is `owner question type value`. */
function answers(text: string): Map<string, { owner: string; type: string; value: string }> {
  const out = new Map<string, { owner: string; type: string; value: string }>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+) (\S+) (string|boolean|select|multiselect|password|note)(?: (.*))?$/.exec(
      line,
    );
    if (!m) throw new Error(`not a debconf line: ${line}`);
    out.set(m[2], { owner: m[1], type: m[3], value: m[4] ?? "" });
  }
  return out;
}

/** The post-install script carried base64-encoded in the late command. */
function lateScript(text: string): string {
  const late = answers(text).get("preseed/late_command")?.value ?? "";
  const encoded = /echo ([A-Za-z0-9+/=]+) \| base64 -d/.exec(late)?.[1];
  if (!encoded) throw new Error(`no encoded script in ${late}`);
  return Buffer.from(encoded, "base64").toString("utf8");
}

describe("renderPreseed", () => {
  it("writes only well-formed debconf lines", () => {
    expect(() => answers(renderPreseed(debianNode()))).not.toThrow();
    expect(() =>
      answers(renderPreseed(debianNode({ ip: undefined, proxy: "http://proxy.lan:3128/" }))),
    ).not.toThrow();
  });

  it("configures locale, keyboard, static network, mirror, clock and time zone", () => {
    const a = answers(renderPreseed(debianNode({ domain: "home.arpa", keyboard: "de" })));
    expect(a.get("debian-installer/locale")?.value).toBe("en_US.UTF-8");
    expect(a.get("keyboard-configuration/xkb-keymap")).toEqual({
      owner: "d-i",
      type: "select",
      value: "de",
    });
    expect(a.get("netcfg/hostname")?.value).toBe("node-a");
    expect(a.get("netcfg/get_domain")?.value).toBe("home.arpa");
    expect(a.get("netcfg/get_ipaddress")?.value).toBe("192.168.1.21");
    expect(a.get("netcfg/get_netmask")?.value).toBe("255.255.255.0");
    expect(a.get("netcfg/get_gateway")?.value).toBe("192.168.1.1");
    expect(a.get("netcfg/get_nameservers")?.value).toBe("192.168.1.1 9.9.9.9");
    expect(a.get("mirror/http/hostname")?.value).toBe("deb.debian.org");
    expect(a.get("mirror/http/directory")?.value).toBe("/debian");
    expect(a.get("mirror/suite")?.value).toBe("bookworm");
    expect(a.get("time/zone")?.value).toBe("Europe/Paris");
    expect(a.get("clock-setup/utc")?.value).toBe("true");
  });

  it("uses DHCP and the proxy when asked", () => {
    const a = answers(
      renderPreseed(debianNode({ ip: undefined, proxy: "http://proxy.lan:3128/" })),
    );
    expect(a.has("netcfg/get_ipaddress")).toBe(false);
    expect(a.has("netcfg/disable_autoconfig")).toBe(false);
    expect(a.get("mirror/http/proxy")?.value).toBe("http://proxy.lan:3128/");
  });

  it("wipes exactly the configured disk with the atomic recipe, without a prompt", () => {
    const a = answers(renderPreseed(debianNode({ disk: "/dev/nvme0n1" })));
    expect(a.get("partman-auto/disk")?.value).toBe("/dev/nvme0n1");
    expect(a.get("partman-auto/choose_recipe")).toEqual({
      owner: "d-i",
      type: "select",
      value: "atomic",
    });
    for (const q of [
      "partman/confirm",
      "partman/confirm_nooverwrite",
      "partman-lvm/confirm",
      "partman-partitioning/confirm_write_new_label",
    ]) {
      expect(a.get(q)?.value).toBe("true");
    }
    expect(a.get("grub-installer/bootdev")?.value).toBe("/dev/nvme0n1");
  });

  it("disables root login and creates a password-less user", () => {
    const a = answers(renderPreseed(debianNode()));
    expect(a.get("passwd/root-login")?.value).toBe("false");
    expect(a.get("passwd/username")?.value).toBe("hearth");
    expect(a.get("passwd/user-password-crypted")).toEqual({
      owner: "d-i",
      type: "password",
      value: "!",
    });
  });

  it("selects standard + ssh-server and includes extra packages", () => {
    const a = answers(renderPreseed(debianNode({ packages: ["htop", "nfs-common"] })));
    expect(a.get("tasksel/first")).toEqual({
      owner: "tasksel",
      type: "multiselect",
      value: "standard, ssh-server",
    });
    expect(a.get("pkgsel/include")?.value.split(" ")).toEqual(
      expect.arrayContaining(["openssh-server", "sudo", "htop", "nfs-common"]),
    );
    expect(a.get("finish-install/reboot_in_progress")?.type).toBe("note");
  });

  it("installs the pinned host key and the authorized keys from a base64 late command", () => {
    const text = renderPreseed(debianNode());
    const late = answers(text).get("preseed/late_command")?.value ?? "";
    expect(late.startsWith("in-target sh -c '")).toBe(true);
    expect(late).not.toContain("PRIVATE KEY");
    const script = lateScript(text);
    expect(script).toContain(FAKE_PRIVATE_KEY.trimEnd());
    expect(script).toContain(FAKE_PUBLIC_KEY);
    expect(script).toContain("chmod 0600 /etc/ssh/ssh_host_ed25519_key");
    expect(script).toContain("HostKey /etc/ssh/ssh_host_ed25519_key");
    expect(script).toContain(OPERATOR_KEY);
    expect(script).toContain("/home/hearth/.ssh/authorized_keys");
    expect(script).toContain("'hearth ALL=(ALL) NOPASSWD: ALL'");
    expect(script).toContain("'nameserver 9.9.9.9'");
    checkShellSyntax(script);
    checkShellSyntax(lateCommand(debianNode()));
  });

  it("reports the end of the install with the installer's wget, only after the late script succeeded", () => {
    const url = "http://192.168.1.5:8080/nodes/52-54-00-12-34-56.installed";
    const late = lateCommand(debianNode({ reportUrl: url }));
    expect(late).toMatch(
      /exit \$rc' && \{ wget -q -O \/dev\/null http:\/\/192\.168\.1\.5:8080\/nodes\/52-54-00-12-34-56\.installed \|\| true; \}$/,
    );
    checkShellSyntax(late);
    expect(lateCommand(debianNode())).not.toContain("wget");
    expect(() => renderPreseed(debianNode({ reportUrl: "http://x/'; reboot" }))).toThrow(
      /reportUrl: "http:\/\/x\/'; reboot" must be a plain http:\/\/ URL on the controller/,
    );
  });

  it("refuses a Fedora node and invalid input, naming the node", () => {
    expect(() => renderPreseed(debianNode({ os: "fedora", installer: "kickstart" }))).toThrow(
      /preseed is for Debian/,
    );
    expect(() =>
      renderPreseed(debianNode({ hostKey: { privateKey: "nope", publicKey: FAKE_PUBLIC_KEY } })),
    ).toThrow(/node "node-a"[\s\S]*hostKey.privateKey/);
  });
});
