import { inCidr } from "../net";
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

  const networks = {
    podCidr: "10.42.0.0/16",
    serviceCidr: "10.43.0.0/16",
    apiServer: ["192.168.1.0/24"],
  };

  it("allows cluster egress to every namespace, and the API server's ports at its networks only", () => {
    const policies = networkPolicies({ ...base, egress: "cluster", networks });
    const egress = policies.find((p) => p.suffix === "allow-egress-cluster");
    expect(egress?.spec.egress).toEqual([
      { to: [{ namespaceSelector: {} }] },
      {
        to: [{ ipBlock: { cidr: "10.43.0.0/16" } }, { ipBlock: { cidr: "192.168.1.0/24" } }],
        ports: [
          { protocol: "TCP", port: 443 },
          { protocol: "TCP", port: 6443 },
        ],
      },
    ]);
    expect(policies.some((p) => p.suffix === "allow-egress-internet")).toBe(false);
  });

  it("allows internet egress to public addresses only, beside what cluster egress reaches", () => {
    const policies = networkPolicies({ ...base, egress: "internet", networks });
    expect(policies.map((p) => p.suffix)).toContain("allow-egress-cluster");
    const egress = policies.find((p) => p.suffix === "allow-egress-internet");
    expect(egress?.spec.egress).toEqual([
      {
        to: [
          {
            ipBlock: {
              cidr: "0.0.0.0/0",
              except: [
                "10.0.0.0/8",
                "172.16.0.0/12",
                "192.168.0.0/16",
                "100.64.0.0/10",
                "127.0.0.0/8",
                "169.254.0.0/16",
              ],
            },
          },
          { ipBlock: { cidr: "::/0", except: ["fc00::/7", "fe80::/10"] } },
        ],
      },
    ]);
  });

  it("keeps pod and service networks outside the private ranges out of internet egress too", () => {
    const odd = { podCidr: "198.18.0.0/16", serviceCidr: "198.19.0.0/16", apiServer: [] };
    const egress = networkPolicies({ ...base, egress: "internet", networks: odd }).find(
      (p) => p.suffix === "allow-egress-internet",
    );
    const v4 = (egress?.spec.egress as { to: { ipBlock: { except: string[] } }[] }[])[0].to[0];
    expect(v4.ipBlock.except).toEqual(expect.arrayContaining(["198.18.0.0/16", "198.19.0.0/16"]));
  });

  // The review's finding: a rule with ports alone reaches every address on them, the internet included.
  it.each(["none", "cluster", "internet"] as const)(
    "%s egress: every rule names where it goes, and nothing reaches the metadata service or the LAN",
    (egress) => {
      const rules = networkPolicies({ ...base, egress, networks }).flatMap(
        (p) => (p.spec.egress ?? []) as { to?: unknown[] }[],
      );
      for (const rule of rules) expect(rule.to?.length).toBeGreaterThan(0);
      for (const address of ["169.254.169.254", "192.168.1.1", "10.0.0.1", "172.16.0.1"]) {
        expect(reachesOnAnyPort(rules, address)).toBe(false);
      }
    },
  );
});

/** Whether some rule lets traffic to `address` out on every port (an ipBlock holding it, no port list). */
function reachesOnAnyPort(
  rules: { to?: unknown[]; ports?: unknown[] }[],
  address: string,
): boolean {
  return rules.some(
    (r) =>
      r.ports === undefined &&
      (r.to ?? []).some((peer) => {
        const block = (peer as { ipBlock?: { cidr: string; except?: string[] } }).ipBlock;
        if (!block || block.cidr.includes(":")) return false;
        return inCidr(address, block.cidr) && !(block.except ?? []).some((e) => inCidr(address, e));
      }),
  );
}

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
