/** The checks of a render, on documents written here: ports, Secrets. (Against real renders: check-charts.contract.test.ts.) */
import { portProblems } from "./pod-checks";
import { secretProblems } from "./render-checks";

describe("the container port check", () => {
  it("fails one port number or name declared twice in a pod", () => {
    const pod = (ports: object[][]) => ({
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        template: {
          spec: { containers: ports.map((p, i) => ({ name: `c${i}`, ports: p })) },
        },
      },
    });
    expect(
      portProblems([pod([[{ name: "http", containerPort: 80 }], [{ containerPort: 81 }]])]),
    ).toEqual([]);
    expect(
      portProblems([
        pod([[{ name: "http", containerPort: 80 }], [{ name: "http", containerPort: 80 }]]),
      ]),
    ).toEqual([
      "Deployment/web declares port 80/TCP twice (containers c0 and c1)",
      'Deployment/web declares port name "http" twice (containers c0 and c1)',
    ]);
  });
});

describe("the Secret check", () => {
  const noProgram = { chartSecrets: [], programSecrets: [], customResources: [] };
  const pod = (spec: object) => ({
    kind: "Deployment",
    metadata: { name: "server" },
    spec: { template: { metadata: { labels: {} }, spec } },
  });

  it("asks only for the Secrets a pod cannot start without", () => {
    // argo-cd 10.1.1 mounts argocd-repo-server-tls with `optional: true` and renders no such Secret.
    const docs = [
      pod({
        volumes: [
          { name: "tls", secret: { secretName: "server-tls", optional: true } },
          { name: "keys", secret: { secretName: "server-keys" } },
        ],
        containers: [
          {
            name: "app",
            env: [
              {
                name: "A",
                valueFrom: { secretKeyRef: { name: "maybe", key: "a", optional: true } },
              },
              { name: "B", valueFrom: { secretKeyRef: { name: "needed", key: "b" } } },
            ],
          },
        ],
      }),
    ];
    expect(secretProblems(docs, noProgram)).toEqual([
      "a pod reads Secret server-keys, which neither the chart nor the program creates",
      "a pod reads Secret needed, which neither the chart nor the program creates",
    ]);
  });

  it("counts a Secret that a pre-install hook may create and names, as argo-cd's redis-secret-init does", () => {
    const reads = pod({
      containers: [
        {
          name: "app",
          env: [{ name: "P", valueFrom: { secretKeyRef: { name: "app-redis", key: "auth" } } }],
        },
      ],
    });
    const role = (annotations: object, verbs: string[]) => ({
      kind: "Role",
      metadata: { name: "init", annotations },
      rules: [
        { apiGroups: [""], resources: ["secrets"], resourceNames: ["app-redis"], verbs: ["get"] },
        { apiGroups: [""], resources: ["secrets"], verbs },
      ],
    });
    const hook = { "helm.sh/hook": "pre-install,pre-upgrade" };
    expect(secretProblems([reads, role(hook, ["create"])], noProgram)).toEqual([]);
    const missing = [
      "a pod reads Secret app-redis, which neither the chart nor the program creates",
    ];
    // Not a hook, or a hook that may not create Secrets: nothing makes it before the pod starts.
    expect(secretProblems([reads, role({}, ["create"])], noProgram)).toEqual(missing);
    expect(secretProblems([reads, role(hook, ["list"])], noProgram)).toEqual(missing);
  });
});
