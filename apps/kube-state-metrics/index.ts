/**
 * kube-state-metrics (ADR 11): the cluster's objects as metrics, scraped by VictoriaMetrics (the backup, node,
 * certificate and Argo CD alerts' series). Chart facts read at prometheus-community/helm-charts tag
 * `kube-state-metrics-8.4.0` (`values.yaml`, `templates/_helpers.tpl`, `templates/service.yaml`,
 * `templates/deployment.yaml`).
 */
import * as pulumi from "@pulumi/pulumi";
import { AppMetadata, deployChart, DeployedApp, RecipeArgs } from "../recipe";
import { Wire, wireDeploy } from "../wire";

export const meta: AppMetadata = {
  name: "kube-state-metrics",
  title: "kube-state-metrics",
  description:
    "The cluster's objects as metrics: nodes, CronJobs, Jobs, certificates, Argo CD apps.",
  category: "observability",
  chart: {
    repository: "https://prometheus-community.github.io/helm-charts",
    name: "kube-state-metrics",
    version: "8.4.0",
  },
  // Chart.yaml appVersion; the image tag is "v" + it.
  appVersion: "2.20.0",
  sso: "none",
  backup: false,
  needs: [],
  provides: [],
  testedBy: "apps/observability.test.ts",
};

/** Helm's fullname rule (`templates/_helpers.tpl`): `fullnameOverride` pins every object's name. */
export const KSM_FULLNAME = "kube-state-metrics";
/** `service.port | default 8080`, the container's `http` (`--port=8080`). */
export const KSM_PORT = 8080;
/** host:port VictoriaMetrics scrapes. */
export const KSM_ADDRESS = `${KSM_FULLNAME}.${meta.name}.svc.cluster.local:${KSM_PORT}`;

/** Helm values: the chart's defaults (its ClusterRole, restricted contexts) and a pinned name. */
export function kubeStateMetricsValues(): Record<string, unknown> {
  return {
    fullnameOverride: KSM_FULLNAME,
    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
  };
}

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
