/**
 * The blackbox exporter (ADR 11): fetches every app's health path from inside the cluster when VictoriaMetrics
 * asks (the SLOs' series). Chart facts read at prometheus-community/helm-charts tag
 * `prometheus-blackbox-exporter-11.17.2` (`values.yaml`, `templates/_helpers.tpl`, `templates/service.yaml`,
 * `templates/configmap.yaml`).
 */
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { blackboxConfig } from "../../components/observability/prometheus";
import { AppMetadata, deployChart, DeployedApp, RecipeArgs } from "../recipe";
import { Wire, wireDeploy } from "../wire";

export const meta: AppMetadata = {
  name: "blackbox-exporter",
  title: "Blackbox exporter",
  description: "Probes every app's health path from inside the cluster, for the SLOs.",
  category: "observability",
  chart: {
    repository: "https://prometheus-community.github.io/helm-charts",
    name: "prometheus-blackbox-exporter",
    version: "11.17.2",
  },
  appVersion: "v0.28.0",
  sso: "none",
  backup: false,
  needs: [],
  provides: [],
  testedBy: "apps/observability.test.ts",
};

/** Helm's fullname rule (`templates/_helpers.tpl`): `fullnameOverride` pins every object's name. */
export const BLACKBOX_FULLNAME = "blackbox-exporter";
/** `service.port`, 9115 (the container's `http`). */
export const BLACKBOX_PORT = 9115;
/** host:port VictoriaMetrics sends probes to. */
export const BLACKBOX_ADDRESS = `${BLACKBOX_FULLNAME}.${meta.name}.svc.cluster.local:${BLACKBOX_PORT}`;

/**
 * Helm values: Hearth's modules inline (`config`, which `templates/configmap.yaml` writes to the chart's
 * ConfigMap, key `blackbox.yaml`, read with `--config.file=/config/blackbox.yaml`), and the chart's own
 * restricted container context (its defaults) with the pod's seccomp profile added.
 */
export function blackboxValues(): Record<string, unknown> {
  return {
    fullnameOverride: BLACKBOX_FULLNAME,
    config: parse(blackboxConfig()),
    podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
  };
}

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
