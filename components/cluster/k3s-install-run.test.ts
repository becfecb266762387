/**
 * The k3s install script run by bash with /etc and /var/lib moved under a temporary root and curl, k3s,
 * systemctl, sysctl and ip replaced by stubs: install once, pinned sums, a local binary, a first server
 * rejoining after its etcd data is gone, the agent token, and the refusals. The script as text is in
 * k3s-install.test.ts.
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { K3S_PATHS, k3sServerFlags } from "./k3s-flags";
import {
  k3sHardeningFiles,
  renderAuditPolicy,
  renderKernelSettings,
  renderPodSecurityConfig,
} from "./k3s-hardening";
import { k3sInstallScript } from "./k3s-install";

const VERSION = "v1.31.4+k3s1";
/** What a server's install reads on stdin: the join token, then the agent token. */
const SERVER_STDIN = "planted-token\nplanted-agent-token\n";

describe("k3sInstallScript, run against stub commands", () => {
  // Runs the script with /etc and /var/lib moved under a temp root and curl, k3s, systemctl, sysctl
  // and ip replaced by stubs that record what they were asked to do.
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  function sandbox(): {
    root: string;
    run: (script: string, stdin: string) => ReturnType<typeof spawnSync>;
  } {
    const root = mkdtempSync(join(tmpdir(), "hearth-k3s-"));
    roots.push(root);
    const bin = join(root, "bin");
    mkdirSync(bin);
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    // curl -o FILE URL: the installer for the install script's URL, else a stand-in binary.
    stub(
      "curl",
      [
        'out=""; url=""',
        'while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; --retry) shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done',
        `echo "curl $url" >> "${root}/calls"`,
        'case "$url" in',
        `  */cacerts) grep -qxF "$url" "${root}/peers-up" 2>/dev/null || exit 7; [ -z "$out" ] || : > "$out" ;;`,
        `  *k3s-binary*) printf 'fake k3s binary\\n' > "$out" ;;`,
        `  *) printf '%s\\n' 'echo "$INSTALL_K3S_VERSION skip=\${INSTALL_K3S_SKIP_DOWNLOAD:-} $*" > "${root}/installed-with"' 'echo "k3s version $INSTALL_K3S_VERSION (abc)" > "${root}/version"' > "$out" ;;`,
        "esac",
      ].join("\n"),
    );
    stub("k3s", `cat "${root}/version" 2>/dev/null || exit 1`);
    stub("systemctl", `[ -f "${root}/version" ]`);
    stub("sysctl", `echo "sysctl $*" >> "${root}/calls"`);
    stub(
      "ip",
      `printf '1: lo    inet 127.0.0.1/8 scope host lo\\n2: ens10    inet 10.0.0.1/32 scope global ens10\\n'`,
    );
    const run = (script: string, stdin: string) =>
      spawnSync(
        "bash",
        [
          "-c",
          script
            .replaceAll("/etc/", `${root}/etc/`)
            .replaceAll("/var/lib/", `${root}/var/lib/`)
            .replaceAll("/usr/local/bin/", `${root}/usr/local/bin/`),
        ],
        {
          input: stdin,
          encoding: "utf8",
          env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        },
      );
    return { root, run };
  }

  const flags = k3sServerFlags({ nodeName: "s1", nodeIp: "10.0.0.1" });
  const opts = {
    role: "server" as const,
    version: VERSION,
    flags,
    files: k3sHardeningFiles("server"),
    nodeIp: "10.0.0.1",
  };

  it("installs once, writes token and files, then does nothing until a setting changes", () => {
    const { root, run } = sandbox();
    const first = run(k3sInstallScript(opts), SERVER_STDIN);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    const tokenFile = join(root, K3S_PATHS.tokenFile);
    expect(readFileSync(tokenFile, "utf8")).toBe("planted-token");
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(root, K3S_PATHS.podSecurityConfig), "utf8")).toBe(
      renderPodSecurityConfig(),
    );
    expect(readFileSync(join(root, K3S_PATHS.auditPolicy), "utf8")).toBe(renderAuditPolicy());
    expect(readFileSync(join(root, K3S_PATHS.kernelSettings), "utf8")).toBe(renderKernelSettings());
    const installedWith = readFileSync(join(root, "installed-with"), "utf8");
    expect(installedWith).toMatch(/^v1\.31\.4\+k3s1 skip= server --cluster-init /);
    expect(installedWith).toContain("--flannel-iface=ens10");
    expect(installedWith).not.toContain("planted-token");
    expect(existsSync(join(root, K3S_PATHS.stampFile))).toBe(true);

    const again = run(k3sInstallScript(opts), SERVER_STDIN);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("already runs");
    expect(readFileSync(join(root, "calls"), "utf8").match(/^curl /gm)).toHaveLength(1);

    const changed = run(
      k3sInstallScript({ ...opts, flags: [...flags, "--disable=traefik"] }),
      SERVER_STDIN,
    );
    expect(changed.status).toBe(0);
    expect(readFileSync(join(root, "calls"), "utf8").match(/^curl /gm)).toHaveLength(2);
    expect(readFileSync(join(root, "installed-with"), "utf8")).toContain("--disable=traefik");
  });

  it("refuses an installer whose SHA-256 is not the pinned one, before running it", () => {
    const { root, run } = sandbox();
    const r = run(k3sInstallScript({ ...opts, installScriptSha256: "0".repeat(64) }), SERVER_STDIN);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `https://get\\.k3s\\.io has SHA-256 [0-9a-f]{64}, not the pinned ${"0".repeat(64)}`,
      ),
    );
    expect(existsSync(join(root, "installed-with"))).toBe(false);
  });

  it("installs a pinned local binary with the installer downloading nothing, after checking both sums", () => {
    const { root, run } = sandbox();
    mkdirSync(join(root, "usr/local/bin"), { recursive: true });
    const sum = (text: string) => createHash("sha256").update(text).digest("hex");
    // What the curl stub serves for each URL.
    const installer = `echo "$INSTALL_K3S_VERSION skip=\${INSTALL_K3S_SKIP_DOWNLOAD:-} $*" > "${root}/installed-with"\necho "k3s version $INSTALL_K3S_VERSION (abc)" > "${root}/version"\n`;
    const binary = {
      url: "http://pxe.lan/k3s-binary/v1.31.4+k3s1",
      sha256: sum("fake k3s binary\n"),
    };
    const good = run(
      k3sInstallScript({ ...opts, installScriptSha256: sum(installer), binary }),
      SERVER_STDIN,
    );
    expect(good.stderr).toBe("");
    expect(good.status).toBe(0);
    expect(readFileSync(join(root, "usr/local/bin/k3s"), "utf8")).toBe("fake k3s binary\n");
    expect(statSync(join(root, "usr/local/bin/k3s")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(root, "installed-with"), "utf8")).toMatch(
      /^v1\.31\.4\+k3s1 skip=true server /,
    );

    rmSync(join(root, "usr/local/bin/k3s"));
    const bad = run(
      k3sInstallScript({
        ...opts,
        flags: [...flags, "--disable=x"],
        binary: { ...binary, sha256: "f".repeat(64) },
      }),
      SERVER_STDIN,
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(
      `k3s-binary/v1.31.4+k3s1 has SHA-256 ${binary.sha256}, not the pinned ${"f".repeat(64)}`,
    );
    expect(existsSync(join(root, "usr/local/bin/k3s"))).toBe(false);
  });

  it("a first server whose etcd data is gone rejoins a peer that serves the cluster CA, with the secure token", () => {
    const rejoin = { ...opts, rejoinUrls: ["https://10.0.0.2:6443", "https://10.0.0.3:6443"] };
    // The stub peers serve an empty CA bundle: its SHA-256 is the cluster's for this test.
    const clusterCa = createHash("sha256").update("").digest("hex");
    // The first install: no peer answers yet, so it starts the cluster.
    const boot = sandbox();
    expect(boot.run(k3sInstallScript(rejoin), `${SERVER_STDIN}\n`).status).toBe(0);
    expect(readFileSync(join(boot.root, "installed-with"), "utf8")).toContain(" --cluster-init ");

    // A wiped disk (no etcd member directory) while the third server answers with the cluster CA: join it,
    // with the token in the secure form so that k3s checks the CA again before it sends the token.
    const wiped = sandbox();
    writeFileSync(join(wiped.root, "peers-up"), "https://10.0.0.3:6443/cacerts\n");
    const r = wiped.run(k3sInstallScript(rejoin), `${SERVER_STDIN}${clusterCa}\n`);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      "no etcd data here while https://10.0.0.3:6443 answers with the cluster CA; joining the existing cluster",
    );
    const joined = readFileSync(join(wiped.root, "installed-with"), "utf8");
    expect(joined).toContain(" --server=https://10.0.0.3:6443 ");
    expect(joined).not.toContain("--cluster-init");
    expect(readFileSync(join(wiped.root, K3S_PATHS.tokenFile), "utf8")).toBe(
      `K10${clusterCa}::server:planted-token`,
    );

    // A peer serving another CA (someone else at its address) gets neither the token nor a second cluster.
    const impostor = sandbox();
    writeFileSync(join(impostor.root, "peers-up"), "https://10.0.0.2:6443/cacerts\n");
    const bad = impostor.run(k3sInstallScript(rejoin), `${SERVER_STDIN}${"cd".repeat(32)}\n`);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`serves a CA with SHA-256 ${clusterCa}, not the cluster CA`);
    expect(bad.stderr).toContain("refusing to start a second cluster");
    expect(existsSync(join(impostor.root, "installed-with"))).toBe(false);

    // Without a CA hash to check against, a peer that answers is not trusted either.
    const blind = sandbox();
    writeFileSync(join(blind.root, "peers-up"), "https://10.0.0.2:6443/cacerts\n");
    const unchecked = blind.run(k3sInstallScript(rejoin), SERVER_STDIN);
    expect(unchecked.status).toBe(1);
    expect(unchecked.stderr).toContain("Hearth read no cluster CA hash to check it against");
    expect(existsSync(join(blind.root, "installed-with"))).toBe(false);

    // A server that is already an etcd member keeps its flags, peers or not.
    const member = sandbox();
    writeFileSync(join(member.root, "peers-up"), "https://10.0.0.2:6443/cacerts\n");
    mkdirSync(join(member.root, K3S_PATHS.etcdDataDir), { recursive: true });
    expect(member.run(k3sInstallScript(rejoin), SERVER_STDIN).status).toBe(0);
    expect(readFileSync(join(member.root, "installed-with"), "utf8")).toContain(" --cluster-init ");
    expect(readFileSync(join(member.root, "calls"), "utf8")).not.toContain("cacerts");
  });

  it("writes a server's agent token for --agent-token-file, and refuses a server install without one", () => {
    const { root, run } = sandbox();
    expect(run(k3sInstallScript(opts), SERVER_STDIN).status).toBe(0);
    expect(readFileSync(join(root, K3S_PATHS.agentTokenFile), "utf8")).toBe("planted-agent-token");
    expect(readFileSync(join(root, "installed-with"), "utf8")).toContain(
      `--agent-token-file=${root}${K3S_PATHS.agentTokenFile}`,
    );
    const none = sandbox().run(k3sInstallScript(opts), "planted-token\n");
    expect(none.status).toBe(1);
    expect(none.stderr).toContain("no agent token on stdin");
  });

  it("refuses to run without a token on stdin", () => {
    const { run } = sandbox();
    const r = run(k3sInstallScript(opts), "");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no join token on stdin");
  });

  it("stops when no interface holds the node IP", () => {
    const { run } = sandbox();
    const r = run(k3sInstallScript({ ...opts, nodeIp: "10.9.9.9" }), "t\na\n");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no interface holds 10.9.9.9");
  });
});
