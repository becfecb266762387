import * as pulumi from "@pulumi/pulumi";
import { AppMetadata, deployChart, DeployedApp, RecipeArgs } from "../recipe";
import { VL_URL } from "../victoria-logs";
import { Wire, wireDeploy } from "../wire";

/**
 * The log collector: vlagent on every node, reading the kubelet's pod logs and sending them to VictoriaLogs
 * (ADR 11). Chart facts read at VictoriaMetrics/helm-charts tag `victoria-logs-collector-0.3.7` (app v1.52.0),
 * `charts/victoria-logs-collector` (`values.yaml`, `templates/server.yaml`, `templates/_helpers.tpl`: the
 * `remoteWrite` URL gets `/insert/native` when it has no path, and at least one is required).
 */
export const meta: AppMetadata = {
  name: "victoria-logs-collector",
  title: "VictoriaLogs collector",
  description: "Reads every pod's logs on each node and sends them to VictoriaLogs.",
  category: "observability",
  chart: {
    repository: "https://victoriametrics.github.io/helm-charts",
    name: "victoria-logs-collector",
    version: "0.3.7",
  },
  appVersion: "v1.52.0",
  sso: "none",
  backup: false,
  needs: ["victoria-logs"],
  provides: [],
  testedBy: "apps/observability.test.ts",
};

/** Helm values: where to send, and the chart README's suggested size. Its fullname is pinned too. */
export function collectorValues(): Record<string, unknown> {
  return {
    fullnameOverride: "victoria-logs-collector",
    remoteWrite: [{ url: VL_URL }],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
  };
}

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
