/**
 * The log collector's values. Chart facts read at VictoriaMetrics/helm-charts tag `victoria-logs-collector-0.3.7`
 * (app v1.52.0), `charts/victoria-logs-collector` (`values.yaml`, `templates/server.yaml`, `templates/_helpers.tpl`:
 * the `remoteWrite` URL gets `/insert/native` when it has no path, and at least one is required).
 */
import { VL_URL } from "../victoria-logs/values";
import { VictoriaLogsCollectorChartValues } from "./values.schema";

/** Helm values: where to send, and the chart README's suggested size. Its fullname is pinned too. */
export function collectorValues(): VictoriaLogsCollectorChartValues {
  return {
    fullnameOverride: "victoria-logs-collector",
    remoteWrite: [{ url: VL_URL }],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
  };
}
