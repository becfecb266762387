import { meta as argocd } from "./argocd";
import { meta as authelia } from "./authelia";
import { meta as certManager } from "./cert-manager";
import { meta as blackboxExporter } from "./blackbox-exporter";
import { meta as gitea } from "./gitea";
import { meta as grafana } from "./grafana";
import { meta as homepage } from "./homepage";
import { meta as kubeStateMetrics } from "./kube-state-metrics";
import { AppMetadata } from "./recipe";
import { meta as traefik } from "./traefik";
import { meta as victoriaLogs } from "./victoria-logs";
import { meta as victoriaLogsCollector } from "./victoria-logs-collector";
import { meta as victoriaMetrics } from "./victoria-metrics";
import { meta as vmalert } from "./vmalert";
import { meta as woodpecker } from "./woodpecker";
import { meta as zot } from "./zot";

const ALL: AppMetadata[] = [
  traefik,
  certManager,
  authelia,
  homepage,
  gitea,
  argocd,
  woodpecker,
  zot,
  blackboxExporter,
  kubeStateMetrics,
  victoriaMetrics,
  vmalert,
  grafana,
  victoriaLogs,
  victoriaLogsCollector,
];

/** Every app Hearth can deploy, by its `hearth:apps.enabled` name. */
export const catalogue: Record<string, AppMetadata> = Object.fromEntries(
  ALL.map((app) => [app.name, app]),
);

/** The catalogue's names, for validating `hearth:apps.enabled`. */
export const appNames: string[] = ALL.map((app) => app.name);
