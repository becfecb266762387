/** The Homepage recipe: the start page at `home.<domain>`, a tile for every other enabled app. */
import * as pulumi from "@pulumi/pulumi";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import { DeployedApp, hostnameFor, RecipeArgs } from "../recipe";
import { settingsOf, Wire } from "../wire";
import { meta } from "./meta";
import { HOMEPAGE_FULLNAME, HomepageLink, homepageValues, SERVICE_PORT } from "./values";

export { meta };

/** What only Homepage needs: the links to show. */
export interface HomepageExtra {
  links: HomepageLink[];
  /** The identity provider's ForwardAuth address: Homepage has no sign-in of its own. @default open */
  forwardAuth?: string;
}

/** Deploys Homepage at `home.<domain>` with a tile for every link. */
export function deploy(
  name: string,
  args: RecipeArgs<HomepageExtra>,
  opts?: pulumi.ComponentResourceOptions,
): DeployedApp {
  const { platform } = args;
  const hostname = hostnameFor(meta, platform.domain, args.overrides);
  if (!hostname) {
    throw new Error(`app "${name}": no hostname; set hearth:apps.settings.${name}.hostname.`);
  }
  const app = new HelmApp(
    name,
    {
      platform,
      namespace: meta.name,
      chart: resolveChart(meta.chart, args.overrides),
      values: homepageValues({ hostname, timezone: platform.timezone, links: args.extra.links }),
      valuesOverride: args.overrides?.values,
      hostname,
      service: { name: HOMEPAGE_FULLNAME, port: SERVICE_PORT },
      // The resources widget reads the pod's own cgroup; the page itself needs nothing outside.
      egress: "none",
      ...(args.extra.forwardAuth ? { forwardAuth: { address: args.extra.forwardAuth } } : {}),
    },
    opts,
  );
  return { url: app.url, resource: app.release };
}

/** Homepage, with a tile for every other enabled app that has a hostname. */
export const wire: Wire = (caps, opts) => {
  const { c, catalogue } = caps.home;
  const links = c.apps.enabled
    .filter((app) => app !== "homepage")
    .map((app) => ({
      meta: catalogue[app],
      host: hostnameFor(catalogue[app], c.domain, settingsOf(caps, app)),
    }))
    .filter((l) => l.host !== undefined)
    .map((l) => ({
      title: l.meta.title,
      href: `https://${l.host}`,
      description: l.meta.description,
      category: l.meta.category,
      // Its health shown on the tile, from the same path the SLO probes read.
      ...(l.meta.healthPath ? { siteMonitor: `https://${l.host}${l.meta.healthPath}` } : {}),
    }));
  const deployed = deploy(
    `${caps.home.name}-homepage`,
    {
      platform: caps.platform,
      overrides: settingsOf(caps, "homepage"),
      extra: { links, forwardAuth: caps.identity?.forwardAuth.homepage },
    },
    opts,
  );
  return { deployed, provides: {} };
};
