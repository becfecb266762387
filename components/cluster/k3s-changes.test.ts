/**
 * The K3s component under Pulumi mocks, continued from k3s.test.ts: the kubeconfig it reads and hands on as a
 * secret, what changes (nothing for another order of servers, an install's trigger for another version), the
 * hardening left out, and the refusals before anything is created.
 */
import { build, COMMAND, node, plain } from "../../test/k3s-fixtures";
import { find, isSecret, isSecretInput, ofType, registrations, unwrap } from "../../test/mocks";

describe("K3s", () => {
  beforeEach(() => {
    registrations.length = 0;
  });
  it("reads the kubeconfig without logging it and hands it on as a secret pointing at the first server", async () => {
    const { k3s } = await build();
    const read = find(COMMAND, "c-kubeconfig");
    expect(read.inputs.create).toContain("cat /etc/rancher/k3s/k3s.yaml");
    expect(read.inputs.logging).toBe("stderr");
    expect(plain(read.inputs.connection)).toMatchObject({ host: "s1.public.example.org" });
    expect(await isSecret(k3s.cluster.kubeconfig)).toBe(true);
    const kubeconfig = await unwrap(k3s.cluster.kubeconfig);
    expect(kubeconfig).toContain("server: https://s1.public.example.org:6443");
    expect(kubeconfig).not.toContain("127.0.0.1");
    const provider = find("pulumi:providers:kubernetes", "c-provider");
    expect(isSecretInput(provider, "kubeconfig")).toBe(true);
    // The kubeconfig names whichever server it was read from; the identity stays (ADR 14).
    expect(provider.inputs.clusterIdentifier).toBe("c");
    // Provider inputs reach the plugin as strings; it compares with "true" (provider.go, enableSecretMutable).
    expect(provider.inputs.enableSecretMutable).toBe("true");
    expect(provider.inputs.enableConfigMapMutable).toBe("true");
    expect(k3s.cluster.version).toBe("v1.31.4+k3s1");
  });

  it("changes nothing on any machine when the servers are listed in another order", async () => {
    const scripts = () =>
      Object.fromEntries(
        ofType(COMMAND).map((r) => [r.name, JSON.stringify(plain(r.inputs.create))]),
      );
    await build();
    const before = scripts();
    registrations.length = 0;
    await build({
      nodes: [
        node("s3", "server", "10.0.0.3"),
        node("a1", "agent", "10.0.0.20"),
        node("s2", "server", "10.0.0.2"),
        node("s1", "server", "10.0.0.1"),
      ],
      bootstrap: "s1",
    });
    expect(scripts()).toEqual(before);
    // s1 still founds the cluster, and the kubeconfig is still read from it.
    expect(String(find(COMMAND, "c-s1").inputs.create)).toContain("--cluster-init");
    expect(plain(find(COMMAND, "c-kubeconfig").inputs.connection)).toMatchObject({
      host: "s1.public.example.org",
    });
  });

  it("points the kubeconfig at an explicit API address", async () => {
    const { k3s } = await build({ apiAddress: "k3s.home.example.org" });
    expect(await unwrap(k3s.cluster.kubeconfig)).toContain(
      "server: https://k3s.home.example.org:6443",
    );
    expect(String(find(COMMAND, "c-s1").inputs.create)).toContain("--tls-san=k3s.home.example.org");
  });

  it("changes an install's trigger when the version changes", async () => {
    await build();
    const before = find(COMMAND, "c-s1").inputs.triggers as string[];
    registrations.length = 0;
    await build({ version: "v1.31.5+k3s1" });
    const after = find(COMMAND, "c-s1").inputs.triggers as string[];
    expect(before[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(after[0]).not.toBe(before[0]);
  });

  it("leaves out hardening when asked", async () => {
    await build({ cisHardening: false });
    const s1 = String(find(COMMAND, "c-s1").inputs.create);
    expect(s1).not.toContain("--secrets-encryption");
    expect(s1).not.toContain("psa.yaml");
  });

  it("refuses a cluster without a server, naming the nodes", async () => {
    const { K3s } = await import("./k3s");
    expect(
      () => new K3s("bad", { nodes: [node("a1", "agent", "10.0.0.20")], version: "v1.31.4+k3s1" }),
    ).toThrow(/no node with role "server" \(nodes: a1 \(agent\)\)/);
  });

  it("refuses managed flags, a bad version and duplicate names before creating anything", async () => {
    const { K3s } = await import("./k3s");
    const nodes = [node("s1", "server", "10.0.0.1")];
    expect(() => new K3s("f", { nodes, version: "v1.31.4+k3s1", flags: ["--token=x"] })).toThrow(
      /--token/,
    );
    expect(() => new K3s("v", { nodes, version: "1.31" })).toThrow(/v1\.31\.4\+k3s1/);
    expect(() => new K3s("d", { nodes: [...nodes, ...nodes], version: "v1.31.4+k3s1" })).toThrow(
      /"s1" twice/,
    );
  });
});
