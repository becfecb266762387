/**
 * `hearth:cluster:NodeRemoval` of Hearth's provider plugin: a machine leaving the cluster (it left `hearth:nodes`).
 * Creating it cordons the node, evicts its pods as `kubectl drain` would (DaemonSet and mirror pods stay) and
 * deletes its Node object; on k3s, deleting a server's Node makes k3s's etcd member controller remove its etcd
 * member from the cluster (k3s-io/k3s#3973), so the survivors keep their quorum. Deleting it does nothing.
 * Its handlers are in `cluster-data.ts`.
 */
import { KubeAccess, kubeAccessOf, kubeMessage, kubeRequest, waitUntil } from "./kube";
import type { CommandLog } from "./remote-command";

/** Inputs of `NodeRemoval`, secrets revealed. */
export interface NodeRemovalInputs {
  /** Secret: an admin kubeconfig of the cluster. */
  kubeconfig: string;
  /** The Node object's name: the machine's host name. */
  node: string;
  /** Seconds the drain may take before the delete fails, naming the pods left. @default 300 */
  drainTimeoutSeconds?: number;
}

const nodePath = (n: string) => `/api/v1/nodes/${encodeURIComponent(n)}`;

/** Whether a pod is left alone by a drain: a DaemonSet's (it would come back) or a mirror of a static pod. */
export function staysOnDrain(pod: Record<string, unknown>): boolean {
  const meta = (pod.metadata ?? {}) as {
    ownerReferences?: { kind?: string }[];
    annotations?: Record<string, string>;
  };
  if (meta.annotations?.["kubernetes.io/config.mirror"] !== undefined) return true;
  return (meta.ownerReferences ?? []).some((o) => o.kind === "DaemonSet");
}

async function podsOn(access: KubeAccess, node: string): Promise<Record<string, unknown>[]> {
  const a = await kubeRequest(
    access,
    "GET",
    `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`,
  );
  if (a.status !== 200) throw new Error(`listing the pods on ${node}: ${kubeMessage(a)}`);
  const items = (a.body?.items as Record<string, unknown>[] | undefined) ?? [];
  return items.filter((p) => !staysOnDrain(p));
}

const podName = (p: Record<string, unknown>) => {
  const m = p.metadata as { namespace: string; name: string };
  return `${m.namespace}/${m.name}`;
};

/** Cordons, drains and deletes the node; a node the cluster does not have is logged and left. */
export async function removeNode(
  urn: string,
  inputs: NodeRemovalInputs,
  log: CommandLog,
): Promise<void> {
  const access = kubeAccessOf(inputs.kubeconfig);
  const node = inputs.node;
  const found = await kubeRequest(access, "GET", nodePath(node));
  if (found.status === 404) {
    log.info(urn, `${node} is not a node of the cluster (any more): nothing to drain`);
    return;
  }
  if (found.status !== 200) throw new Error(`reading node ${node}: ${kubeMessage(found)}`);
  const cordon = await kubeRequest(
    access,
    "PATCH",
    nodePath(node),
    { spec: { unschedulable: true } },
    "application/strategic-merge-patch+json",
  );
  if (cordon.status !== 200) throw new Error(`cordoning ${node}: ${kubeMessage(cordon)}`);
  log.info(urn, `${node} cordoned; draining it`);
  const timeoutMs = (inputs.drainTimeoutSeconds ?? 300) * 1000;
  const drained = await waitUntil(
    async () => {
      const pods = await podsOn(access, node);
      for (const pod of pods) {
        const m = pod.metadata as { namespace: string; name: string };
        // The Eviction API honours PodDisruptionBudgets: a 429 is retried on the next round.
        const a = await kubeRequest(
          access,
          "POST",
          `/api/v1/namespaces/${m.namespace}/pods/${m.name}/eviction`,
          { apiVersion: "policy/v1", kind: "Eviction", metadata: m },
        );
        if (a.status === 201 || a.status === 200) log.info(urn, `evicted ${podName(pod)}`);
      }
      return pods.length === 0;
    },
    timeoutMs,
    2000,
  );
  if (!drained) {
    const left = (await podsOn(access, node)).map(podName);
    throw new Error(
      `${node} was not drained within ${timeoutMs / 1000} s; pods left: ${left.join(", ")} ` +
        "(a PodDisruptionBudget may forbid their eviction). The node stays cordoned; fix that, then run `pulumi up` again",
    );
  }
  const gone = await kubeRequest(access, "DELETE", nodePath(node));
  if (gone.status !== 200 && gone.status !== 202 && gone.status !== 404)
    throw new Error(`deleting node ${node}: ${kubeMessage(gone)}`);
  log.info(urn, `${node} drained and removed from the cluster`);
}
