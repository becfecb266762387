/**
 * The blackbox exporter's values and the names they pin. Chart facts read at prometheus-community/helm-charts
 * tag `prometheus-blackbox-exporter-11.17.2` (`values.yaml`, `templates/_helpers.tpl`, `templates/service.yaml`,
 * `templates/configmap.yaml`).
 */
import { parse } from "yaml";
import { blackboxConfig } from "../../components/observability/prometheus";
import { meta } from "./meta";
import { PrometheusBlackboxExporterChartValues } from "./values.schema";

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
export function blackboxValues(): PrometheusBlackboxExporterChartValues {
  return {
    fullnameOverride: BLACKBOX_FULLNAME,
    config: parse(blackboxConfig()),
    podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
  };
}
