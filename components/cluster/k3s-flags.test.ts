import { assertK3sVersion, K3S_PATHS, k3sAgentFlags, k3sServerFlags } from "./k3s-flags";
import { assertNoManagedFlags, k3sFlagProblem, managedFlagProblems } from "./k3s-managed-flags";

describe("assertK3sVersion", () => {
  it.each(["v1.31.4+k3s1", "v1.30.10+k3s2"])("accepts %s", (v) => {
    expect(() => assertK3sVersion(v)).not.toThrow();
  });
  it.each([
    "1.31.4+k3s1",
    "v1.31.4",
    "v1.31+k3s1",
    "latest",
    "v1.31.4-rc1+k3s1",
    "v1.31.4+k3s1; rm",
  ])("rejects %s", (v) => {
    expect(() => assertK3sVersion(v)).toThrow(/v1\.31\.4\+k3s1/);
  });
});

describe("k3sServerFlags", () => {
  it("bootstraps the first server with embedded etcd and full CIS hardening", () => {
    const flags = k3sServerFlags({
      nodeName: "s1",
      nodeIp: "10.0.0.1",
      tlsSans: ["10.0.0.1", "s1.lan"],
    });
    expect(flags).toContain("--cluster-init");
    expect(flags.some((f) => f.startsWith("--server"))).toBe(false);
    expect(flags).toEqual(
      expect.arrayContaining([
        "--node-name=s1",
        "--node-ip=10.0.0.1",
        `--token-file=${K3S_PATHS.tokenFile}`,
        "--write-kubeconfig-mode=0600",
        "--tls-san=10.0.0.1",
        "--tls-san=s1.lan",
        "--secrets-encryption",
        "--protect-kernel-defaults",
        `--kube-apiserver-arg=admission-control-config-file=${K3S_PATHS.podSecurityConfig}`,
        `--kube-apiserver-arg=audit-policy-file=${K3S_PATHS.auditPolicy}`,
        `--kube-apiserver-arg=audit-log-path=${K3S_PATHS.auditLog}`,
        "--kube-apiserver-arg=audit-log-maxage=30",
        "--kube-apiserver-arg=audit-log-maxbackup=10",
        "--kube-apiserver-arg=audit-log-maxsize=100",
        "--kube-apiserver-arg=enable-admission-plugins=NodeRestriction,EventRateLimit",
        "--kube-apiserver-arg=service-account-extend-token-expiration=false",
        "--kubelet-arg=streaming-connection-idle-timeout=5m",
      ]),
    );
    // The token itself never becomes a flag: it would show in the process list.
    expect(flags.some((f) => /^--token(=|$)/.test(f) || f === "-t")).toBe(false);
  });

  it("sets the pod and service networks from config, and refuses them as free-form flags", () => {
    const flags = k3sServerFlags({
      nodeName: "s1",
      podCidr: "10.50.0.0/16",
      serviceCidr: "10.51.0.0/16",
    });
    expect(flags).toEqual(
      expect.arrayContaining(["--cluster-cidr=10.50.0.0/16", "--service-cidr=10.51.0.0/16"]),
    );
    expect(k3sServerFlags({ nodeName: "s1" }).some((f) => /cidr/.test(f))).toBe(false);
    expect(() => assertNoManagedFlags("server", ["--cluster-cidr=10.9.0.0/16"], true)).toThrow(
      /cluster-cidr/,
    );
  });

  it("joins later servers to the first and appends extra flags last", () => {
    const flags = k3sServerFlags({
      nodeName: "s2",
      serverUrl: "https://10.0.0.1:6443",
      extraFlags: ["--disable=metrics-server", "--tls-san=api.home.example.org"],
    });
    expect(flags[0]).toBe("--server=https://10.0.0.1:6443");
    expect(flags).not.toContain("--cluster-init");
    expect(flags.slice(-2)).toEqual(["--disable=metrics-server", "--tls-san=api.home.example.org"]);
  });

  it("disables k3s's bundled Traefik on every server, and keeps ServiceLB", () => {
    for (const flags of [
      k3sServerFlags({ nodeName: "s1" }),
      k3sServerFlags({ nodeName: "s2", serverUrl: "https://10.0.0.1:6443", cisHardening: false }),
    ]) {
      expect(flags).toContain("--disable=traefik");
      // Hearth's Traefik is a LoadBalancer on the home network and nothing else would give it an
      // address.
      expect(flags.join(" ")).not.toMatch(/servicelb/);
    }
    expect(k3sAgentFlags({ nodeName: "a1", serverUrl: "https://10.0.0.1:6443" })).not.toContain(
      "--disable=traefik",
    );
  });

  it("deduplicates TLS SANs", () => {
    const flags = k3sServerFlags({ nodeName: "s1", tlsSans: ["a", "b", "a"] });
    expect(flags.filter((f) => f.startsWith("--tls-san="))).toEqual(["--tls-san=a", "--tls-san=b"]);
  });

  it("drops hardening flags when CIS hardening is off", () => {
    const flags = k3sServerFlags({ nodeName: "s1", cisHardening: false });
    expect(flags.join(" ")).not.toMatch(/secrets-encryption|protect-kernel|audit|admission/);
    expect(flags).toContain("--write-kubeconfig-mode=0600");
  });

  it.each([
    ["--token=abc", /--token/],
    ["-t", /--token/],
    ["--server=https://x:6443", /--server/],
    ["--cluster-init", /--cluster-init/],
    ["--node-name=other", /--node-name/],
    ["--write-kubeconfig-mode=0644", /--write-kubeconfig-mode/],
    ["--secrets-encryption", /--secrets-encryption/],
    ["--kube-apiserver-arg=audit-log-path=/tmp/a", /audit-log-path/],
    ["--kubelet-arg=streaming-connection-idle-timeout=0", /streaming-connection-idle-timeout/],
  ])("rejects managed flag %s, naming it", (flag, named) => {
    expect(() => k3sServerFlags({ nodeName: "s1", extraFlags: [flag] })).toThrow(named);
  });

  it("rejects a managed component arg given as a separate value", () => {
    expect(() =>
      assertNoManagedFlags("server", ["--kube-apiserver-arg", "admission-control-config-file=/x"]),
    ).toThrow(/admission-control-config-file/);
    expect(() =>
      assertNoManagedFlags("server", [
        "--kube-apiserver-arg=enable-admission-plugins=AlwaysPullImages",
      ]),
    ).toThrow(/enable-admission-plugins/);
  });

  it("lists every managed flag at once, with its index, name and kind", () => {
    const flags = [
      "--disable=servicelb",
      "--cluster-cidr=10.50.0.0/16",
      "--secrets-encryption",
      "--kubelet-arg",
      "tls-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA",
      "-t",
    ];
    expect(
      managedFlagProblems("server", flags).map((p) => [p.index, p.flag, p.managed, p.kind]),
    ).toEqual([
      [1, "--cluster-cidr=10.50.0.0/16", "cluster-cidr", "managed"],
      [2, "--secrets-encryption", "secrets-encryption", "cis"],
      [
        3,
        "--kubelet-arg tls-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA",
        "tls-cipher-suites",
        "cis",
      ],
      [5, "-t", "token", "managed"],
    ]);
    expect(managedFlagProblems("server", flags, false).map((p) => p.index)).toEqual([1, 5]);
  });

  it("lets the operator own hardening flags once hardening is off", () => {
    expect(() =>
      k3sServerFlags({ nodeName: "s1", cisHardening: false, extraFlags: ["--secrets-encryption"] }),
    ).not.toThrow();
    expect(() =>
      k3sServerFlags({ nodeName: "s1", cisHardening: false, extraFlags: ["--token=x"] }),
    ).toThrow(/--token/);
  });

  it("allows unrelated component args", () => {
    expect(() =>
      assertNoManagedFlags("server", [
        "--kube-apiserver-arg=oidc-issuer-url=https://sso.example.org",
      ]),
    ).not.toThrow();
  });
});

