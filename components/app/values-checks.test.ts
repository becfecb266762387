import { valuesProblems } from "./values-checks";

describe("valuesProblems", () => {
  it("accepts the values operators do set", () => {
    expect(
      valuesProblems({
        replicaCount: 2,
        persistence: { enabled: true, size: "20Gi" },
        server: { persistentVolume: { size: "10Gi" }, replicas: 0 },
        worker: { replicaCount: "3" },
        resources: { requests: { cpu: "250m", memory: 268435456 }, limits: { memory: "1Gi" } },
        service: { port: 8080, targetPort: "http" },
        ports: [{ name: "web", containerPort: 8000 }],
        persistenceEnabled: false,
        fontSize: -3,
        zot: { persistence: false },
      }),
    ).toEqual([]);
  });

  it("refuses renamed objects and nonsense numbers, each at its path", () => {
    expect(
      valuesProblems({
        fullnameOverride: "my-gitea",
        server: { nameOverride: "x", replicaCount: -1 },
        replicas: 1.5,
        service: { port: 70000, ports: [{ containerPort: 0 }] },
        resources: { limits: { memory: "-1Gi", cpu: "lots" } },
        persistence: { size: -5 },
        worker: { persistentVolume: { size: "ten gigs" } },
      }).map((p) => p.path),
    ).toEqual([
      "fullnameOverride",
      "server.nameOverride",
      "server.replicaCount",
      "replicas",
      "service.port",
      "service.ports[0].containerPort",
      "resources.limits.memory",
      "resources.limits.cpu",
      "persistence.size",
      "worker.persistentVolume.size",
    ]);
  });

  it("says what to write", () => {
    const [replicas, port, size] = valuesProblems({
      replicaCount: "two",
      metricsPort: 99999,
      persistence: { size: "-10Gi" },
    });
    expect(replicas.message).toBe(
      '"two" is not a number of replicas; write a whole number, 0 or more',
    );
    expect(port.message).toBe("99999 is not a TCP port; write a whole number from 1 to 65535");
    expect(size.message).toMatch(/"-10Gi" is not a Kubernetes quantity such as 256Mi/);
  });
});
