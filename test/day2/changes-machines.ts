/**
 * The first rows of `npm run test:day2`, in the order they run: SSH keys added, removed and added by hand, an
 * agent node added, removed and the nodes reordered, and the cluster's endpoint and kubeconfig respelled.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateEd25519KeyPair } from "../../components/secrets/openssh";
import { kube, onNode } from "../e2e/harness";
import type { Change } from "./apply";
import { keysOn, uid } from "./data";
import { kubeconfigCopy, nodeList, pulumi, setNodes, work } from "./run";

const laptop = generateEd25519KeyPair("day2-laptop").publicKey;
const handKey = generateEd25519KeyPair("day2-added-by-hand").publicKey;
let handReported = false;
/** A second key of the operator's, which the later rows expect on every node. */
export const phone = generateEd25519KeyPair("day2-phone").publicKey;
const node4 = {
  name: "node-4",
  role: "agent",
  mac: "52:54:00:77:00:14",
  ip: "10.77.0.14",
  hostKeyPath: ".sandbox/nodes/node-4/ssh_host_ed25519_key.pub",
  wakeOnLan: false,
};

/** SSH keys, nodes, and how the cluster is reached. */
export function machineChanges(): Change[] {
  return [
    {
      name: "add an SSH key",
      edit: (d) => d.setIn(["config", "hearth:ssh", "authorizedKeys"], d.createNode([laptop])),
      only: /authorized-keys$/,
      expect: [/node-1-authorized-keys/],
      after: () =>
        ["node-1", "node-2", "node-3"].every((n) => keysOn(n).includes(laptop))
          ? undefined
          : "the key is on every node",
    },
    {
      name: "add a second SSH key",
      edit: (d) =>
        d.setIn(["config", "hearth:ssh", "authorizedKeys"], d.createNode([laptop, phone])),
      only: /authorized-keys$/,
      after: () =>
        ["node-1", "node-2", "node-3"].every((n) => {
          const k = keysOn(n);
          return k.includes(laptop) && k.includes(phone) && k.length === 3;
        })
          ? undefined
          : "both keys and Hearth's own are on every node",
    },
    {
      name: "remove an SSH key",
      edit: (d) => d.setIn(["config", "hearth:ssh", "authorizedKeys"], d.createNode([phone])),
      only: /authorized-keys$/,
      after: () =>
        ["node-1", "node-2", "node-3"].every((n) => {
          const k = keysOn(n);
          return !k.includes(laptop) && k.includes(phone) && k.length === 2;
        })
          ? undefined
          : "the removed key is gone from every node, the other stays",
    },
    {
      name: "a key added by hand: refresh reports it, up removes it",
      before: async () => {
        onNode("node-2", `printf '%s\\n' '${handKey}' >> ~/.ssh/authorized_keys`);
        const r = await pulumi("refresh-hand-key", ["refresh", "--yes", "--skip-preview"]);
        handReported =
          r.code === 0 && r.out.includes(`has a line Hearth did not put there: ${handKey}`);
      },
      edit: () => undefined,
      only: /^hearth-node-2-authorized-keys$/,
      expect: [/^hearth-node-2-authorized-keys$/],
      after: () =>
        !handReported
          ? "refresh named the key added by hand"
          : keysOn("node-2").includes(handKey)
            ? "up removed it"
            : undefined,
    },
    {
      name: "add an agent node",
      edit: (d) => setNodes(d, [...nodeList(d), node4]),
      only: /node-4/,
      expect: [/node-4-prepare/],
      after: () =>
        onNode("node-4", "ls /etc/sysctl.d").includes("90-hearth-k3s.conf")
          ? undefined
          : "node-4 is prepared",
    },
    {
      name: "remove an agent node",
      // As k3s's agent would have: node-4 registered as a Node, with a pod on it.
      before: () => {
        const manifest = {
          apiVersion: "v1",
          kind: "List",
          items: [
            {
              apiVersion: "v1",
              kind: "Node",
              metadata: {
                name: "node-4",
                annotations: { "kwok.x-k8s.io/node": "fake" },
                labels: { "kubernetes.io/hostname": "node-4", type: "kwok" },
              },
            },
            {
              apiVersion: "v1",
              kind: "Pod",
              metadata: { name: "day2-on-node-4", namespace: "default" },
              spec: {
                nodeName: "node-4",
                containers: [
                  {
                    name: "c",
                    image: "day2",
                    securityContext: {
                      allowPrivilegeEscalation: false,
                      capabilities: { drop: ["ALL"] },
                      runAsNonRoot: true,
                      runAsUser: 1000,
                      seccompProfile: { type: "RuntimeDefault" },
                    },
                  },
                ],
              },
            },
          ],
        };
        const f = join(work, "node-4.json");
        writeFileSync(f, JSON.stringify(manifest));
        kube(["apply", "-f", f]);
      },
      edit: (d) =>
        setNodes(
          d,
          nodeList(d).filter((n) => n.name !== "node-4"),
        ),
      only: /node-4/,
      expect: [/node-4-removal/, /node-4-prepare/],
      after: () => {
        if (uid("node", "node-4") !== undefined) return "node-4's Node object is deleted";
        if (uid("pod", "day2-on-node-4", "default") !== undefined) return "its pod was evicted";
        if (onNode("node-4", "ls /etc/sysctl.d").includes("90-hearth-k3s.conf"))
          return "node-4's preparation is undone";
        return undefined;
      },
    },
    {
      name: "reorder nodes",
      edit: (d) => setNodes(d, [...nodeList(d)].reverse()),
      only: /^$/,
    },
    {
      name: "set cluster.endpoint (k3s only: no effect on an existing cluster)",
      edit: (d) => d.setIn(["config", "hearth:cluster", "endpoint"], "k3s.hearth.test"),
      only: /^$/,
    },
    {
      name: "respell the kubeconfig's server (127.0.0.1 -> localhost)",
      edit: (d) => {
        writeFileSync(
          kubeconfigCopy,
          readFileSync(kubeconfigCopy, "utf8").replace(
            "https://127.0.0.1:16443",
            "https://localhost:16443",
          ),
          { mode: 0o600 },
        );
        d.setIn(["config", "hearth:cluster", "kubeconfigPath"], kubeconfigCopy);
      },
      // The provider is updated in place (clusterIdentifier); Hearth's own cluster resources (the apps' data)
      // keep the new kubeconfig.
      only: /hearth-cluster-provider|-data$|-retired$|-removal$/,
    },
  ];
}