describe("k3sAgentFlags", () => {
  it("joins the server with kubelet hardening and no server-only flags", () => {
    const flags = k3sAgentFlags({
      nodeName: "a1",
      serverUrl: "https://10.0.0.1:6443",
      nodeIp: "10.0.0.9",
    });
    expect(flags).toEqual(
      expect.arrayContaining([
        "--server=https://10.0.0.1:6443",
        "--node-name=a1",
        "--node-ip=10.0.0.9",
        `--token-file=${K3S_PATHS.tokenFile}`,
        "--protect-kernel-defaults",
        "--kubelet-arg=streaming-connection-idle-timeout=5m",
      ]),
    );
    expect(flags.join(" ")).not.toMatch(
      /secrets-encryption|kube-apiserver-arg|cluster-init|tls-san/,
    );
  });

  it("rejects managed agent flags", () => {
    expect(() =>
      k3sAgentFlags({
        nodeName: "a1",
        serverUrl: "https://s:6443",
        extraFlags: ["-s", "https://x"],
      }),
    ).toThrow(/--server/);
  });
});

describe("k3sFlagProblem", () => {
  it.each([
    "--disable=servicelb",
    "--node-label=zone=attic",
    "--node-taint=dedicated=gpu:NoSchedule",
    "--kubelet-arg=eviction-hard=memory.available<100Mi",
    "--kube-apiserver-arg=oidc-issuer-url=https://auth.home.example.org/",
    "--kube-apiserver-arg=feature-gates=A=true,B=false",
    "--flannel-backend=wireguard-native",
  ])("takes %s", (flag) => {
    expect(k3sFlagProblem(flag)).toBeUndefined();
  });

  // Each of these would reach the systemd unit k3s's installer writes as something else than the flag.
  it.each([
    ["a newline (a directive of its own)", "--node-label=a=b\nExecStartPre=/bin/sh -c 'id'"],
    ["a carriage return", "--node-label=a=b\r"],
    ["systemd's variable expansion", "--kubelet-arg=root-dir=${HOME}"],
    ["a systemd specifier", "--node-label=host=%H"],
    ["a space (systemd splits on it)", "--node-label=a=b c"],
    ["a backslash (systemd's escape)", "--node-label=a=b\\"],
    ["a single quote", "--node-label=a='b'"],
    ["a double quote", '--node-label=a="b"'],
    ["a backtick", "--node-label=a=`id`"],
    ["a tab", "--node-label=a=b\tc"],
    ["no leading --", "node-label=a=b"],
    ["a capital in the name", "--Node-label=a"],
  ])("refuses %s", (_what, flag) => {
    expect(k3sFlagProblem(flag)).toMatch(/k3s flag|systemd unit/);
  });

  it("is enforced by the flag builders, whoever calls them", () => {
    expect(() =>
      k3sServerFlags({ nodeName: "s1", extraFlags: ["--node-label=a=b\nExecStartPre=/bin/true"] }),
    ).toThrow(/systemd unit/);
    expect(() =>
      k3sAgentFlags({
        nodeName: "a1",
        serverUrl: "https://s:6443",
        extraFlags: ["--node-label=$(id)"],
      }),
    ).toThrow(/systemd unit/);
  });
});
