import { K3S_SYSCTLS, preparationProblems, preparationScript } from "./preparation";
import { checkShellSyntax, unquote } from "../../test/metal-fixtures";

const inner = (script: string) => unquote(script, script.indexOf("$hearth_root sh -c ") + 19)[0];

describe("preparationScript", () => {
  const debian = inner(
    preparationScript({
      hostname: "node-a",
      os: "debian",
      timezone: "Europe/Paris",
      packages: ["htop", "nfs-common"],
    }),
  );
  const fedora = inner(
    preparationScript({ hostname: "node-b", os: "fedora", timezone: "UTC", packages: ["htop"] }),
  );

  it("sets host name and time zone only when they differ", () => {
    expect(debian).toContain(`[ "$(hostname)" = 'node-a' ] || hostnamectl set-hostname 'node-a'`);
    expect(debian).toContain(
      `[ "$(timedatectl show -p Timezone --value)" = 'Europe/Paris' ] || timedatectl set-timezone 'Europe/Paris'`,
    );
  });

  it("installs missing packages with apt-get on Debian and dnf on Fedora", () => {
    expect(debian).toContain("for p in 'htop' 'nfs-common'; do dpkg-query");
    expect(debian).toContain("apt-get install -y -q $missing");
    expect(fedora).toContain(`for p in 'htop'; do rpm -q "$p"`);
    expect(fedora).toContain("dnf install -y -q $missing");
    expect(
      inner(preparationScript({ hostname: "n", os: "debian", timezone: "UTC", packages: [] })),
    ).not.toContain("apt-get");
  });

  it("turns swap off now and after reboots, including Fedora's zram", () => {
    expect(debian).toContain("swapoff -a");
    expect(debian).toContain("sed -i -E '/^[^#].*[[:space:]]swap[[:space:]]/s/^/#/' /etc/fstab");
    expect(debian).not.toContain("zram");
    expect(fedora).toContain(": > /etc/systemd/zram-generator.conf");
  });

  it("loads overlay and br_netfilter now and at boot", () => {
    expect(debian).toContain(
      "printf '%s\\n' overlay br_netfilter > /etc/modules-load.d/90-hearth-k3s.conf",
    );
    expect(debian).toContain("modprobe overlay");
    expect(debian).toContain("modprobe br_netfilter");
  });

  it("writes and applies the sysctls protect-kernel-defaults expects", () => {
    expect(K3S_SYSCTLS).toMatchObject({
      "vm.overcommit_memory": "1",
      "vm.panic_on_oom": "0",
      "kernel.panic": "10",
      "kernel.panic_on_oops": "1",
      "net.ipv4.ip_forward": "1",
      "net.bridge.bridge-nf-call-iptables": "1",
    });
    for (const [key, value] of Object.entries(K3S_SYSCTLS))
      expect(debian).toContain(`${key} = ${value}`);
    expect(debian).toContain("sysctl -q -p /etc/sysctl.d/90-hearth-k3s.conf");
    expect(debian.indexOf("modprobe br_netfilter")).toBeLessThan(debian.indexOf("sysctl -q -p"));
  });

  it("is valid shell", () => {
    checkShellSyntax(
      preparationScript({
        hostname: "node-a",
        os: "fedora",
        timezone: "Europe/Paris",
        packages: ["git"],
      }),
    );
  });

  it("refuses bad names, time zones and packages, naming the node", () => {
    expect(() =>
      preparationScript({ hostname: "Node_A", os: "debian", timezone: "UTC", packages: [] }),
    ).toThrow(/metal node "Node_A"/);
    expect(() =>
      preparationScript({ hostname: "a", os: "debian", timezone: "Europe Paris", packages: [] }),
    ).toThrow(/IANA/);
    expect(() =>
      preparationScript({ hostname: "a", os: "debian", timezone: "UTC", packages: ["x;rm"] }),
    ).toThrow(/not package names: x;rm/);
  });

  it("lists every problem at once, by field; a Fedora package group is not a package name here", () => {
    expect(
      preparationProblems({
        hostname: "Node_A",
        timezone: "Europe Paris",
        packages: ["htop", "@development-tools"],
      }).map((p) => p.field),
    ).toEqual(["hostname", "timezone", "packages"]);
  });
});
