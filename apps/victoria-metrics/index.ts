import * as pulumi from "@pulumi/pulumi";
import { scrapeConfig } from "../../components/observability/prometheus";
import { AppMetadata, deployChart, DeployedApp, RecipeArgs } from "../recipe";
import { BLACKBOX_ADDRESS } from "../blackbox-exporter";
import { KSM_ADDRESS } from "../kube-state-metrics";
import { Wire, wireDeploy } from "../wire";

/**
 * VictoriaMetrics single-node: the home's metrics store (ADR 11). It scrapes the blackbox exporter's probes
 * and kube-state-metrics with Hearth's scrape file and answers vmalert's queries. Chart facts read at
 * VictoriaMetrics/helm-charts tag `victoria-metrics-single-0.45.0`, `charts/victoria-metrics-single`
 * (`values.yaml`, `templates/server.yaml`, `templates/service.yaml`, `templates/_helpers.tpl`) with its library
 * `victoria-metrics-common` 0.3.15 (`vm.plain.fullname`).
 */
export const meta: AppMetadata = {
  name: "victoria-metrics",
  title: "VictoriaMetrics",
  description:
    "The metrics store: scrapes the health probes and the cluster's state, answers the alert rules.",
  category: "observability",
  chart: {
    repository: "https://victoriametrics.github.io/helm-charts",
    name: "victoria-metrics-single",
    version: "0.45.0",
  },
  appVersion: "v1.150.0",
  sso: "none",
  // Metrics are rebuilt by scraping; the alerts' state lives in vmalert's remote write, here too.
  backup: false,
  keepsData: "the metrics history (a volume)",
  needs: ["blackbox-exporter", "kube-state-metrics"],
  provides: [],
  testedBy: "apps/observability.test.ts",
};

/**
 * The server's name, pinned: `vm.plain.fullname` returns `server.fullnameOverride` when set, else
 * `<fullname>-server`. The Service, the StatefulSet and the claim template take it.
 */
export const VM_FULLNAME = "victoria-metrics";
/** `server.http[0].value: :8428` gives the container and Service port (`templates/service.yaml`). */
export const VM_PORT = 8428;
/** The in-cluster URL vmalert queries and writes to. */
export const VM_URL = `http://${VM_FULLNAME}.${meta.name}.svc.cluster.local:${VM_PORT}`;
/** The ConfigMap holding `scrape.yml`, the key the chart mounts at /scrapeconfig (`server.yaml`). */
export const VM_SCRAPE_CONFIGMAP = "hearth-scrape";

/**
 * Pod and container contexts that pass the restricted level, in the VictoriaMetrics charts' form: each with
 * `enabled`, which victoria-metrics-common 0.3.15's `vm.securityContext` drops before rendering the rest.
 */
export function vmSecurityContexts(user: number, fsGroup = user) {
  return {
    pod: {
      enabled: true,
      runAsNonRoot: true,
      runAsUser: user,
      runAsGroup: user,
      fsGroup,
      seccompProfile: { type: "RuntimeDefault" },
    },
    container: {
      enabled: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    },
  };
}

/** What only VictoriaMetrics needs: the probes and the exporters' addresses. */
export interface VictoriaMetricsExtra {
  probes: { app: string; url: string }[];
  blackbox: string;
  kubeStateMetrics: string;
  /** How long samples are kept (`-retentionPeriod`). @default "30d" */
  retention?: string;
}

/**
 * Helm values: the StatefulSet with its volume, the scrape file from Hearth's ConfigMap (the chart then
 * renders no scrape ConfigMap of its own, `scrape-configmap.yaml`), re-read every 30 s since nothing restarts
 * the pod on a change, no ClusterRole (no Kubernetes service discovery is used), and a restricted pod.
 */
export function victoriaMetricsValues(retention: string): Record<string, unknown> {
  const security = vmSecurityContexts(65534);
  return {
    rbac: { create: false },
    server: {
      fullnameOverride: VM_FULLNAME,
      retentionPeriod: retention,
      scrape: { enabled: true, configMap: VM_SCRAPE_CONFIGMAP },
      extraArgs: { "promscrape.configCheckInterval": "30s" },
      persistentVolume: { enabled: true, size: "8Gi" },
      podSecurityContext: security.pod,
      securityContext: security.container,
      // The chart's commented example is 512Mi; no home was measured (ADR 11). Its caches size themselves
      // from this limit (`-memory.allowedPercent`, 60 by default).
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    },
  };
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
