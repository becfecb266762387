import { networkPolicies, serviceUrlNamespace } from "./network-policies";

const base = { allowFromNamespaces: [], publicPorts: [], egress: "none" as const };

describe("networkPolicies", () => {
  it("denies all, then allows DNS and the namespace itself, nothing more by default", () => {
    const policies = networkPolicies(base);
    expect(policies.map((p) => p.suffix)).toEqual([
      "default-deny",
      "allow-dns",
      "allow-same-namespace",
    ]);
    expect(policies[0].spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const dns = policies[1].spec;
    expect(dns.policyTypes).toEqual(["Egress"]);
    expect(dns.egress).toEqual([
      {
        to: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ]);
  });

  it("admits the ingress controller and extra namespaces once each", () => {
    const policies = networkPolicies({
      ...base,
      ingressControllerNamespace: "traefik",
      allowFromNamespaces: ["argocd", "traefik"],
    });
    const from = policies.find((p) => p.suffix === "allow-from-namespaces");
    expect(from?.spec.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } } },
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "argocd" } } },
        ],
      },
    ]);
  });

  it("opens public ports to any source", () => {
    const policies = networkPolicies({ ...base, publicPorts: [10250] });
    const open = policies.find((p) => p.suffix === "allow-public-ports");
    expect(open?.spec.ingress).toEqual([{ ports: [{ protocol: "TCP", port: 10250 }] }]);
  });

  it("allows cluster egress to every namespace and the API server ports", () => {
    const policies = networkPolicies({ ...base, egress: "cluster" });
    const egress = policies.find((p) => p.suffix === "allow-egress-cluster");
    expect(egress?.spec.egress).toEqual([
      { to: [{ namespaceSelector: {} }] },
      {
        ports: [
          { protocol: "TCP", port: 443 },
          { protocol: "TCP", port: 6443 },
        ],
      },
    ]);
    expect(policies.some((p) => p.suffix === "allow-egress-internet")).toBe(false);
  });

  it("allows internet egress to every address family", () => {
    const policies = networkPolicies({ ...base, egress: "internet" });
    const egress = policies.find((p) => p.suffix === "allow-egress-internet");
    expect(egress?.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }] },
    ]);
  });
});

describe("serviceUrlNamespace", () => {
  it.each([
    ["http://traefik.traefik.svc.cluster.local:80", "traefik"],
    ["http://ingress.edge-system.svc:8080", "edge-system"],
  ])("reads the namespace of %s", (url, namespace) => {
    expect(serviceUrlNamespace(url)).toBe(namespace);
  });

  it.each(["https://example.org", "http://traefik.ingress", "traefik.traefik.svc:80"])(
    "refuses %s, which is not an in-cluster service URL",
    (url) => {
      expect(() => serviceUrlNamespace(url)).toThrow(
        /exposure\.ingressService ".*" is not an in-cluster service URL/,
      );
    },
  );
});
