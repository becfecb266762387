/**
 * Resources of Hearth's provider plugin that act on the cluster through its API when something leaves the config:
 *
 * - `hearth:cluster:NodeRemoval`: a machine leaving the cluster (it left `hearth:nodes`), drained and deleted by
 *   `removeNode` (`node-removal.ts`).
 * - `hearth:app:AppData`: the data of an app that keeps some, in its namespace. The app's Helm release depends on
 *   it, so when the app leaves the config the engine deletes it after uninstalling the release. Its delete then
 *   deletes the namespace with its volumes only when the namespace is marked for it (below); otherwise, a
 *   retirement with "keep-data", a `pulumi destroy`, it leaves everything (the namespace itself is
 *   `retainOnDelete`).
 * - `hearth:app:RetiredData`: an app retired with "delete-data" (`hearth:apps.retired`). Creating it marks the
 *   app's namespace for deletion (the annotation `hearth.dev/retired: delete-data`), which `AppData` acts on in
 *   the same run; deleting it (the entry left the config) takes the mark off. For Argo CD, whose data is the
 *   GitOps repository, it deletes that repository and its organization in Gitea.
 */
import {
  encodeSegment,
  GiteaConnection,
  giteaDelete,
  withContext,
} from "../components/git/gitea-client";
import { containsUnknown, reveal, secret, sameValue, urnName } from "./wire";
import { KubeAccess, kubeAccessOf, kubeMessage, kubeRequest, waitUntil } from "./kube";
import { NodeRemovalInputs, removeNode } from "./node-removal";
import type { CommandLog } from "./remote-command";

/** The annotation that marks a retired app's namespace for deletion with its data. */
export const RETIRED_ANNOTATION = "hearth.dev/retired";

/** Inputs of `AppData`, secrets revealed. */
export interface AppDataInputs {
  kubeconfig: string;
  /** The app's namespace. */
  namespace: string;
  /** Seconds to wait for the namespace to be gone. @default 600 */
  timeoutSeconds?: number;
}

/** Inputs of `RetiredData`, secrets revealed. */
export interface RetiredDataInputs {
  kubeconfig: string;
  /** The retired app's namespace, marked for deletion. */
  namespace: string;
  /** A Gitea repository deleted too, then its organization. @default none */
  gitea?: { endpoint: GiteaConnection; owner: string; repo: string };
}

/** Puts the retirement mark on a namespace, or takes it off (`null`); a namespace that is gone is left. */
export async function markNamespace(
  urn: string,
  inputs: { kubeconfig: string; namespace: string },
  mark: string | null,
  log: CommandLog,
): Promise<void> {
  const access = kubeAccessOf(inputs.kubeconfig);
  const path = `/api/v1/namespaces/${encodeURIComponent(inputs.namespace)}`;
  const current = await kubeRequest(access, "GET", path);
  if (current.status === 404) return;
  const annotations = ((current.body?.metadata ?? {}) as { annotations?: Record<string, string> })
    .annotations;
  if ((annotations?.[RETIRED_ANNOTATION] ?? null) === mark) return;
  const a = await kubeRequest(
    access,
    "PATCH",
    path,
    { metadata: { annotations: { [RETIRED_ANNOTATION]: mark } } },
    "application/merge-patch+json",
  );
  if (a.status !== 200) throw new Error(`marking namespace ${inputs.namespace}: ${kubeMessage(a)}`);
  log.info(
    urn,
    mark
      ? `namespace ${inputs.namespace} marked ${RETIRED_ANNOTATION}=${mark}: it goes with the app's release`
      : `namespace ${inputs.namespace} is no longer marked for deletion`,
  );
}

