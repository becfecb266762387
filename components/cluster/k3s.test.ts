/**
 * The K3s component under Pulumi mocks: its children and their parent, the first server founding the cluster
 * and the rest joining it, tokens on stdin as secrets, the token and CA-hash reads, the order of the installs,
 * and a registration endpoint. The kubeconfig, changes and refusals are in k3s-changes.test.ts; the fixtures in
 * test/k3s-fixtures.ts.
 */
import {
  build,
  CA_HASH,
  COMMAND,
  plain,
  SECURE_AGENT_TOKEN,
  SECURE_TOKEN,
} from "../../test/k3s-fixtures";
import { find, isSecretInput, ofType, registrations, unwrap } from "../../test/mocks";

describe("K3s", () => {
  beforeEach(() => {
    registrations.length = 0;
  });

  it("creates a token, one install per node, a kubeconfig read and a provider, all parented", async () => {
    await build();
    const component = find("hearth:cluster:K3s", "c");
    const children = [
      find("hearth:secrets:GeneratedPassword", "c-token"),
      find(COMMAND, "c-s1"),
      find(COMMAND, "c-s2"),
      find(COMMAND, "c-s3"),
      find(COMMAND, "c-a1"),
      find(COMMAND, "c-join-token"),
      find(COMMAND, "c-agent-join-token"),
      find(COMMAND, "c-ca-pin"),
      find("hearth:secrets:GeneratedPassword", "c-agent-token"),
      find(COMMAND, "c-kubeconfig"),
      find("pulumi:providers:kubernetes", "c-provider"),
    ];
    for (const child of children) expect(child.parent).toBe(component.urn);
    expect(ofType(COMMAND)).toHaveLength(8);
    expect(find("hearth:secrets:GeneratedPassword", "c-token").inputs).toMatchObject({
      length: 48,
    });
    expect(find("hearth:secrets:GeneratedPassword", "c-token").inputs.special).toBeUndefined();
  });

  it("installs the first server with --cluster-init and joins the rest to it", async () => {
    await build();
    const s1 = String(find(COMMAND, "c-s1").inputs.create);
    const s2 = String(find(COMMAND, "c-s2").inputs.create);
    const a1 = String(find(COMMAND, "c-a1").inputs.create);
    // --cluster-init, unless its disk lost the etcd data while another server answers: then it rejoins.
    expect(s1).toContain("cluster_flag=--cluster-init");
    expect(s1).toContain(
      `for peer in '\\''https://10.0.0.2:6443'\\'' '\\''https://10.0.0.3:6443'\\''`,
    );
    expect(s1).toContain(`'\\''server'\\'' "$cluster_flag"`);
    expect(s1).not.toContain("'\\''--server=");
    expect(s2).toContain("--server=https://10.0.0.1:6443");
    expect(s2).not.toContain("--cluster-init");
    expect(a1).toContain(`install.sh" '\\''agent'\\'' '\\''--server=https://10.0.0.1:6443'\\''`);
    expect(a1).toContain("--node-label=tier=worker");
    expect(a1).not.toContain("--disable=traefik");
    expect(s1).toContain("--disable=traefik");
    expect(s1).toContain("INSTALL_K3S_VERSION='\\''v1.31.4+k3s1'\\''");
    expect(s1).toContain("--node-ip=10.0.0.1");
    // Every server address and SSH host is in the API certificate.
    for (const san of [
      "10.0.0.1",
      "10.0.0.2",
      "10.0.0.3",
      "s1.public.example.org",
      "s3.public.example.org",
    ]) {
      expect(s1).toContain(`--tls-san=${san}`);
    }
    // Updates rerun the same script in place instead of replacing the resource.
    expect(find(COMMAND, "c-s1").inputs.update).toBe(s1);
  });

  it("passes the token on stdin as a secret, never on the command line; joiners get the CA-pinning form", async () => {
    await build();
    const read = find(COMMAND, "c-join-token");
    expect(plain(read.inputs.create)).toContain("cat /var/lib/rancher/k3s/server/token");
    expect(read.inputs.logging).toBe("stderr");
    for (const n of ["c-s1", "c-s2", "c-s3", "c-a1"]) {
      const cmd = find(COMMAND, n);
      expect(isSecretInput(cmd, "stdin")).toBe(true);
      // The first server can only start with the short token; every joiner checks the CA hash first. Servers
      // get the agent token to run with (--agent-token-file), the first one the CA hash a rejoin checks; agents
      // get the agents' secure token and never the server token.
      const want: Record<string, string> = {
        "c-s1": `planted-join-token\nplanted-agent-token\n${CA_HASH}\n`,
        "c-s2": `${SECURE_TOKEN.trim()}\nplanted-agent-token\n`,
        "c-s3": `${SECURE_TOKEN.trim()}\nplanted-agent-token\n`,
        "c-a1": SECURE_AGENT_TOKEN,
      };
      expect(plain(cmd.inputs.stdin)).toBe(want[n]);
      if (n === "c-a1") expect(plain(cmd.inputs.stdin)).not.toContain("server:");
      for (const secret of ["planted-join-token", "planted-agent-token"]) {
        expect(JSON.stringify(cmd.inputs.create)).not.toContain(secret);
        expect(JSON.stringify(cmd.inputs.triggers)).not.toContain(secret);
      }
      expect(isSecretInput(cmd, "connection.privateKey")).toBe(true);
      expect(plain(cmd.inputs.connection)).toMatchObject({
        host: `${n.slice(2)}.public.example.org`,
        user: "hearth",
        hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHost",
      });
    }
  });

  it("reads the agents' token from the first server and the CA hash from the second, each over pinned SSH", async () => {
    await build();
    const agentRead = find(COMMAND, "c-agent-join-token");
    expect(plain(agentRead.inputs.create)).toContain("/var/lib/rancher/k3s/server/agent-token");
    expect(plain(agentRead.inputs.create)).toContain("is the server token");
    expect(agentRead.inputs.logging).toBe("stderr");
    expect(agentRead.dependencies).toContain(find(COMMAND, "c-s1").urn);
    expect(find(COMMAND, "c-a1").dependencies).toContain(agentRead.urn);
    const pin = find(COMMAND, "c-ca-pin");
    expect(plain(pin.inputs.connection)).toMatchObject({ host: "s2.public.example.org" });
    expect(plain(pin.inputs.create)).toContain("/var/lib/rancher/k3s/server/token");
    // It runs before the first server's install, whose stdin carries what it read.
    expect(find(COMMAND, "c-s1").dependencies).toContain(pin.urn);
    expect(find(COMMAND, "c-s1").inputs.create).toEqual(
      expect.stringContaining("--agent-token-file=/etc/rancher/k3s/hearth-agent-token"),
    );
  });

  it("orders servers one after another, agents after servers, the read after all", async () => {
    const { osReady } = await build();
    const urn = (n: string) => find(COMMAND, n).urn;
    const deps = (n: string) => find(COMMAND, n).dependencies;
    expect(deps("c-s1")).not.toContain(urn("c-s2"));
    expect(deps("c-s2")).toContain(urn("c-s1"));
    expect(deps("c-s3")).toContain(urn("c-s2"));
    expect(deps("c-a1")).toEqual(expect.arrayContaining([urn("c-s1"), urn("c-s2"), urn("c-s3")]));
    expect(deps("c-a1")).toContain(find("hearth:secrets:GeneratedPassword", "a1-os").urn);
    expect(osReady).toBeDefined();
    expect(deps("c-kubeconfig")).toEqual(
      expect.arrayContaining([urn("c-s1"), urn("c-s2"), urn("c-s3"), urn("c-a1")]),
    );
    expect(find("pulumi:providers:kubernetes", "c-provider").dependencies).toContain(
      urn("c-kubeconfig"),
    );
  });

  it("with a registration endpoint, joiners and the kubeconfig use it instead of the first server", async () => {
    const { k3s } = await build({ endpoint: "k3s.home.lan" });
    const s1 = String(find(COMMAND, "c-s1").inputs.create);
    expect(s1).toContain("--tls-san=k3s.home.lan");
    for (const n of ["c-s2", "c-s3", "c-a1"]) {
      const script = String(find(COMMAND, n).inputs.create);
      expect(script).toContain("--server=https://k3s.home.lan:6443");
      expect(script).not.toContain("--server=https://10.0.0.1:6443");
    }
    expect(await unwrap(k3s.cluster.kubeconfig)).toContain("server: https://k3s.home.lan:6443");
  });
});
