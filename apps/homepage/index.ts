import * as pulumi from "@pulumi/pulumi";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import { AppCategory, AppMetadata, DeployedApp, hostnameFor, RecipeArgs } from "../recipe";
import { settingsOf, Wire } from "../wire";

/** Homepage: the start page linking every enabled app. */
export const meta: AppMetadata = {
  name: "homepage",
  title: "Homepage",
  description: "A start page with a tile for every app the home runs.",
  category: "dashboard",
  // The community chart (there is no official one): 2.1.0 ships Homepage v1.2.0, as recorded in a
  // deployment log that pins it (ddzhomelab, 2026-08-11).
  chart: {
    repository: "https://jameswynn.github.io/helm-charts",
    name: "homepage",
    version: "2.1.0",
  },
  appVersion: "v1.2.0",
  subdomain: "home",
  healthPath: "/api/healthcheck",
  sso: "forward-auth",
  backup: false,
  needs: [],
  provides: [],
  testedBy: "apps/homepage/index.test.ts",
};

/** One tile on the start page. */
export interface HomepageLink {
  title: string;
  href: string;
  description: string;
  category: AppCategory;
  /** URL of the app's health path: Homepage shows its status and response time on the tile. */
  siteMonitor?: string;
}

/** What only Homepage needs: the links to show. */
export interface HomepageExtra {
  links: HomepageLink[];
  /** The identity provider's ForwardAuth address: Homepage has no sign-in of its own. @default open */
  forwardAuth?: string;
}

/**
 * Homepage's `services.yaml`: groups of `{ <title>: { href, description, siteMonitor? } }` tiles. `siteMonitor`
 * as gethomepage/homepage v1.2.0 docs/configs/services.md "Site Monitor" describes it (a HEAD, then GET,
 * request whose status and time the tile shows; src/components/services/site-monitor.jsx).
 */
export type HomepageServices = Record<
  string,
  Record<string, { href: string; description: string; siteMonitor?: string }>[]
>[];

// Group order on the page: what people open most first, the plumbing last.
const CATEGORY_ORDER: AppCategory[] = [
  "dashboard",
  "development",
  "storage",
  "security",
  "observability",
  "platform",
];
const CATEGORY_TITLE: Record<AppCategory, string> = {
  dashboard: "Dashboards",
  development: "Development",
  storage: "Storage",
  security: "Security",
  observability: "Observability",
  platform: "Platform",
};

/**
 * Renders the start page's services: one group per category that has links, in a fixed order, tiles
 * sorted by title so the page does not reshuffle when the catalogue changes order. Refuses two
 * links with one title, which Homepage would silently merge.
 */
export function homepageServices(links: HomepageLink[]): HomepageServices {
  const seen = new Set<string>();
  for (const link of links) {
    if (seen.has(link.title)) {
      throw new Error(
        `homepage: two links are titled "${link.title}"; give each app a distinct title.`,
      );
    }
    seen.add(link.title);
  }
  return CATEGORY_ORDER.flatMap((category) => {
    const tiles = links
      .filter((link) => link.category === category)
      .sort((a, b) => a.title.localeCompare(b.title))
      .map((link) => ({
        [link.title]: {
          href: link.href,
          description: link.description,
          ...(link.siteMonitor ? { siteMonitor: link.siteMonitor } : {}),
        },
      }));
    return tiles.length > 0 ? [{ [CATEGORY_TITLE[category]]: tiles }] : [];
  });
}

/**
 * Paths the chart mounts by itself, read at jameswynn/helm-charts tag homepage-2.1.0,
 * `charts/homepage/templates/common.yaml`: it adds persistence "homepage-base-config" (an emptyDir at
 * `/app/config`, where Homepage copies its default files beside ours) and "homepage-config" (the
 * ConfigMap's six files by subPath under `/app/config/`), and `values.yaml` adds "logs" (an emptyDir at
 * `/app/config/logs`). The recipe must not mount anything of its own at these paths: a second volume
 * at `/app/config` makes a Deployment with two mounts at one path.
 */
export const HOMEPAGE_CHART_MOUNTS = [
  "/app/config",
  "/app/config/logs",
  ...["bookmarks", "docker", "kubernetes", "services", "settings", "widgets"].map(
    (f) => `/app/config/${f}.yaml`,
  ),
];

/**
 * The chart's object names (Service, ConfigMap, Deployment), pinned with `fullnameOverride`. Without
 * it the chart names them after the release: `common.yaml` sets `global.nameOverride` to the release
 * name, so the bjw-s common library 1.5.1's fullname (`templates/lib/chart/_names.tpl`, read at
 * bjw-s-labs/helm-charts a081de53 "Release common version 1.5.1") is the release name itself. With
 * the override it is this constant, which the Ingress routes to.
 */
export const HOMEPAGE_FULLNAME = "homepage";

/**
 * Helm values for Homepage. It runs as an unprivileged user; `/app/config` is already a writable
 * emptyDir of the chart's own (`HOMEPAGE_CHART_MOUNTS`), so only the Next.js cache gets one here.
 */
export function homepageValues(input: {
  hostname: string;
  timezone: string;
  links: HomepageLink[];
}): Record<string, unknown> {
  return {
    fullnameOverride: HOMEPAGE_FULLNAME,
    image: { repository: "ghcr.io/gethomepage/homepage", tag: meta.appVersion },
    enableRbac: false,
    serviceAccount: { create: false },
    // Homepage v1 answers only for the hostnames listed here.
    env: [
      { name: "HOMEPAGE_ALLOWED_HOSTS", value: input.hostname },
      { name: "TZ", value: input.timezone },
    ],
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    persistence: {
      "next-cache": { enabled: true, type: "emptyDir", mountPath: "/app/.next/cache" },
    },
    config: {
      services: homepageServices(input.links),
      bookmarks: [],
      widgets: [{ resources: { backend: "resources", expanded: true, cpu: true, memory: true } }],
      kubernetes: { mode: "disable" },
      settings: { title: "Hearth", headerStyle: "boxed", hideVersion: true },
    },
  };
}

// The chart's Service (bjw-s common library) is named HOMEPAGE_FULLNAME and serves on 3000.
const SERVICE_PORT = 3000;

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
