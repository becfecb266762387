/**
 * VictoriaLogs' values and the names they pin. Chart facts read at VictoriaMetrics/helm-charts tag
 * `victoria-logs-single-0.13.9` (app v1.52.0), `charts/victoria-logs-single` (`values.yaml`,
 * `templates/server.yaml`, `templates/service.yaml`) with victoria-metrics-common 0.3.15 (`vm.plain.fullname`).
 */
import { vmSecurityContexts } from "../victoria-metrics/values";
import { meta } from "./meta";
import { VictoriaLogsSingleChartValues } from "./values.schema";

/** `server.fullnameOverride` pins the StatefulSet and the (headless) Service, port `http` 9428. */
export const VL_FULLNAME = "victoria-logs";
export const VL_PORT = 9428;
/** Where the collector sends: the base URL, to which the chart appends `/insert/native`. */
export const VL_URL = `http://${VL_FULLNAME}.${meta.name}.svc.cluster.local:${VL_PORT}`;

/**
 * Helm values: the StatefulSet with its volume (claim `server-volume-victoria-logs-0`), the chart's own
 * contexts plus a seccomp profile (its defaults meet only the baseline level), and its bundled Vector off
 * (the default, said again since the collector is Hearth's choice).
 */
export function victoriaLogsValues(retention: string): VictoriaLogsSingleChartValues {
  // The chart's own user and group (1000, fsGroup 2000), with what the restricted level adds.
  const security = vmSecurityContexts(1000, 2000);
  return {
    server: {
      fullnameOverride: VL_FULLNAME,
      retentionPeriod: retention,
      persistentVolume: { enabled: true, size: "10Gi" },
      podSecurityContext: security.pod,
      securityContext: security.container,
      // The chart's commented example is 512Mi; no home was measured (ADR 11).
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    },
    vector: { enabled: false },
  };
}
