/**
 * The HelmApp under Pulumi mocks: the namespace, deny-first policies, Secrets and an atomic release, data
 * guarded, the defaults, the chart's source (a local directory, OCI), the refusals, and secret values. The
 * routes (Ingress, forward-auth, certificates) are in helm-app-routes.test.ts; the fixtures in
 * test/helm-app-fixtures.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chart, INGRESS, NP, platform, RELEASE } from "../../test/helm-app-fixtures";
import {
  find,
  isSecret,
  isSecretInput,
  ofType,
  registrations,
  settle,
  unwrap,
} from "../../test/mocks";
import { reveal } from "../../test/mocks";

describe("HelmApp", () => {
  it("creates a labelled namespace, deny-first policies, secret Secrets and an atomic release", async () => {
    const { HelmApp } = await import("./helm-app");
    const app = new HelmApp("demo", {
      platform: platform(),
      namespace: "demo-ns",
      podSecurity: "baseline",
      chart,
      values: { image: { tag: "1.0" }, list: [1, 2], nested: { keep: true, change: "old" } },
      valuesOverride: { list: [3], nested: { change: "new" } },
      secrets: { "demo-admin": { password: pulumi.secret("planted-password") } },
      timeoutSeconds: 300,
    });
    await settle();
    const component = find("hearth:app:HelmApp", "demo");

    const ns = find("kubernetes:core/v1:Namespace", "demo-namespace");
    expect(ns.parent).toBe(component.urn);
    expect(ns.provider).toContain("k8s");
    expect(ns.inputs.metadata).toMatchObject({
      name: "demo-ns",
      labels: {
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/audit": "baseline",
        "pod-security.kubernetes.io/warn": "baseline",
      },
    });
    expect(await unwrap(app.namespace)).toBe("demo-ns");

    const policies = ofType(NP);
    expect(policies.map((p) => p.name).sort()).toEqual([
      "demo-allow-dns",
      "demo-allow-same-namespace",
      "demo-default-deny",
    ]);
    for (const p of policies) {
      expect(p.parent).toBe(component.urn);
      expect((p.inputs.metadata as Record<string, unknown>).namespace).toBe("demo-ns");
    }
    expect(find(NP, "demo-default-deny").inputs.spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
    });

    const secret = find("kubernetes:core/v1:Secret", "demo-demo-admin");
    expect(secret.parent).toBe(component.urn);
    expect(secret.inputs.metadata).toMatchObject({ name: "demo-admin", namespace: "demo-ns" });
    expect(isSecretInput(secret, "stringData")).toBe(true);
    expect(reveal(secret.inputs.stringData)).toEqual({ password: "planted-password" });

    const release = find(RELEASE, "demo-release");
    expect(release.parent).toBe(component.urn);
    expect(release.inputs).toMatchObject({
      name: "demo",
      namespace: "demo-ns",
      chart: "demo",
      version: "1.2.3",
      repositoryOpts: { repo: "https://charts.example.org" },
      atomic: true,
      cleanupOnFail: true,
      createNamespace: false,
      timeout: 300,
    });
    expect(release.inputs.values).toEqual({
      image: { tag: "1.0" },
      list: [3],
      nested: { keep: true, change: "new" },
    });
    // Secrets and policies exist before the chart starts pods.
    expect(release.dependencies).toEqual(
      expect.arrayContaining([secret.urn, ...policies.map((p) => p.urn)]),
    );
    expect(JSON.stringify(release.inputs.values)).not.toContain("planted-password");

    expect(ofType(INGRESS)).toHaveLength(0);
    expect(app.url).toBeUndefined();
  });

  it("never deletes the namespace of an app that keeps data: a removal or replacement leaves it", async () => {
    const { HelmApp } = await import("./helm-app");
    new HelmApp("data", { platform: platform(), namespace: "data", chart, keepsData: true });
    await settle();
    const ns = find("kubernetes:core/v1:Namespace", "data-namespace");
    expect(ns.options.retainOnDelete).toBe(true);
    // The release itself is not retained: retiring the app stops its workloads. It depends on the app's data,
    // so a removal uninstalls it before the data's delete decides (delete-data) about the namespace.
    const release = find(RELEASE, "data-release");
    expect(release.options.retainOnDelete).toBe(false);
    const data = find("hearth:app:AppData", "data-data");
    expect(release.dependencies).toContain(data.urn);
    expect(data.inputs.namespace).toBe("data");
    expect(isSecretInput(data, "kubeconfig")).toBe(true);
  });

  it("defaults to restricted, a 600 s timeout and no egress beyond DNS", async () => {
    const { HelmApp } = await import("./helm-app");
    new HelmApp("plain", { platform: platform(), namespace: "plain", chart });
    await settle();
    const labels = (
      find("kubernetes:core/v1:Namespace", "plain-namespace").inputs.metadata as {
        labels: Record<string, string>;
      }
    ).labels;
    expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(find("kubernetes:core/v1:Namespace", "plain-namespace").options.retainOnDelete).toBe(
      false,
    );
    expect(find(RELEASE, "plain-release").inputs.timeout).toBe(600);
    expect(ofType(NP).some((p) => p.name.startsWith("plain-allow-egress"))).toBe(false);
    expect(ofType(NP).some((p) => p.name === "plain-allow-from-namespaces")).toBe(false);
  });

  it("reads the chart from a local directory when one is configured", async () => {
    const { HelmApp } = await import("./helm-app");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-charts-"));
    fs.mkdirSync(path.join(dir, "demo"));
    fs.writeFileSync(path.join(dir, "demo", "Chart.yaml"), "name: demo\nversion: 1.2.3\n");
    try {
      new HelmApp("local", {
        platform: platform({ charts: { localDir: dir } }),
        namespace: "local",
        chart,
      });
      await settle();
      const release = find(RELEASE, "local-release");
      // Relative to the working directory the provider shares: no absolute path of this machine in the state.
      const chartInput = String(release.inputs.chart);
      expect(path.isAbsolute(chartInput)).toBe(false);
      expect(path.resolve(process.cwd(), chartInput)).toBe(path.join(dir, "demo"));
      expect(release.inputs.version).toBe("1.2.3");
      expect(release.inputs.repositoryOpts).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes an OCI chart as an oci:// reference", async () => {
    const { HelmApp } = await import("./helm-app");
    new HelmApp("oci", {
      platform: platform(),
      namespace: "oci",
      chart: { repository: "oci://ghcr.io/example/charts", name: "demo", version: "1.2.3" },
    });
    await settle();
    const release = find(RELEASE, "oci-release");
    expect(release.inputs.chart).toBe("oci://ghcr.io/example/charts/demo");
    expect(release.inputs.repositoryOpts).toBeUndefined();
  });

  it("refuses a range or a hostname without a service before registering children", async () => {
    const { HelmApp } = await import("./helm-app");
    expect(
      () =>
        new HelmApp("ranged", {
          platform: platform(),
          namespace: "ranged",
          chart: { ...chart, version: "^1.2" },
        }),
    ).toThrow(/app "ranged": chart version "\^1\.2" is not an exact version/);
    expect(
      () =>
        new HelmApp("lost", {
          platform: platform(),
          namespace: "lost",
          chart,
          hostname: "lost.home.example.org",
        }),
    ).toThrow(/app "lost": hostname lost\.home\.example\.org is set but no service/);
    await settle();
    expect(
      registrations.some((r) => r.type !== "hearth:app:HelmApp" && /ranged|lost/.test(r.name)),
    ).toBe(false);
  });

  it("keeps secret values secret even when passed through values", async () => {
    const { HelmApp } = await import("./helm-app");
    const app = new HelmApp("sv", {
      platform: platform(),
      namespace: "sv",
      chart,
      values: { auth: { token: pulumi.secret("planted-token") } },
    });
    await settle();
    expect(isSecretInput(find(RELEASE, "sv-release"), "values")).toBe(true);
    expect(await isSecret(app.release.values)).toBe(true);
  });
});
