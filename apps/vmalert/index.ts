/** The vmalert recipe: vmalert with Hearth's rules, and Alertmanager with the operator's route and secret. */
import * as pulumi from "@pulumi/pulumi";
import { backupAlertRules } from "../../components/backup/alerts";
import { alertmanagerConfig } from "../../components/observability/alertmanager";
import { homeRules } from "../../components/observability/home-alerts";
import { sloRules } from "../../components/observability/slo";
import { deployChart, DeployedApp, RecipeArgs } from "../recipe";
import { settingsOf, Wire } from "../wire";
import { meta } from "./meta";
import { ALERTMANAGER_CONFIGMAP, NOTIFY_SECRET, RULES_CONFIGMAP, vmalertValues } from "./values";

export { meta };

/** What only vmalert needs: the rule files, Alertmanager's configuration and the route's secret. */
export interface VmalertExtra {
  /** File name -> rule file text. */
  ruleFiles: Record<string, string>;
  alertmanagerConfig: string;
  /** Secret: the SMTP password or bearer token. */
  notifySecret: pulumi.Input<string>;
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
