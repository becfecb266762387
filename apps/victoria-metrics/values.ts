/**
 * VictoriaMetrics' values and the names they pin. Chart facts read at VictoriaMetrics/helm-charts tag
 * `victoria-metrics-single-0.45.0`, `charts/victoria-metrics-single` (`values.yaml`, `templates/server.yaml`,
 * `templates/service.yaml`, `templates/_helpers.tpl`) with its library `victoria-metrics-common` 0.3.15
 * (`vm.plain.fullname`).
 */
import { meta } from "./meta";
import { VictoriaMetricsSingleChartValues } from "./values.schema";

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

/**
 * Helm values: the StatefulSet with its volume, the scrape file from Hearth's ConfigMap (the chart then
 * renders no scrape ConfigMap of its own, `scrape-configmap.yaml`), re-read every 30 s since nothing restarts
 * the pod on a change, no ClusterRole (no Kubernetes service discovery is used), and a restricted pod.
 */
export function victoriaMetricsValues(retention: string): VictoriaMetricsSingleChartValues {
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
