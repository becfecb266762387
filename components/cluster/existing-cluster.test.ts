import {
  find,
  installMocks,
  isSecret,
  isSecretInput,
  registrations,
  settle,
  unwrap,
} from "../../test/mocks";

installMocks();

const KUBECONFIG =
  "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: planted\n";

describe("ExistingCluster", () => {
  beforeEach(() => {
    registrations.length = 0;
  });

  it("wraps a plain kubeconfig as a secret and builds a provider for the chosen context", async () => {
    const { ExistingCluster } = await import("./existing-cluster");
    const existing = new ExistingCluster("dev", {
      kubeconfig: KUBECONFIG,
      context: "sandbox",
      version: "v1.31.4",
    });
    await settle();
    const component = find("hearth:cluster:ExistingCluster", "dev");
    const provider = find("pulumi:providers:kubernetes", "dev-provider");
    expect(provider.parent).toBe(component.urn);
    expect(isSecretInput(provider, "kubeconfig")).toBe(true);
    expect(provider.inputs.context).toBe("sandbox");
    // Bound to a name, never to the kubeconfig's server address: another spelling of the same API server
    // must not replace what runs on it (ADR 14).
    expect(provider.inputs.clusterIdentifier).toBe("dev");
    // A Secret or ConfigMap whose content changes is updated, not deleted and created.
    // Provider inputs reach the plugin as strings; it compares with "true" (provider.go, enableSecretMutable).
    expect(provider.inputs.enableSecretMutable).toBe("true");
    expect(provider.inputs.enableConfigMapMutable).toBe("true");
    expect(await isSecret(existing.cluster.kubeconfig)).toBe(true);
    expect(await unwrap(existing.cluster.kubeconfig)).toBe(KUBECONFIG);
    expect(existing.cluster.version).toBe("v1.31.4");
    expect(registrations).toHaveLength(2);
  });

  it("leaves the context to the kubeconfig when none is given", async () => {
    const { ExistingCluster } = await import("./existing-cluster");
    new ExistingCluster("home", { kubeconfig: KUBECONFIG, version: "v1.30.2+k3s1" });
    await settle();
    expect(find("pulumi:providers:kubernetes", "home-provider").inputs.context).toBeUndefined();
  });

  it("takes the operator's cluster id as the provider's identity", async () => {
    const { ExistingCluster } = await import("./existing-cluster");
    new ExistingCluster("home", {
      kubeconfig: KUBECONFIG,
      version: "v1.30.2",
      clusterIdentifier: "nas",
    });
    await settle();
    expect(find("pulumi:providers:kubernetes", "home-provider").inputs.clusterIdentifier).toBe(
      "nas",
    );
  });

  it("refuses a version that is not a Kubernetes version", async () => {
    const { ExistingCluster } = await import("./existing-cluster");
    expect(() => new ExistingCluster("x", { kubeconfig: KUBECONFIG, version: "latest" })).toThrow(
      /kubectl version/,
    );
  });
});
