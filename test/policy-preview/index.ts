/** Two NetworkPolicies through a Kubernetes provider that only renders YAML: one says where its egress goes. */
import * as k8s from "@pulumi/kubernetes";

const provider = new k8s.Provider("render", {
  renderYamlToDirectory: process.env.HEARTH_RENDER_DIR ?? "rendered",
});
const violate = process.env.HEARTH_POLICY_VIOLATE === "1";

new k8s.networking.v1.NetworkPolicy(
  "egress",
  {
    metadata: { name: "egress", namespace: "demo" },
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      // The review's "cluster" egress: ports alone, which reach every address on them.
      egress: violate
        ? [{ ports: [{ protocol: "TCP", port: 443 }] }]
        : [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: 443 }] }],
    },
  },
  { provider },
);
