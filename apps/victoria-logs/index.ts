/** The VictoriaLogs recipe: the log store at `logs.<domain>`, its UI behind the identity provider. */
import * as pulumi from "@pulumi/pulumi";
import { deployChart, DeployedApp, RecipeArgs, requireHostname } from "../recipe";
import { Wire, wireDeploy } from "../wire";
import { meta } from "./meta";
import { VL_FULLNAME, VL_PORT, victoriaLogsValues } from "./values";

export { meta };

/** What only VictoriaLogs needs: the UI's forward-auth and how long logs are kept. */
export interface VictoriaLogsExtra {
  forwardAuth?: string;
  /** `-retentionPeriod`. @default "14d" */
  retention?: string;
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
