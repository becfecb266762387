/**
 * The home's alerting files in the cluster, ready for the Prometheus and Alertmanager that load them: the SLO
 * rules and the home's own alerts (nodes, disks, certificates, Argo CD; label hearth.dev/prometheus-rules, as
 * the backup rules carry), the Alertmanager configuration, and the
 * notification Secret it reads its credential from. The files are generated and checked by promtool and amtool;
 * deploying Prometheus and Alertmanager themselves is the observability catalogue apps' part.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NotifyRoute, alertmanagerConfig } from "./alertmanager";
import { HomeAlertSettings, homeRules } from "./home-alerts";
import { AppSlo, sloRules } from "./slo";

export const MONITORING_NAMESPACE = "monitoring";

export interface AlertingArgs {
  slos: AppSlo[];
  notify: NotifyRoute;
  /** Secret: the SMTP password or bearer token. */
  notifySecret: pulumi.Input<string>;
  /** Thresholds of the home alerts (nodes, disks, certificates, Argo CD). @default their defaults */
  home?: HomeAlertSettings;
}

export class Alerting extends pulumi.ComponentResource {
  readonly namespace: k8s.core.v1.Namespace;

  constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:observability:Alerting", name, {}, opts);
    const child = { parent: this };
    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: MONITORING_NAMESPACE,
          labels: {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
          },
        },
      },
      child,
    );
    const inNs = { ...child, dependsOn: [this.namespace] };
    // Rule files carry the label the rule loader selects, as the backup rules do.
    const rules = (suffix: string, file: string, text: string) =>
      new k8s.core.v1.ConfigMap(
        `${name}-${suffix}`,
        {
          metadata: {
            name: `hearth-${suffix}`,
            namespace: MONITORING_NAMESPACE,
            labels: { "hearth.dev/prometheus-rules": "true" },
          },
          data: { [file]: text },
        },
        inNs,
      );
    rules("slo-rules", "hearth-slo.rules.yaml", sloRules(args.slos));
    rules("home-rules", "hearth-home.rules.yaml", homeRules(args.home));
    new k8s.core.v1.ConfigMap(
      `${name}-alertmanager`,
      {
        metadata: { name: "hearth-alertmanager", namespace: MONITORING_NAMESPACE },
        data: { "alertmanager.yml": alertmanagerConfig(args.notify) },
      },
      inNs,
    );
    new k8s.core.v1.Secret(
      `${name}-notify`,
      {
        metadata: { name: "hearth-notify", namespace: MONITORING_NAMESPACE },
        stringData: pulumi.secret(pulumi.output(args.notifySecret).apply((secret) => ({ secret }))),
      },
      inNs,
    );
    this.registerOutputs({});
  }
}
