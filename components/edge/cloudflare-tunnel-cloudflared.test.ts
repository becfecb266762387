/**
 * The CloudflareTunnel's cloudflared under Pulumi mocks: a restricted namespace with its policies, the
 * Deployment on the cluster provider, and its defaults.
 */
import { build, CONFIG } from "../../test/cloudflare-tunnel-fixtures";
import { find, registrations, reveal as revealAny } from "../../test/mocks";

describe("CloudflareTunnel", () => {
  it("runs cloudflared in a restricted namespace with the cluster provider", async () => {
    const { k8s } = await build("run", {
      namespace: "edge",
      replicas: 3,
      image: "cloudflare/cloudflared:2024.1.0",
    });
    const component = find("hearth:edge:CloudflareTunnel", "run");
    const k8sRef = `${k8s.urn}::run-k8s-id`;

    const ns = find("kubernetes:core/v1:Namespace", "run-namespace");
    expect(ns.parent).toBe(component.urn);
    expect(ns.provider).toBe(k8sRef);
    expect(ns.inputs.metadata).toEqual({
      name: "edge",
      labels: {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    });
    expect(find("kubernetes:core/v1:Secret", "run-token").provider).toBe(k8sRef);

    // The connector's namespace denies everything but DNS, the ingress controller and Cloudflare's edge.
    const policies = registrations.filter(
      (r) =>
        r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.parent === component.urn,
    );
    expect(policies.map((p) => revealAny(p.inputs.metadata).name).sort()).toEqual([
      "allow-dns",
      "allow-egress-cloudflare",
      "allow-egress-ingress",
      "allow-same-namespace",
      "default-deny",
    ]);
    for (const p of policies) {
      expect(revealAny(p.inputs.metadata).namespace).toBe("edge");
      expect(p.provider).toBe(k8sRef);
    }
    const out = revealAny(
      policies.find((p) => p.name === "run-allow-egress-cloudflare")!.inputs.spec,
    );
    expect(out.egress[0].ports).toEqual([
      { protocol: "TCP", port: 7844 },
      { protocol: "UDP", port: 7844 },
      { protocol: "TCP", port: 443 },
    ]);
    expect(out.egress[0].to[0].ipBlock.except).toEqual(
      expect.arrayContaining(["192.168.0.0/16", "169.254.0.0/16", "10.0.0.0/8"]),
    );
    const toIngress = revealAny(
      policies.find((p) => p.name === "run-allow-egress-ingress")!.inputs.spec,
    );
    expect(toIngress.egress[0].to[0].namespaceSelector.matchLabels).toEqual({
      "kubernetes.io/metadata.name": "ingress-nginx",
    });

    const deployment = find("kubernetes:apps/v1:Deployment", "run-cloudflared");
    expect(deployment.parent).toBe(component.urn);
    for (const p of policies) expect(deployment.dependencies).toContain(p.urn);
    expect(deployment.provider).toBe(k8sRef);
    expect(deployment.dependencies).toContain(find(CONFIG, "run-config").urn);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const spec = deployment.inputs.spec as any;
    expect(deployment.inputs.metadata).toMatchObject({ namespace: "edge" });
    expect(spec.replicas).toBe(3);
    expect(spec.selector.matchLabels).toEqual(spec.template.metadata.labels);
    expect(spec.template.metadata.annotations).toEqual({ "hearth.dev/tunnel-id": "run-tunnel-id" });
    const pod = spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.containers).toHaveLength(1);
    const [c] = pod.containers;
    expect(c.image).toBe("cloudflare/cloudflared:2024.1.0");
    expect([...c.command, ...c.args]).toEqual([
      "cloudflared",
      "tunnel",
      "--no-autoupdate",
      "--metrics",
      "0.0.0.0:2000",
      "run",
    ]);
    expect(c.env).toEqual([
      {
        name: "TUNNEL_TOKEN",
        valueFrom: { secretKeyRef: { name: "run-token-abc123", key: "token" } },
      },
    ]);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/ready", port: 2000 });
    expect(c.resources.requests).toEqual({ cpu: "20m", memory: "64Mi" });
    expect(c.resources.limits.memory).toBe("256Mi");
  });

  it("defaults to two pinned replicas in the cloudflared namespace", async () => {
    const { CLOUDFLARED_IMAGE } = await import("./cloudflare-tunnel");
    await build("dflt");
    expect(CLOUDFLARED_IMAGE).toMatch(/^cloudflare\/cloudflared:\d{4}\.\d+\.\d+$/);
    const deployment = find("kubernetes:apps/v1:Deployment", "dflt-cloudflared");
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const spec = deployment.inputs.spec as any;
    expect(spec.replicas).toBe(2);
    expect(spec.template.spec.containers[0].image).toBe(CLOUDFLARED_IMAGE);
    expect(deployment.inputs.metadata).toMatchObject({ namespace: "cloudflared" });
  });
});
