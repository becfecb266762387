import * as pulumi from "@pulumi/pulumi";
import { AppMetadata, deployChart, DeployedApp, RecipeArgs, requireHostname } from "../recipe";
import { vmSecurityContexts } from "../victoria-metrics";
import { Wire, wireDeploy } from "../wire";

/**
 * VictoriaLogs single-node: the home's log store (ADR 11), fed by the collector on every node, with its own
 * web UI (`/select/vmui`) behind forward-auth. Chart facts read at VictoriaMetrics/helm-charts tag
 * `victoria-logs-single-0.13.9` (app v1.52.0), `charts/victoria-logs-single` (`values.yaml`,
 * `templates/server.yaml`, `templates/service.yaml`) with victoria-metrics-common 0.3.15 (`vm.plain.fullname`).
 */
export const meta: AppMetadata = {
  name: "victoria-logs",
  title: "VictoriaLogs",
  description: "The log store: every pod's logs from every node, searchable in its web UI.",
  category: "observability",
  chart: {
    repository: "https://victoriametrics.github.io/helm-charts",
    name: "victoria-logs-single",
    version: "0.13.9",
  },
  appVersion: "v1.52.0",
  subdomain: "logs",
  healthPath: "/health",
  // Its web UI has no sign-in of its own.
  sso: "forward-auth",
  // Logs age out (retention); nothing in them is the home's state.
  backup: false,
  keepsData: "the collected logs (a volume)",
  needs: [],
  provides: [],
  testedBy: "apps/observability.test.ts",
};

/** `server.fullnameOverride` pins the StatefulSet and the (headless) Service, port `http` 9428. */
export const VL_FULLNAME = "victoria-logs";
export const VL_PORT = 9428;
/** Where the collector sends: the base URL, to which the chart appends `/insert/native`. */
export const VL_URL = `http://${VL_FULLNAME}.${meta.name}.svc.cluster.local:${VL_PORT}`;

/** What only VictoriaLogs needs: the UI's forward-auth and how long logs are kept. */
export interface VictoriaLogsExtra {
  forwardAuth?: string;
  /** `-retentionPeriod`. @default "14d" */
  retention?: string;
}

/**
 * Helm values: the StatefulSet with its volume (claim `server-volume-victoria-logs-0`), the chart's own
 * contexts plus a seccomp profile (its defaults meet only the baseline level), and its bundled Vector off
 * (the default, said again since the collector is Hearth's choice).
 */
export function victoriaLogsValues(retention: string): Record<string, unknown> {
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

/** Deploys VictoriaLogs at `logs.<domain>`, its UI behind the identity provider. */
export function deploy(
  name: string,
  args: RecipeArgs<VictoriaLogsExtra>,
  opts?: pulumi.ComponentResourceOptions,
): DeployedApp {
  const hostname = requireHostname(meta, args.platform.domain, args.overrides);
  return deployChart(
    meta,
    name,
    args,
    {
      values: victoriaLogsValues(args.extra.retention ?? "14d"),
      hostname,
      service: { name: VL_FULLNAME, port: VL_PORT },
      // The collector on every node writes; Grafana may read.
      allowFromNamespaces: ["victoria-logs-collector", "grafana"],
      egress: "none",
      ...(args.extra.forwardAuth ? { forwardAuth: { address: args.extra.forwardAuth } } : {}),
    },
    opts,
  );
}

/** Deploys victoria-logs with what it reads from the apps before it. */
export const wire: Wire = wireDeploy(meta.name, deploy, (caps) => ({
  forwardAuth: caps.identity?.forwardAuth["victoria-logs"],
}));
