/**
 * The e2e security phase's own parts, without the sandbox: the port scan against two listeners of this test on
 * loopback, and the app-login check on Ingresses as kubectl lists them. The phase itself runs in
 * `npm run test:e2e` (not here: it needs the sandbox).
 */
import { createServer, Server } from "node:net";
import { ClusterView, intendedPorts, openPorts, range, unexpected } from "./port-scan";
import { appLogins } from "./security";

describe("openPorts", () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it("finds exactly the ports that listen, and names the ones not intended", async () => {
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const s = createServer((c) => c.destroy());
      await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
      servers.push(s);
      ports.push((s.address() as { port: number }).port);
    }
    const candidates = [...new Set([...ports, ...range(ports[0] + 1000, ports[0] + 1010)])];
    const open = await openPorts("127.0.0.1", candidates, 8);
    expect(open.sort()).toEqual([...ports].sort());
    expect(unexpected("127.0.0.1", open, [ports[0]])).toEqual([`127.0.0.1:${ports[1]}`]);
  });
});

describe("intendedPorts", () => {
  const node = (name: string, ip: string, kwok: boolean): ClusterView["nodes"][number] => ({
    metadata: { name, labels: kwok ? { type: "kwok" } : {} },
    status: { addresses: [{ type: "InternalIP", address: ip }] },
  });
  const cluster: ClusterView = {
    nodes: [node("node-1", "10.77.0.11", false), node("node-2", "10.77.0.12", true)],
    services: [
      {
        metadata: { namespace: "traefik", name: "traefik" },
        spec: {
          type: "LoadBalancer",
          ports: [
            { port: 80, nodePort: 30807 },
            { port: 443, nodePort: 31933 },
          ],
        },
        status: { loadBalancer: { ingress: [{ ip: "10.77.0.11" }] } },
      },
      {
        metadata: { namespace: "gitea", name: "gitea" },
        spec: { type: "ClusterIP", ports: [{ port: 3000 }] },
      },
    ],
  };

  it("allows a real node its kubelet, the load balancer's ports at its address and the node ports", () => {
    expect([...intendedPorts("10.77.0.11", cluster).keys()].sort((a, b) => a - b)).toEqual([
      22, 80, 443, 10250, 30807, 31933,
    ]);
  });

  it("allows a node kwok presents, or an address no node has, SSH alone", () => {
    expect([...intendedPorts("10.77.0.12", cluster).keys()]).toEqual([22]);
    expect([...intendedPorts("10.77.0.13", cluster).keys()]).toEqual([22]);
  });

  it("does not open a load balancer's ports at a real node that is not its address", () => {
    const other = { ...cluster, nodes: [...cluster.nodes, node("node-3", "10.77.0.13", false)] };
    expect([...intendedPorts("10.77.0.13", other).keys()].sort((a, b) => a - b)).toEqual([
      22, 10250, 30807, 31933,
    ]);
  });
});

describe("appLogins", () => {
  const ingress = (ns: string, middlewares?: string) => {
    const annotations: Record<string, string> = {};
    if (middlewares) annotations["traefik.ingress.kubernetes.io/router.middlewares"] = middlewares;
    return { metadata: { name: ns, namespace: ns, annotations } };
  };

  it("passes forward-auth apps behind their middleware and OIDC apps with their Ingress", () => {
    const checks = appLogins(
      [ingress("homepage", "homepage-hearth-forward-auth@kubernetescrd"), ingress("grafana")],
      ["homepage", "grafana", "traefik"],
    );
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ["homepage: routed behind forward-auth", true],
      ["grafana: signs users in itself (oidc)", true],
    ]);
  });

  it("fails a forward-auth app routed without its middleware", () => {
    const [check] = appLogins([ingress("victoria-logs")], ["victoria-logs"]);
    expect(check).toMatchObject({ ok: false, detail: "middlewares: none" });
  });
});
