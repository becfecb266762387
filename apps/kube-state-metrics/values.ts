/**
 * kube-state-metrics' values and the names they pin (the backup, node, certificate and Argo CD alerts' series).
 * Chart facts read at prometheus-community/helm-charts tag `kube-state-metrics-8.4.0` (`values.yaml`,
 * `templates/_helpers.tpl`, `templates/service.yaml`, `templates/deployment.yaml`).
 */
import { meta } from "./meta";
import { KubeStateMetricsChartValues } from "./values.schema";

/** Helm's fullname rule (`templates/_helpers.tpl`): `fullnameOverride` pins every object's name. */
export const KSM_FULLNAME = "kube-state-metrics";
/** `service.port | default 8080`, the container's `http` (`--port=8080`). */
export const KSM_PORT = 8080;
/** host:port VictoriaMetrics scrapes. */
export const KSM_ADDRESS = `${KSM_FULLNAME}.${meta.name}.svc.cluster.local:${KSM_PORT}`;

/** Helm values: the chart's defaults (its ClusterRole, restricted contexts) and a pinned name. */
export function kubeStateMetricsValues(): KubeStateMetricsChartValues {
  return {
    fullnameOverride: KSM_FULLNAME,
    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
  };
}
