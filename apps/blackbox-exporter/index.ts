/** The blackbox exporter's recipe: VictoriaMetrics asks it to probe; it fetches the apps' public URLs. */
import * as pulumi from "@pulumi/pulumi";
import { deployChart, DeployedApp, RecipeArgs } from "../recipe";
import { Wire, wireDeploy } from "../wire";
import { meta } from "./meta";
import { blackboxValues } from "./values";

export { meta };

/** Deploys the blackbox exporter: VictoriaMetrics asks it to probe; it fetches the apps' public URLs. */
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
      values: blackboxValues(),
      allowFromNamespaces: ["victoria-metrics"],
      // Each probe fetches https://<app host><health path>, the route users take.
      egress: "internet",
    },
    opts,
  );
}

/** Deploys blackbox-exporter with what it reads from the apps before it. */
export const wire: Wire = wireDeploy(meta.name, deploy, () => ({}));
