/**
 * Contract tests: every file Hearth generates for another program is checked by that program: dnsmasq's
 * config by `dnsmasq --test`, Debian preseeds by `debconf-set-selections --checkonly`, Fedora kickstarts by
 * pykickstart's `ksvalidator`, cloud-init user-data by `cloud-init schema`. `scripts/test-setup.sh` (run
 * before `npm test`) installs them. Each tool is also shown a broken file, so these tests can fail.
 */
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, writeFileSync } from "fs";
import { homedir, tmpdir } from "os";
import { join } from "path";
import { renderCloudInit } from "../components/cloud/cloud-init";
import { renderDnsmasqConfig } from "../components/metal/dnsmasq";
import { renderKickstart } from "../components/metal/kickstart";
import { renderPreseed } from "../components/metal/preseed";
import { InstallSpec } from "../components/metal/spec";
import { debianNode, fedoraNode, OPERATOR_KEY } from "./metal-fixtures";
import { generateEd25519KeyPair } from "../components/secrets/openssh";

const dir = mkdtempSync(join(tmpdir(), "hearth-contract-"));
const cache = process.env.HEARTH_CACHE ?? join(homedir(), ".cache", "hearth");

/** The tool's path; a missing tool fails the test with the way to get it. */
function tool(name: string, candidates: string[]): string {
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new Error(
      `${name} is not installed: run \`bash scripts/test-setup.sh\` (npm test runs it first)`,
    );
  return found;
}

const dnsmasq = () => tool("dnsmasq", ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"]);
const debconf = () => tool("debconf-set-selections", ["/usr/bin/debconf-set-selections"]);
const cloudInit = () => tool("cloud-init", ["/usr/bin/cloud-init"]);
const ksvalidator = () =>
  tool("ksvalidator", [join(cache, "venv-pykickstart-3.78", "bin", "ksvalidator")]);

let counter = 0;
/** Writes `text` to a fresh file and runs the tool on it; returns exit status and everything it printed. */
function check(cmd: string, args: (file: string) => string[], text: string) {
  const file = join(dir, `file-${counter++}`);
  writeFileSync(file, text, { mode: 0o600 });
  const r = spawnSync(cmd, args(file), { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const keys = generateEd25519KeyPair("root@node-a");
const node = (over: Partial<InstallSpec> = {}) => debianNode({ hostKey: keys, ...over });
const fedora = (over: Partial<InstallSpec> = {}) => fedoraNode({ hostKey: keys, ...over });

// Every option Hearth exposes on a node, one case each (plus the defaults).
const optionCases: [string, Partial<InstallSpec>][] = [
  ["defaults with a static address", {}],
  ["DHCP instead of a static address", { ip: undefined }],
  ["an NVMe disk", { disk: "/dev/nvme0n1" }],
  ["another host name", { name: "storage-02" }],
  [
    "two SSH keys",
    { authorizedKeys: [OPERATOR_KEY, keys.publicKey.replace("root@node-a", "backup@nas")] },
  ],
  ["another time zone", { timezone: "America/New_York" }],
  ["extra packages", { packages: ["htop", "curl", "nfs-common"] }],
  ["no extra packages", { packages: [] }],
  ["an install proxy", { proxy: "http://192.168.1.5:3142" }],
  ["a serial console", { serialConsole: "ttyS0,115200n8" }],
  [
    "an end-of-install report",
    { reportUrl: "http://192.168.1.5:8080/nodes/52-54-00-12-34-56.installed" },
  ],
];

describe("dnsmasq --test accepts the PXE controller's config", () => {
  const spec = {
    serverAddress: "192.168.1.5",
    httpPort: 8080,
    network: "192.168.1.0/24",
    tftpRoot: "/srv/hearth/tftp",
    macs: ["52:54:00:12:34:56", "52:54:00:12:34:57"],
  };
  it.each([
    ["on every interface", spec],
    ["bound to one interface", { ...spec, interface: "enp1s0" }],
    ["with one node", { ...spec, macs: ["aa:bb:cc:dd:ee:ff"] }],
  ])("%s", (_label, s) => {
    const r = check(dnsmasq(), (f) => ["--test", "-C", f], renderDnsmasqConfig(s));
    expect(r.output).toContain("syntax check OK");
    expect(r.status).toBe(0);
  });
  it("and rejects a broken one", () => {
    const r = check(
      dnsmasq(),
      (f) => ["--test", "-C", f],
      `${renderDnsmasqConfig(spec)}\nno-such-option\n`,
    );
    expect(r.status).not.toBe(0);
  });
});

describe("debconf-set-selections --checkonly accepts the Debian preseed", () => {
  it.each(optionCases)("%s", (_label, over) => {
    const r = check(debconf(), (f) => ["--checkonly", f], renderPreseed(node(over)));
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  });
  it("and rejects a broken one", () => {
    const r = check(debconf(), (f) => ["--checkonly", f], `${renderPreseed(node())}\nd-i broken\n`);
    expect(r.status).not.toBe(0);
  });
});

describe("ksvalidator accepts the Fedora kickstart", () => {
  const selinux: [string, Partial<InstallSpec>][] = [
    ["SELinux permissive", { selinux: "permissive" }],
    ["SELinux disabled", { selinux: "disabled" }],
  ];
  it.each([...optionCases, ...selinux])("%s", (_label, over) => {
    const r = check(ksvalidator(), (f) => ["-e", "-v", "F42", f], renderKickstart(fedora(over)));
    // ksvalidator names the file it checks; anything else it prints is an error or a warning.
    expect(r.output.replace(/^\s*Checking kickstart file .*$/m, "").trim()).toBe("");
    expect(r.status).toBe(0);
  });
  it("and rejects a broken one", () => {
    const r = check(
      ksvalidator(),
      (f) => ["-e", "-v", "F42", f],
      `${renderKickstart(fedora())}\nnotacommand --x\n`,
    );
    expect(r.status).not.toBe(0);
  });
});

describe("cloud-init schema accepts the Hetzner user-data", () => {
  const base = {
    hostname: "cp1",
    hostKey: keys,
    admin: { user: "hearth", authorizedKeys: [OPERATOR_KEY] },
  };
  it.each([
    ["defaults", base],
    [
      "time zone and packages",
      { ...base, timezone: "Europe/Helsinki", packages: ["htop", "curl"] },
    ],
    ["no upgrade on first boot", { ...base, upgradePackages: false }],
  ])("%s", (_label, opts) => {
    const r = check(cloudInit(), (f) => ["schema", "-c", f], renderCloudInit(opts));
    expect(r.output).toContain("Valid cloud-config");
    expect(r.status).toBe(0);
  });
  it("and rejects a broken one", () => {
    const r = check(
      cloudInit(),
      (f) => ["schema", "-c", f],
      `${renderCloudInit(base)}\npackage_upgrade: sometimes\n`,
    );
    expect(r.status).not.toBe(0);
  });
});