/** The namespace's retirement mark, or undefined (also when the namespace is gone). */
async function markOf(access: KubeAccess, namespace: string): Promise<string | undefined> {
  const a = await kubeRequest(access, "GET", `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
  if (a.status !== 200) return undefined;
  return ((a.body?.metadata ?? {}) as { annotations?: Record<string, string> }).annotations?.[
    RETIRED_ANNOTATION
  ];
}

/** `AppData`'s delete: the namespace goes, with its volumes, only when it is marked "delete-data". */
export async function dropAppData(
  urn: string,
  inputs: AppDataInputs,
  log: CommandLog,
): Promise<void> {
  const mark = await markOf(kubeAccessOf(inputs.kubeconfig), inputs.namespace);
  if (mark !== "delete-data") {
    log.info(urn, `namespace ${inputs.namespace} and its volumes stay (not marked for deletion)`);
    return;
  }
  await deleteNamespace(urn, inputs, log);
}

/** Deletes the namespace with everything in it and waits until the API no longer has it. */
export async function deleteNamespace(
  urn: string,
  inputs: AppDataInputs,
  log: CommandLog,
): Promise<void> {
  const access = kubeAccessOf(inputs.kubeconfig);
  const path = `/api/v1/namespaces/${encodeURIComponent(inputs.namespace)}`;
  const a = await kubeRequest(access, "DELETE", path);
  if (a.status === 404) {
    log.info(urn, `namespace ${inputs.namespace} does not exist: nothing to delete`);
    return;
  }
  if (a.status !== 200 && a.status !== 202)
    throw new Error(`deleting namespace ${inputs.namespace}: ${kubeMessage(a)}`);
  log.info(urn, `deleting namespace ${inputs.namespace} with its volumes`);
  const timeoutMs = (inputs.timeoutSeconds ?? 600) * 1000;
  const ok = await waitUntil(
    async () => (await kubeRequest(access, "GET", path)).status === 404,
    timeoutMs,
  );
  if (!ok)
    throw new Error(
      `namespace ${inputs.namespace} is still terminating after ${timeoutMs / 1000} s ` +
        `(kubectl get namespace ${inputs.namespace} -o yaml shows what holds it)`,
    );
  log.info(urn, `namespace ${inputs.namespace} deleted`);
}

/** Deletes a Gitea repository, then its organization (Gitea refuses while the organization owns others). */
export async function deleteRepository(
  urn: string,
  g: NonNullable<RetiredDataInputs["gitea"]>,
  log: CommandLog,
): Promise<void> {
  const full = `${g.owner}/${g.repo}`;
  try {
    const deleted = await giteaDelete(
      g.endpoint,
      `/repos/${encodeSegment(g.owner)}/${encodeSegment(g.repo)}`,
    );
    log.info(urn, deleted ? `deleted Gitea repository ${full}` : `${full} was already gone`);
  } catch (e) {
    throw withContext(e, `Deleting ${full} (retired with delete-data)`);
  }
  try {
    await giteaDelete(g.endpoint, `/orgs/${encodeSegment(g.owner)}`);
    log.info(urn, `deleted Gitea organization ${g.owner}`);
  } catch (e) {
    // Gitea refuses while the organization still owns repositories someone else made there: those stay.
    log.info(urn, `Gitea organization ${g.owner} left in place: ${(e as Error).message}`);
  }
}

/** Every missing input at once; unknown values (previews) pass. */
function required(raw: Record<string, unknown>, keys: string[]) {
  const i = reveal(raw);
  return keys
    .filter((k) => i[k] === undefined || i[k] === null || i[k] === "")
    .map((k) => ({ property: k, reason: `${k} is required` }));
}

/** The state: the inputs, with the kubeconfig and any Gitea credentials kept secret. */
function stateOf(raw: Record<string, unknown>): Record<string, unknown> {
  return {
    ...raw,
    kubeconfig: secret(reveal(raw.kubeconfig)),
    ...(raw.gitea !== undefined ? { gitea: secret(reveal(raw.gitea)) } : {}),
  };
}

/** A diff that replaces when `key` changes (another object) and stores every other change in place. */
function replacedBy(key: string) {
  return (olds: Record<string, unknown>, news: Record<string, unknown>) => {
    const o = reveal(olds);
    const n = reveal(news);
    return { changes: !sameValue(o, n), replaces: sameValue(o[key], n[key]) ? [] : [key] };
  };
}

/** The provider's handlers for both resources. */
export function clusterDataHandlers(log: CommandLog) {
  return {
    removal: {
      check: (news: Record<string, unknown>) => required(news, ["kubeconfig", "node"]),
      // Another node name is another machine; a new kubeconfig or timeout is stored in place.
      diff: replacedBy("node"),
      async create(urn: string, inputs: Record<string, unknown>) {
        if (containsUnknown(inputs)) throw new Error(`${urnName(urn)}: inputs unknown at create`);
        const i = reveal(inputs) as NodeRemovalInputs;
        await removeNode(urn, i, log);
        return { id: `removed-${i.node}`, outs: stateOf(inputs) };
      },
      update: async (news: Record<string, unknown>, _urn?: string) => ({ outs: stateOf(news) }),
      // The node is gone already: nothing to undo.
      delete: async () => {},
    },
    appData: {
      check: (news: Record<string, unknown>) => required(news, ["kubeconfig", "namespace"]),
      diff: replacedBy("namespace"),
      // An app in the config is never marked for deletion: a mark left by a retirement taken back goes.
      async create(urn: string, inputs: Record<string, unknown>) {
        const i = reveal(inputs) as AppDataInputs;
        await markNamespace(urn, i, null, log);
        return { id: `data-${i.namespace}`, outs: stateOf(inputs) };
      },
      async update(news: Record<string, unknown>, urn?: string) {
        await markNamespace(urn ?? "", reveal(news) as AppDataInputs, null, log);
        return { outs: stateOf(news) };
      },
      delete: (urn: string, props: Record<string, unknown>) =>
        dropAppData(urn, reveal(props) as AppDataInputs, log),
    },
    retired: {
      check: (news: Record<string, unknown>) => required(news, ["kubeconfig", "namespace"]),
      // Another namespace is another deletion; the rest is stored.
      diff: replacedBy("namespace"),
      async create(urn: string, inputs: Record<string, unknown>) {
        if (containsUnknown(inputs)) throw new Error(`${urnName(urn)}: inputs unknown at create`);
        const i = reveal(inputs) as RetiredDataInputs;
        await markNamespace(urn, i, "delete-data", log);
        if (i.gitea) await deleteRepository(urn, i.gitea, log);
        return { id: `retired-${i.namespace}`, outs: stateOf(inputs) };
      },
      update: async (news: Record<string, unknown>, _urn?: string) => ({ outs: stateOf(news) }),
      // The entry left the config: a namespace still there (the app enabled again) keeps its data.
      delete: (urn: string, props: Record<string, unknown>) =>
        markNamespace(urn, reveal(props) as RetiredDataInputs, null, log),
    },
  };
}
