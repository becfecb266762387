/** Sample nodes for the metal tests: realistic values, an obviously fake key pair. */
import { execFileSync } from "child_process";
import { InstallSpec } from "../components/metal/spec";

/** A stand-in private key: the renderers copy it verbatim and check only its OpenSSH armour. */
export const FAKE_PRIVATE_KEY = [
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  "b3BlbnNzaC1rZXktdjEAAAAAHEARTHTESTONLYHEARTHTESTONLYHEARTHTESTONLYAAAA",
  "SGVhcnRoIHRlc3Qga2V5OyBub3QgYSByZWFsIGtleQ==",
  "-----END OPENSSH PRIVATE KEY-----",
  "",
].join("\n");

/** The matching stand-in public key line. */
export const FAKE_PUBLIC_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHearthTestOnlyHearthTestOnlyHearthTest node-a";

/** The operator's key that logs in after the install. */
export const OPERATOR_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperatorKeyOperatorKeyOperatorKey0 ops@laptop";

/**
 * A Debian node with a static address, installed by Debian's installer (preseed); spread and override for
 * other cases. `imageNode` is the same machine with the image installer, the default for Debian.
 */
export function debianNode(overrides: Partial<InstallSpec> = {}): InstallSpec {
  return {
    installer: "debian-installer",
    name: "node-a",
    mac: "52:54:00:12:34:56",
    ip: "192.168.1.21",
    network: { cidr: "192.168.1.0/24", gateway: "192.168.1.1", dns: ["192.168.1.1", "9.9.9.9"] },
    disk: "/dev/sda",
    arch: "amd64",
    os: "debian",
    sshUser: "hearth",
    authorizedKeys: [OPERATOR_KEY],
    hostKey: { privateKey: FAKE_PRIVATE_KEY, publicKey: FAKE_PUBLIC_KEY },
    timezone: "Europe/Paris",
    packages: ["htop"],
    selinux: "enforcing",
    wakeOnLan: true,
    mirrors: {
      debian: { host: "deb.debian.org", directory: "/debian" },
      fedora: "http://dl.fedoraproject.org/pub/fedora/linux/releases/42/Everything",
    },
    ...overrides,
  };
}

/** The same machine installed with Fedora. */
export function fedoraNode(overrides: Partial<InstallSpec> = {}): InstallSpec {
  return debianNode({ os: "fedora", installer: "kickstart", ...overrides });
}

/** The same machine installed by Hearth's image installer (what a Debian node gets by default). */
export function imageNode(overrides: Partial<InstallSpec> = {}): InstallSpec {
  const { installer: _default, ...node } = debianNode(overrides);
  void _default;
  return { ...node, ...overrides };
}

/** Where the controller serves in the tests. */
export const SERVER = { serverAddress: "192.168.1.5", httpPort: 8080 };

/** Reads the single-quoted word `shellQuote` produced, starting at `start`; returns its value and end. */
export function unquote(text: string, start: number): [string, number] {
  let value = "";
  let i = start;
  for (;;) {
    if (text[i] === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new Error("unterminated quote");
      value += text.slice(i + 1, close);
      i = close + 1;
    } else if (text.startsWith("\\'", i)) {
      value += "'";
      i += 2;
    } else {
      return [value, i];
    }
  }
}

/**
 * Syntax-checks a generated script with `sh -n`, and likewise every inner script `asRoot` quotes. Nothing is
 * ever executed: these scripts write to /etc.
 */
export function checkShellSyntax(script: string): void {
  execFileSync("sh", ["-n"], { input: script, stdio: ["pipe", "pipe", "pipe"] });
  const marker = "$hearth_root sh -c ";
  for (let at = script.indexOf(marker); at >= 0; at = script.indexOf(marker, at + 1)) {
    checkShellSyntax(unquote(script, at + marker.length)[0]);
  }
}
