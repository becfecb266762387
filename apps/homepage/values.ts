/** Homepage's values: its start page's tiles, and the names and mounts of its chart. */
import { AppCategory } from "../recipe";
import { meta } from "./meta";
import { HomepageChartValues } from "./values.schema";

/** One tile on the start page. */
export interface HomepageLink {
  title: string;
  href: string;
  description: string;
  category: AppCategory;
  /** URL of the app's health path: Homepage shows its status and response time on the tile. */
  siteMonitor?: string;
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
}): HomepageChartValues {
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
export const SERVICE_PORT = 3000;
