import { renderKickstart } from "./kickstart";
import {
  FAKE_PRIVATE_KEY,
  OPERATOR_KEY,
  checkShellSyntax,
  fedoraNode,
} from "../../test/metal-fixtures";

/** The body of a `%section` ... `%end` block. */
function section(text: string, header: string): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith(header));
  const end = lines.indexOf("%end", start);
  if (start < 0 || end < 0) throw new Error(`no ${header} section`);
  return lines.slice(start + 1, end);
}

describe("renderKickstart", () => {
  it("installs in text mode from the architecture's tree with locale, keyboard and time zone", () => {
    const ks = renderKickstart(fedoraNode()).split("\n");
    expect(ks).toContain("text");
    expect(ks).toContain(
      'url --url="http://dl.fedoraproject.org/pub/fedora/linux/releases/42/Everything/x86_64/os"',
    );
    expect(ks).toContain("lang en_US.UTF-8");
    expect(ks).toContain('keyboard --vckeymap=us --xlayouts="us"');
    expect(ks).toContain("timezone Europe/Paris --utc");
    expect(ks).toContain("reboot");
  });

  it("gives the booting NIC a static address with the host name", () => {
    const ks = renderKickstart(fedoraNode({ domain: "home.arpa" })).split("\n");
    expect(ks).toContain(
      "network --bootproto=static --ip=192.168.1.21 --netmask=255.255.255.0 --gateway=192.168.1.1 " +
        "--nameserver=192.168.1.1,9.9.9.9 --device=52:54:00:12:34:56 --onboot=yes --activate --hostname=node-a.home.arpa",
    );
  });

  it("uses DHCP when the node has no address", () => {
    const ks = renderKickstart(fedoraNode({ ip: undefined })).split("\n");
    expect(ks).toContain(
      "network --bootproto=dhcp --device=52:54:00:12:34:56 --onboot=yes --activate --hostname=node-a",
    );
  });

  it("wipes only the configured disk", () => {
    const ks = renderKickstart(
      fedoraNode({ disk: "/dev/disk/by-id/nvme-Samsung_SSD_980_S1" }),
    ).split("\n");
    expect(ks).toContain("ignoredisk --only-use=disk/by-id/nvme-Samsung_SSD_980_S1");
    expect(ks).toContain("clearpart --all --initlabel --drives=disk/by-id/nvme-Samsung_SSD_980_S1");
    expect(ks).toContain("autopart --type=lvm --nohome --noswap");
    expect(ks).toContain("bootloader --boot-drive=disk/by-id/nvme-Samsung_SSD_980_S1");
  });

  it("locks root and logs the user in with SSH keys only", () => {
    const ks = renderKickstart(fedoraNode()).split("\n");
    expect(ks).toContain("rootpw --lock");
    expect(ks).toContain("user --name=hearth --groups=wheel --lock");
    expect(ks.filter((l) => l.startsWith("sshkey"))).toEqual([]);
    const authorized = ks.find((l) => l.includes("/home/hearth/.ssh/authorized_keys"));
    expect(authorized).toContain(OPERATOR_KEY);
  });

  it("installs every authorized key, not just the first", () => {
    const second = OPERATOR_KEY.replace("ops@laptop", "backup@nas");
    const ks = renderKickstart(fedoraNode({ authorizedKeys: [OPERATOR_KEY, second] }));
    expect(ks).toContain(OPERATOR_KEY);
    expect(ks).toContain(second);
  });

  it("sets SELinux, the firewall and the serial console", () => {
    const ks = renderKickstart(
      fedoraNode({ selinux: "permissive", serialConsole: "ttyS1,9600" }),
    ).split("\n");
    expect(ks).toContain("selinux --permissive");
    expect(ks).toContain("firewall --disabled");
    expect(ks).toContain('bootloader --boot-drive=sda --append="console=ttyS1,9600"');
  });

  it("installs openssh-server and the extra packages", () => {
    const packages = section(
      renderKickstart(fedoraNode({ packages: ["htop", "git"] })),
      "%packages",
    );
    expect(packages).toEqual(
      expect.arrayContaining(["@core", "openssh-server", "sudo", "htop", "git"]),
    );
  });

  it("writes the pinned host key pair in %post with tight permissions and SELinux labels", () => {
    const post = section(renderKickstart(fedoraNode()), "%post");
    const script = post.join("\n");
    expect(script).toContain(FAKE_PRIVATE_KEY.trimEnd());
    expect(post).toContain("chmod 0600 /etc/ssh/ssh_host_ed25519_key");
    expect(post).toContain("chmod 0644 /etc/ssh/ssh_host_ed25519_key.pub");
    expect(script).toContain("restorecon -R /etc/ssh /etc/sudoers.d /home/hearth/.ssh");
    expect(post).toContain("chmod 0600 /home/hearth/.ssh/authorized_keys");
    checkShellSyntax(script);
    const disabled = section(renderKickstart(fedoraNode({ selinux: "disabled" })), "%post").join(
      "\n",
    );
    expect(disabled).not.toContain("restorecon");
  });

  it("reports the end of the install from %post, after the rest of the script", () => {
    const url = "http://192.168.1.5:8080/nodes/52-54-00-12-34-56.installed";
    const post = section(renderKickstart(fedoraNode({ reportUrl: url })), "%post");
    expect(post[post.length - 1]).toBe(`curl -fsS -o /dev/null ${url} || true`);
    expect(section(renderKickstart(fedoraNode()), "%post").join("\n")).not.toContain("curl");
  });

  it("refuses a Debian node", () => {
    expect(() =>
      renderKickstart(fedoraNode({ os: "debian", installer: "debian-installer" })),
    ).toThrow(/kickstart is for Fedora/);
  });
});
