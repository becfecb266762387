/**
 * Where a Gitea token may be sent: Argo CD clones the GitOps repository with one as its password, so the
 * URL must be https://, or plain http:// to a loopback host (the local sandbox's Gitea), where nothing crosses
 * a network, or to a Service of the cluster (the in-cluster Gitea), where it stays on the pod network as every
 * request behind the ingress does. Pure, for the recipe and for config validation alike.
 */

/** Plain HTTP is allowed to a loopback host only: nothing crosses a network. */
const LOOPBACK_HTTP = /^http:\/\/(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?\//;

/** Plain HTTP to a Service of the cluster: `http://<service>.<namespace>.svc.cluster.local[:port]/`. */
const IN_CLUSTER_HTTP = /^http:\/\/[a-z0-9-]+\.[a-z0-9-]+\.svc\.cluster\.local(:\d+)?\//;

/** Why a repository URL cannot carry a token, or undefined. */
export function tokenUrlProblem(url: string): string | undefined {
  if (/^https:\/\//.test(url) || LOOPBACK_HTTP.test(url) || IN_CLUSTER_HTTP.test(url))
    return undefined;
  return (
    `"${url}" is not an https:// URL; Hearth registers the Gitea repository with a token, which only ` +
    `works over HTTPS (plain http only to a loopback address)`
  );
}
