import * as argocd from "./argocd";
import * as authelia from "./authelia";
import * as certManager from "./cert-manager";
import * as blackboxExporter from "./blackbox-exporter";
import * as gitea from "./gitea";
import * as grafana from "./grafana";
import * as homepage from "./homepage";
import * as kubeStateMetrics from "./kube-state-metrics";
import { AppMetadata } from "./recipe";
import * as traefik from "./traefik";
import * as victoriaLogs from "./victoria-logs";
import * as victoriaLogsCollector from "./victoria-logs-collector";
import * as victoriaMetrics from "./victoria-metrics";
import * as vmalert from "./vmalert";
import type { Wire } from "./wire";
import * as woodpecker from "./woodpecker";
import * as zot from "./zot";

/** A recipe module as the catalogue lists it: its metadata and its wiring. */
interface Recipe {
  meta: AppMetadata;
  wire: Wire;
}

const ALL: Recipe[] = [
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
  ALL.map((app) => [app.meta.name, app.meta]),
);

/** The catalogue's names, for validating `hearth:apps.enabled`. */
export const appNames: string[] = ALL.map((app) => app.meta.name);

/** Each app's wiring (its recipe's `wire`), by catalogue name. */
export const wirings: Record<string, Wire> = Object.fromEntries(
  ALL.map((app) => [app.meta.name, app.wire]),
);
