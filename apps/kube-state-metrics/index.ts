/** The kube-state-metrics recipe: it watches the API server and is scraped by VictoriaMetrics. */
import * as pulumi from "@pulumi/pulumi";
import { deployChart, DeployedApp, RecipeArgs } from "../recipe";
import { Wire, wireDeploy } from "../wire";
import { meta } from "./meta";
import { kubeStateMetricsValues } from "./values";

export { meta };

/** Deploys kube-state-metrics: it watches the API server and is scraped by VictoriaMetrics. */
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
      values: kubeStateMetricsValues(),
      allowFromNamespaces: ["victoria-metrics"],
      egress: "cluster",
    },
    opts,
  );
}

/** Deploys kube-state-metrics with what it reads from the apps before it. */
export const wire: Wire = wireDeploy(meta.name, deploy, () => ({}));
