/** The log collector's recipe: a DaemonSet in its own namespace, sending to VictoriaLogs. */
import * as pulumi from "@pulumi/pulumi";
import { deployChart, DeployedApp, RecipeArgs } from "../recipe";
import { Wire, wireDeploy } from "../wire";
import { meta } from "./meta";
import { collectorValues } from "./values";

export { meta };

/** Deploys the collector as a DaemonSet in its own namespace. */
export function deploy(
  name: string,
  args: RecipeArgs,
  opts?: pulumi.ComponentResourceOptions,
): DeployedApp {
  return deployChart(
    meta,
    name,
    args,
    {
      values: collectorValues(),
      // It reads /var/log and /var/lib of its node through hostPath volumes (the chart's defaultVolumes),
      // which only the privileged level admits; nothing else runs in this namespace.
      podSecurity: "privileged",
      // VictoriaLogs, and the API server for pod metadata.
      egress: "cluster",
    },
    opts,
  );
}

/** Deploys victoria-logs-collector with what it reads from the apps before it. */
export const wire: Wire = wireDeploy(meta.name, deploy, () => ({}));
