/**
 * vmalert's and Alertmanager's values and the names they pin. Chart facts read at VictoriaMetrics/helm-charts
 * tag `victoria-metrics-alert-0.47.0`, `charts/victoria-metrics-alert` (`values.yaml`,
 * `templates/alert-server.yaml`, `templates/alertmanager-deployment.yaml`, `templates/_helpers.tpl`
 * `vmalert.args` and `alertmanager.args`) with `victoria-metrics-common` 0.3.15.
 */
import { NOTIFY_SECRET_FILE } from "../../components/observability/alertmanager";
import { VM_URL, vmSecurityContexts } from "../victoria-metrics/values";
import { VictoriaMetricsAlertChartValues } from "./values.schema";

/** `vm.plain.fullname` with `server.fullnameOverride` / `alertmanager.fullnameOverride`. */
export const VMALERT_FULLNAME = "vmalert";
export const ALERTMANAGER_FULLNAME = "alertmanager";
/** vmalert's `server.http[0].value: :8880`; Alertmanager's Service port `web`, 9093. */
export const VMALERT_PORT = 8880;
export const ALERTMANAGER_PORT = 9093;

/** The ConfigMap of rule files, mounted at RULES_MOUNT; vmalert loads every `*.yaml` in it. */
export const RULES_CONFIGMAP = "hearth-rules";
const RULES_MOUNT = "/hearth-rules";
/** Alertmanager's configuration: the chart reads key `alertmanager.yaml` of `alertmanager.configMap`. */
export const ALERTMANAGER_CONFIGMAP = "hearth-alertmanager";
/** The route's credential, mounted where the configuration's `*_file` fields point. */
export const NOTIFY_SECRET = "hearth-notify";
const NOTIFY_DIR = NOTIFY_SECRET_FILE.slice(0, NOTIFY_SECRET_FILE.lastIndexOf("/"));

/**
 * Helm values. vmalert reads and writes VictoriaMetrics (`server.datasource.url`, `remoteWrite`, and
 * `remoteRead` to restore the alerts' state after a restart); its rules are Hearth's ConfigMap, listed in
 * `server.extraArgs.rule` (a list replaces the chart's `/config/alert-rules.yaml`, whose chart ConfigMap holds
 * `groups: []`), re-read every 30 s. The notifier URL is left to the chart, which points it at its own
 * Alertmanager when `alertmanager.enabled` (`vmalert.args`). Alertmanager reads Hearth's ConfigMap
 * (`--config.file=/config/alertmanager.yaml`) and the route's Secret from an extra volume.
 */
export function vmalertValues(): VictoriaMetricsAlertChartValues {
  const vm = vmSecurityContexts(65534);
  const am = vmSecurityContexts(65534);
  return {
    server: {
      fullnameOverride: VMALERT_FULLNAME,
      datasource: { url: VM_URL },
      remoteWrite: { url: VM_URL },
      remoteRead: { url: VM_URL },
      extraArgs: { rule: [`${RULES_MOUNT}/*.yaml`], configCheckInterval: "30s" },
      extraVolumes: [{ name: "hearth-rules", configMap: { name: RULES_CONFIGMAP } }],
      extraVolumeMounts: [{ name: "hearth-rules", mountPath: RULES_MOUNT, readOnly: true }],
      podSecurityContext: vm.pod,
      securityContext: vm.container,
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
    },
    alertmanager: {
      enabled: true,
      fullnameOverride: ALERTMANAGER_FULLNAME,
      configMap: ALERTMANAGER_CONFIGMAP,
      extraVolumes: [{ name: "hearth-notify", secret: { secretName: NOTIFY_SECRET } }],
      extraVolumeMounts: [{ name: "hearth-notify", mountPath: NOTIFY_DIR, readOnly: true }],
      podSecurityContext: am.pod,
      securityContext: am.container,
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "64Mi" } },
    },
  };
}
