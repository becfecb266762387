/** The VictoriaMetrics recipe: the metrics store, probing every enabled app's health path. */
import * as pulumi from "@pulumi/pulumi";
import { scrapeConfig } from "../../components/observability/prometheus";
import { BLACKBOX_ADDRESS } from "../blackbox-exporter/values";
import { KSM_ADDRESS } from "../kube-state-metrics/values";
import { deployChart, DeployedApp, RecipeArgs } from "../recipe";
import { Wire, wireDeploy } from "../wire";
import { meta } from "./meta";
import { VM_SCRAPE_CONFIGMAP, victoriaMetricsValues } from "./values";

export { meta };

/** What only VictoriaMetrics needs: the probes and the exporters' addresses. */
export interface VictoriaMetricsExtra {
  probes: { app: string; url: string }[];
  blackbox: string;
  kubeStateMetrics: string;
  /** How long samples are kept (`-retentionPeriod`). @default "30d" */
  retention?: string;
}

/** Deploys VictoriaMetrics in its own namespace, reachable from vmalert's. */
export function deploy(
  name: string,
  args: RecipeArgs<VictoriaMetricsExtra>,
  opts?: pulumi.ComponentResourceOptions,
): DeployedApp {
  const { extra } = args;
  const scrape = scrapeConfig({
    probes: extra.probes,
    blackbox: extra.blackbox,
    kubeStateMetrics: extra.kubeStateMetrics,
  });
  return deployChart(
    meta,
    name,
    args,
    {
      values: victoriaMetricsValues(extra.retention ?? "30d"),
      configMaps: { [VM_SCRAPE_CONFIGMAP]: { data: { "scrape.yml": scrape } } },
      // vmalert queries and writes; Grafana queries.
      allowFromNamespaces: ["vmalert", "grafana"],
      // It scrapes the exporters in their namespaces.
      egress: "cluster",
    },
    opts,
  );
}

/** VictoriaMetrics, probing every enabled app's health path at its public URL. */
export const wire: Wire = wireDeploy(meta.name, deploy, (caps) => ({
  probes: caps.home.slos().map(({ app, url }) => ({ app, url })),
  blackbox: BLACKBOX_ADDRESS,
  kubeStateMetrics: KSM_ADDRESS,
}));
