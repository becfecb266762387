import { spawnSync } from "node:child_process";
import {
  assertCloudInitOptions,
  cloudInitProblems,
  DEFAULT_PACKAGES,
  renderCloudInit,
  toYaml,
} from "./cloud-init";

const HOST_PRIVATE = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBplantedplantedplantedplantedplantedplantedAAAAAA==
-----END OPENSSH PRIVATE KEY-----
`;
const HOST_PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKey host@s1";
const ADMIN_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdmin operator@home";

const opts = {
  hostname: "s1",
  hostKey: { privateKey: HOST_PRIVATE, publicKey: HOST_PUBLIC },
  admin: { user: "hearth", authorizedKeys: [ADMIN_KEY] },
  timezone: "Europe/Berlin",
};

// PyYAML is the parser cloud-init itself uses, so it is the one whose reading counts.
const hasPyYaml = spawnSync("python3", ["-c", "import yaml"]).status === 0;
function parseWithPyYaml(text: string): unknown {
  const r = spawnSync(
    "python3",
    ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))"],
    { input: text, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe("renderCloudInit", () => {
  it("starts with the #cloud-config header", () => {
    expect(renderCloudInit(opts).startsWith("#cloud-config\n")).toBe(true);
  });

  it("plants the host key, keeps only ed25519 and shuts out passwords and root", () => {
    const yaml = renderCloudInit(opts);
    expect(yaml).toContain(
      "ssh_keys:\n  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n",
    );
    expect(yaml).toContain(`  ed25519_public: "${HOST_PUBLIC}"\n`);
    expect(yaml).toContain('ssh_genkeytypes:\n  - "ed25519"\n');
    expect(yaml).toContain("ssh_deletekeys: true\n");
    expect(yaml).toContain("ssh_pwauth: false\n");
    expect(yaml).toContain("disable_root: true\n");
    expect(yaml).toContain("PermitRootLogin no\n");
  });

  (hasPyYaml ? it : it.skip)("reads back exactly as intended through PyYAML", () => {
    const parsed = parseWithPyYaml(renderCloudInit({ ...opts, packages: ["curl", "open-iscsi"] }));
    expect(parsed).toEqual({
      hostname: "s1",
      preserve_hostname: false,
      timezone: "Europe/Berlin",
      ssh_deletekeys: true,
      ssh_genkeytypes: ["ed25519"],
      ssh_keys: { ed25519_private: HOST_PRIVATE, ed25519_public: HOST_PUBLIC },
      ssh_pwauth: false,
      disable_root: true,
      users: [
        {
          name: "hearth",
          groups: ["sudo"],
          shell: "/bin/bash",
          lock_passwd: true,
          sudo: "ALL=(ALL) NOPASSWD:ALL",
          ssh_authorized_keys: [ADMIN_KEY],
        },
      ],
      write_files: [
        {
          path: "/etc/ssh/sshd_config.d/10-hearth.conf",
          owner: "root:root",
          permissions: "0644",
          content:
            "PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n" +
            "PubkeyAuthentication yes\n",
        },
      ],
      package_update: true,
      package_upgrade: true,
      packages: ["curl", "open-iscsi"],
      runcmd: [
        [
          "sh",
          "-c",
          "systemctl reload-or-restart ssh.service || systemctl reload-or-restart sshd.service",
        ],
      ],
    });
  });

  it("defaults the time zone, packages and upgrade", () => {
    const yaml = renderCloudInit({ ...opts, timezone: undefined });
    expect(yaml).toContain('timezone: "UTC"\n');
    expect(yaml).toContain("package_upgrade: true\n");
    for (const pkg of DEFAULT_PACKAGES) expect(yaml).toContain(`  - "${pkg}"\n`);
    expect(renderCloudInit({ ...opts, upgradePackages: false })).toContain(
      "package_upgrade: false\n",
    );
  });

  it("adds a missing final newline to the private key", () => {
    const yaml = renderCloudInit({
      ...opts,
      hostKey: { ...opts.hostKey, privateKey: HOST_PRIVATE.trimEnd() },
    });
    expect(yaml).toContain("    -----END OPENSSH PRIVATE KEY-----\n  ed25519_public:");
    expect(yaml).not.toContain("ed25519_private: |-");
  });

  it.each([
    ["a bad hostname", { hostname: "S_1" }, /not a valid hostname/],
    ["root as admin", { admin: { user: "root", authorizedKeys: [ADMIN_KEY] } }, /other than root/],
    ["no admin keys", { admin: { user: "hearth", authorizedKeys: [] } }, /no authorized keys/],
    [
      "a malformed admin key",
      { admin: { user: "hearth", authorizedKeys: ["not a key"] } },
      /not an OpenSSH public key/,
    ],
    [
      "a non-ed25519 host key",
      { hostKey: { privateKey: HOST_PRIVATE, publicKey: "ssh-rsa AAAA" } },
      /ssh-ed25519/,
    ],
    [
      "a PEM host key",
      { hostKey: { privateKey: "-----BEGIN RSA PRIVATE KEY-----", publicKey: HOST_PUBLIC } },
      /ssh-keygen/,
    ],
    ["a made-up time zone", { timezone: "Berlin time" }, /IANA time zone/],
    ["a package name with shell", { packages: ["curl; reboot"] }, /not a package name/],
  ])("refuses %s", (_label, change, message) => {
    expect(() => renderCloudInit({ ...opts, ...change })).toThrow(message);
  });

  it("checks everything but the secret before the private key is known", () => {
    expect(() =>
      assertCloudInitOptions({ ...opts, hostKey: { publicKey: HOST_PUBLIC } }),
    ).not.toThrow();
    expect(() =>
      assertCloudInitOptions({ ...opts, hostname: "-bad", hostKey: { publicKey: HOST_PUBLIC } }),
    ).toThrow(/-bad/);
  });
});

describe("cloudInitProblems", () => {
  it("lists every problem by field, and leaves the host key out when it is not known yet", () => {
    const problems = cloudInitProblems({
      hostname: "cp1",
      admin: { user: "root", authorizedKeys: ["not a key"] },
      timezone: "Berlin time",
      packages: ["curl", "x;y"],
    });
    expect(problems.map((p) => p.field)).toEqual([
      "admin.user",
      "admin.authorizedKeys",
      "timezone",
      "packages",
    ]);
  });
});

describe("toYaml", () => {
  it("quotes strings that YAML would read as other types", () => {
    expect(toYaml({ a: "yes", b: "0644", c: "null", d: "~" })).toBe(
      'a: "yes"\nb: "0644"\nc: "null"\nd: "~"\n',
    );
  });

  it("writes nested mappings, sequences and empty collections", () => {
    expect(toYaml({ list: [{ x: 1, y: [true] }, "s"], empty: [], none: {} })).toBe(
      'list:\n  - x: 1\n    y:\n      - true\n  - "s"\nempty: []\nnone: {}\n',
    );
  });

  it("uses literal blocks only where they read back exactly", () => {
    expect(toYaml({ k: "a\nb\n" })).toBe("k: |\n  a\n  b\n");
    expect(toYaml({ k: "a\nb" })).toBe("k: |-\n  a\n  b\n");
    expect(toYaml({ k: "a \nb\n" })).toBe('k: "a \\nb\\n"\n');
    expect(toYaml({ k: " a\nb\n" })).toBe('k: " a\\nb\\n"\n');
    expect(toYaml({ k: "a\n\n" })).toBe('k: "a\\n\\n"\n');
  });

  (hasPyYaml ? it : it.skip)("round-trips awkward values through PyYAML", () => {
    const value = {
      "key with space": ["- dash", "#hash", "a: b", 'quote"s', "tab\there", "multi\nline\n", "ünï"],
      nested: [["a", "b"]],
      number: 3,
      flag: false,
    };
    expect(parseWithPyYaml(toYaml(value))).toEqual(value);
  });
});
