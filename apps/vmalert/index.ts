import * as pulumi from "@pulumi/pulumi";
import {
  alertmanagerConfig,
  NOTIFY_SECRET_FILE,
} from "../../components/observability/alertmanager";
import { AppMetadata, deployChart, DeployedApp, RecipeArgs } from "../recipe";
import { VM_URL, vmSecurityContexts } from "../victoria-metrics";
import { backupAlertRules } from "../../components/backup/alerts";
import { homeRules } from "../../components/observability/home-alerts";
import { sloRules } from "../../components/observability/slo";
import { settingsOf, Wire } from "../wire";

/**
 * vmalert and Alertmanager (ADR 11): vmalert evaluates Hearth's rule files against VictoriaMetrics and sends
 * what fires to Alertmanager, which routes it to `hearth:observability.notify`. Chart facts read at
 * VictoriaMetrics/helm-charts tag `victoria-metrics-alert-0.47.0`, `charts/victoria-metrics-alert`
 * (`values.yaml`, `templates/alert-server.yaml`, `templates/alertmanager-deployment.yaml`,
 * `templates/_helpers.tpl` `vmalert.args` and `alertmanager.args`) with `victoria-metrics-common` 0.3.15.
 */
export const meta: AppMetadata = {
  name: "vmalert",
  title: "vmalert and Alertmanager",
  description:
    "Evaluates the SLO, home and backup alert rules and sends what fires to the declared route.",
  category: "observability",
  chart: {
    repository: "https://victoriametrics.github.io/helm-charts",
    name: "victoria-metrics-alert",
    version: "0.47.0",
  },
  appVersion: "v1.150.0",
  sso: "none",
  backup: false,
  needs: ["victoria-metrics"],
  provides: [],
  testedBy: "apps/observability.test.ts",
};

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

/** What only vmalert needs: the rule files, Alertmanager's configuration and the route's secret. */
export interface VmalertExtra {
  /** File name -> rule file text. */
  ruleFiles: Record<string, string>;
  alertmanagerConfig: string;
  /** Secret: the SMTP password or bearer token. */
  notifySecret: pulumi.Input<string>;
}

/**
 * Helm values. vmalert reads and writes VictoriaMetrics (`server.datasource.url`, `remoteWrite`, and
 * `remoteRead` to restore the alerts' state after a restart); its rules are Hearth's ConfigMap, listed in
 * `server.extraArgs.rule` (a list replaces the chart's `/config/alert-rules.yaml`, whose chart ConfigMap holds
 * `groups: []`), re-read every 30 s. The notifier URL is left to the chart, which points it at its own
 * Alertmanager when `alertmanager.enabled` (`vmalert.args`). Alertmanager reads Hearth's ConfigMap
 * (`--config.file=/config/alertmanager.yaml`) and the route's Secret from an extra volume.
 */
export function vmalertValues(): Record<string, unknown> {
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

/** Deploys vmalert and Alertmanager with Hearth's rules, route and secret. */
export function deploy(
  name: string,
  args: RecipeArgs<VmalertExtra>,
  opts?: pulumi.ComponentResourceOptions,
): DeployedApp {
  const { extra } = args;
  return deployChart(
    meta,
    name,
    args,
    {
      values: vmalertValues(),
      configMaps: {
        [RULES_CONFIGMAP]: {
          data: extra.ruleFiles,
          labels: { "hearth.dev/prometheus-rules": "true" },
        },
        [ALERTMANAGER_CONFIGMAP]: { data: { "alertmanager.yaml": extra.alertmanagerConfig } },
      },
      secrets: {
        [NOTIFY_SECRET]: pulumi.output(extra.notifySecret).apply((secret) => ({ secret })),
      },
      // Alertmanager sends to the route (a webhook or an SMTP server) outside the cluster.
      egress: "internet",
    },
    opts,
  );
}

/** vmalert with the SLO, home and backup rules, and Alertmanager with the operator's notifications. */
export const wire: Wire = (caps, opts) => {
  const { c, catalogue } = caps.home;
  // vmalert mounts ConfigMaps of its own namespace only, so the backup rules are written here a second
  // time (each app's namespace keeps its copy beside its CronJobs).
  const backedUp = c.backup
    ? c.apps.enabled.filter((app) => catalogue[app]?.backup).map((app) => ({ app, namespace: app }))
    : [];
  const deployed = deploy(
    `${caps.home.name}-vmalert`,
    {
      platform: caps.platform,
      overrides: settingsOf(caps, "vmalert"),
      extra: {
        ruleFiles: {
          "hearth-slo.rules.yaml": sloRules(caps.home.slos()),
          "hearth-home.rules.yaml": homeRules(),
          ...(backedUp.length > 0
            ? {
                "hearth-backups.rules.yaml": backupAlertRules(backedUp, c.backup!.drill.maxAgeDays),
              }
            : {}),
        },
        alertmanagerConfig: alertmanagerConfig(c.observability!.notify),
        notifySecret: c.notifySecret!,
      },
    },
    opts,
  );
  return { deployed, provides: {} };
};
