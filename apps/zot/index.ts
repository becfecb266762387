/** The zot recipe: the home's OCI registry at `registry.<domain>`, with generated credentials. */
import * as pulumi from "@pulumi/pulumi";
import { DeployedApp } from "../recipe";
import { Wire, wireDeploy } from "../wire";
import { meta } from "./meta";
import { ZOT_FULLNAME } from "./values";
import { ZotRegistry, ZotRegistryArgs } from "./zot-registry";

export { meta };

/** What deploying zot hands back: the usual handle plus the push/pull credentials. */
export interface DeployedZot extends DeployedApp {
  username: string;
  /** Secret: the password of `username`. */
  password: pulumi.Output<string>;
}

/** Deploys zot at `registry.<domain>` with a generated user. */
export function deploy(
  name: string,
  args: ZotRegistryArgs,
  opts?: pulumi.ComponentResourceOptions,
): DeployedZot {
  const zot = new ZotRegistry(name, args, opts);
  return {
    resource: zot,
    url: zot.url,
    username: zot.username,
    password: zot.password,
    login: { username: zot.username, password: zot.password },
    // zot-0.1.95 templates/statefulset.yaml: the StatefulSet "zot.fullname" has the claim template
    // "<pvc.name or release>-pvc" mounted at /var/lib/registry, so the claim is <release>-pvc-<fullname>-0;
    // pods carry "zot.selectorLabels" (name zot, instance = release). Blobs are content-addressed files: no
    // database to copy consistently.
    backup: {
      namespace: meta.name,
      claimName: `${name}-pvc-${ZOT_FULLNAME}-0`,
      mountPath: "/var/lib/registry",
      sqlite: [],
      workload: { kind: "StatefulSet", name: ZOT_FULLNAME },
      podLabels: { "app.kubernetes.io/name": "zot", "app.kubernetes.io/instance": name },
      runAsUser: 1000,
      fsGroup: 1000,
    },
  };
}

/** Deploys zot with what it reads from the apps before it. */
export const wire: Wire = wireDeploy(meta.name, deploy, (caps) => ({
  oidc: caps.identity?.oidc.zot,
}));
