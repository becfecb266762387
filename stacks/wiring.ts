/**
 * How each catalogue app is deployed into a home. `buildPlatform` walks the enabled apps in the order their
 * catalogue entries' `needs` give, and derives each app's waits from its metadata:
 * - every app waits for the edge (the ingress controller and the certificate issuer);
 * - it waits for the apps it `needs`;
 * - with `sso: "oidc"`, it waits for the identity provider's route, because its sign-in fetches the issuer's
 *   discovery document (Gitea's init container at once).
 *
 * What stays per app is only what the metadata cannot say: the recipe's `extra`. That is one wiring function
 * per app in `WIRINGS`, and a test checks that every catalogue app has one.
 */
import * as pulumi from "@pulumi/pulumi";
import * as argocd from "../apps/argocd";
import * as blackboxExporter from "../apps/blackbox-exporter";
import * as certManager from "../apps/cert-manager";
import * as gitea from "../apps/gitea";
import * as grafana from "../apps/grafana";
import * as homepage from "../apps/homepage";
import * as kubeStateMetrics from "../apps/kube-state-metrics";
import { catalogue } from "../apps";
import { AppMetadata, DeployedApp, hostnameFor } from "../apps/recipe";
import * as traefik from "../apps/traefik";
import * as victoriaLogs from "../apps/victoria-logs";
import * as victoriaLogsCollector from "../apps/victoria-logs-collector";
import * as victoriaMetrics from "../apps/victoria-metrics";
import * as vmalert from "../apps/vmalert";
import * as woodpecker from "../apps/woodpecker";
import * as zot from "../apps/zot";
import { backupAlertRules } from "../components/backup/alerts";
import type { AppRecords } from "../components/edge/app-records";
import { CloudflareTunnel } from "../components/edge/cloudflare-tunnel";
import { GiteaAccessToken } from "../components/git/gitea-access-token";
import { GiteaOAuth2Application } from "../components/git/gitea-oauth2-application";
import { GiteaRepoReader } from "../components/git/gitea-repo-reader";
import { GitOpsRepo } from "../components/git/gitops-repo";
import { gitopsSeedFiles } from "../components/git/seed";
import { alertmanagerConfig } from "../components/observability/alertmanager";
import { homeRules } from "../components/observability/home-alerts";
import { sloRules } from "../components/observability/slo";
import { GeneratedSecrets } from "../components/secrets/generated-secrets";
import { GiteaEndpoint, Platform } from "../components/types";
import { LoadedConfig } from "./config";
import { rfc2136Solver } from "./dns";
import { buildIdentity, IdentityResult, ssoOn } from "./identity";

/** The Gitea user Argo CD clones the GitOps repository as: read permission on that repository only. */
export const ARGOCD_GITEA_READER = "hearth-argocd";

/**
 * What Hearth's own Gitea token may do: create the Argo CD reader (admin), the GitOps organization and
 * repository with its files, and the CI's OAuth2 application (user). Not packages, issues, notifications or
 * anything else a site admin's password reaches.
 */
export const HEARTH_GITEA_SCOPES = [
  "write:admin",
  "write:organization",
  "write:repository",
  "write:user",
];

/** Namespace the tunnel connector runs in; Traefik admits traffic from it. */
export const TUNNEL_NAMESPACE = "cloudflared";

/** The edge: deployed first, and every other app waits for it. */
export const EDGE_APPS = ["traefik", "cert-manager"];

/** What a wiring may read and what it hands on: built before the apps, then filled in app by app. */
export interface WireContext {
  /** The stack's resource-name prefix; an app's component is `<name>-<app>`. */
  name: string;
  c: LoadedConfig;
  /** Platform settings; cert-manager's wiring sets the cluster issuer on it. */
  platform: Platform;
  secrets: GeneratedSecrets;
  tunnel?: CloudflareTunnel;
  /** The apps' records on the home's own DNS server (hearth:dns.provider rfc2136). */
  records?: AppRecords;
  /** Set by authelia's wiring. */
  identity?: IdentityResult;
  /**
   * Gitea's API: the in-cluster app (set by its wiring) or an existing one from `hearth:gitea.url`; `inCluster`
   * is the in-cluster app's base URL for pods.
   */
  gitea: {
    endpoint?: GiteaEndpoint;
    url?: pulumi.Input<string>;
    inCluster?: string;
    ready: pulumi.Resource[];
  };
  /** The apps deployed so far, by catalogue name. */
  deployed: Record<string, DeployedApp>;
  parent: pulumi.Resource;
}

/** One app's recipe call with the extra only it needs; `opts` already carries its waits. */
export type Wiring = (
  ctx: WireContext,
  opts: pulumi.ComponentResourceOptions & { dependsOn: pulumi.Resource[] },
) => DeployedApp;

/**
 * The enabled apps in deployment order: the edge, then the identity provider (`sso: "provider"`), whose
 * clients and forward-auth addresses the other apps' wirings read, then each app after every enabled app it
 * `needs`, otherwise in catalogue order. A cycle in the catalogue is a programming error and is refused by
 * name.
 */
export function deployOrder(
  enabled: string[],
  cat: Record<string, AppMetadata> = catalogue,
): string[] {
  const on = new Set(enabled);
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (app: string, path: string[]) => {
    if (state.get(app) === "done") return;
    if (state.get(app) === "visiting")
      throw new Error(`the catalogue's needs form a cycle: ${[...path, app].join(" -> ")}`);
    state.set(app, "visiting");
    for (const dep of cat[app]?.needs ?? []) if (on.has(dep)) visit(dep, [...path, app]);
    state.set(app, "done");
    order.push(app);
  };
  const byCatalogue = Object.keys(cat).filter((a) => on.has(a));
  const providers = byCatalogue.filter((a) => cat[a].sso === "provider");
  for (const app of [...EDGE_APPS.filter((a) => on.has(a)), ...providers, ...byCatalogue])
    visit(app, []);
  return order;
}

/** The resources an app waits for, from its metadata and what is deployed (see the file's header). */
export function waitsFor(
  app: string,
  ctx: WireContext,
  edge: pulumi.Resource[],
): pulumi.Resource[] {
  const meta = catalogue[app];
  const needs = (meta?.needs ?? []).flatMap((n) =>
    ctx.deployed[n] ? [ctx.deployed[n].resource] : [],
  );
  const signIn =
    meta?.sso === "oidc" && ctx.identity && ssoOn(ctx.c, app) ? [ctx.identity.deployed.route] : [];
  return [...(EDGE_APPS.includes(app) ? [] : edge), ...needs, ...signIn];
}

const settings = (ctx: WireContext, app: string) => ctx.c.apps.settings[app];

/** The SLO of every enabled app with a health path, and where the probe reads it: one list for all uses. */
export function sloList(c: LoadedConfig) {
  const o = c.observability!;
  const withHealth = c.apps.enabled.filter((app) => catalogue[app]?.healthPath);
  return withHealth.map((app) => ({
    app,
    title: catalogue[app].title,
    target: o.sloTargets[app] ?? o.sloTarget,
    healthPath: catalogue[app].healthPath!,
    url: `https://${hostnameFor(catalogue[app], c.domain, c.apps.settings[app])}${catalogue[app].healthPath}`,
  }));
}

/** The Gitea API an app calls, or a config error naming the keys (validation refuses this first). */
function requireGitea(ctx: WireContext, app: string) {
  const { endpoint, url } = ctx.gitea;
  if (!endpoint || !url)
    throw new Error(
      `hearth:apps.enabled: "${app}" needs Gitea: enable "gitea" or set hearth:gitea.url with hearth:giteaToken.`,
    );
  return { endpoint, url };
}

export const WIRINGS: Record<string, Wiring> = {
  traefik: (ctx, opts) =>
    traefik.deploy(
      `${ctx.name}-traefik`,
      {
        platform: ctx.platform,
        overrides: settings(ctx, "traefik"),
        extra: { allowFromNamespaces: ctx.c.cloudflare ? [TUNNEL_NAMESPACE] : [] },
      },
      opts,
    ),

  "cert-manager": (ctx, opts) => {
    const cm = certManager.deploy(
      `${ctx.name}-cert-manager`,
      {
        platform: ctx.platform,
        overrides: settings(ctx, "cert-manager"),
        extra: {
          acmeEmail: ctx.c.acmeEmail ?? `hostmaster@${ctx.c.domain}`,
          // DNS-only: this token is stored in the cluster, so it must not be able to edit tunnels.
          cloudflareApiToken: ctx.c.cloudflare ? ctx.c.cloudflareDnsApiToken : undefined,
          rfc2136: rfc2136Solver(ctx.c),
        },
      },
      opts,
    );
    ctx.platform = {
      ...ctx.platform,
      exposure: { ...ctx.platform.exposure, clusterIssuer: cm.issuerName },
    };
    return cm;
  },

  // The identity provider: every app that signs in through it gets its client or forward-auth from here.
  authelia: (ctx, opts) => {
    ctx.identity = buildIdentity(ctx.name, ctx.c, ctx.platform, opts, ctx.parent);
    return ctx.identity.deployed;
  },

  gitea: (ctx, opts) => {
    const g = gitea.deploy(
      `${ctx.name}-gitea`,
      {
        platform: ctx.platform,
        overrides: settings(ctx, "gitea"),
        extra: {
          adminPassword: ctx.secrets.passwords["gitea-admin"],
          // The login the operator named is the one created, shown in the outputs and given to Argo CD.
          adminUsername: ctx.c.gitea.username,
          allowFromNamespaces: ["argocd", "woodpecker"].filter((a) =>
            ctx.c.apps.enabled.includes(a),
          ),
          oidc: ctx.identity?.oidc.gitea,
        },
      },
      opts,
    );
    // Its API is called at https://<host>: calls wait for the route there (release, Ingress, and the tunnel
    // with its DNS records when Cloudflare fronts the home, or the records on the home's own DNS server), not
    // only for the release. The admin's password makes one scoped token there, and every later call uses the
    // token.
    const token = new GiteaAccessToken(
      `${ctx.name}-gitea-token`,
      { endpoint: { ...g.endpoint, ca: ctx.c.giteaCa }, scopes: HEARTH_GITEA_SCOPES },
      {
        parent: ctx.parent,
        dependsOn: [
          g.route,
          ...(ctx.tunnel ? [ctx.tunnel] : []),
          ...(ctx.records ? [ctx.records] : []),
        ],
      },
    );
    ctx.gitea = {
      endpoint: { url: g.url, token: token.token, ca: ctx.c.giteaCa },
      url: g.url,
      inCluster: g.internalUrl,
      ready: [token],
    };
    return g;
  },

  argocd: (ctx, opts) => {
    const { endpoint } = requireGitea(ctx, "argocd");
    const repo = new GitOpsRepo(
      `${ctx.name}-gitops`,
      {
        endpoint,
        org: ctx.c.gitea.org,
        repo: ctx.c.gitea.repo,
        files: gitopsSeedFiles({ domain: ctx.c.domain, apps: [] }),
      },
      { parent: ctx.parent, dependsOn: ctx.gitea.ready },
    );
    // Argo CD clones with a user that may only read this repository, never with the admin's credentials.
    const reader = new GiteaRepoReader(
      `${ctx.name}-gitops-reader`,
      {
        endpoint,
        owner: repo.repository.owner,
        repo: repo.repository.name,
        username: ARGOCD_GITEA_READER,
        password: ctx.secrets.passwords["argocd-repo-reader"],
      },
      { parent: ctx.parent, dependsOn: [repo] },
    );
    // Argo CD clones in the cluster when Gitea runs there: the token never crosses the tunnel or the internet.
    const inCluster = ctx.gitea.inCluster;
    const repoUrl = inCluster
      ? pulumi.interpolate`${inCluster}/${repo.repository.owner}/${repo.repository.name}.git`
      : repo.cloneUrl;
    return argocd.deploy(
      `${ctx.name}-argocd`,
      {
        platform: ctx.platform,
        overrides: settings(ctx, "argocd"),
        extra: {
          repoUrl,
          repoUsername: reader.username,
          repoToken: reader.token,
          oidc: ctx.identity?.oidc.argocd,
          // The GitOps repository's Applications may not deploy into the namespaces Hearth runs, nor into one
          // an app retired with "keep-data" left with its volumes.
          protectedNamespaces: [
            ...ctx.c.apps.enabled,
            ...Object.entries(ctx.c.apps.retired)
              .filter(([, how]) => how === "keep-data")
              .map(([app]) => app),
            ...(ctx.c.cloudflare ? [TUNNEL_NAMESPACE] : []),
          ],
        },
      },
      opts,
    );
  },

  woodpecker: (ctx, opts) => {
    const { endpoint, url } = requireGitea(ctx, "woodpecker");
    const oauth = new GiteaOAuth2Application(
      `${ctx.name}-woodpecker-oauth`,
      {
        endpoint,
        name: "Woodpecker CI",
        redirectUris: [woodpecker.woodpeckerRedirectUri(ctx.c.domain, settings(ctx, "woodpecker"))],
      },
      { parent: ctx.parent, dependsOn: ctx.gitea.ready },
    );
    return woodpecker.deploy(
      `${ctx.name}-woodpecker`,
      {
        platform: ctx.platform,
        overrides: settings(ctx, "woodpecker"),
        extra: {
          giteaUrl: url,
          oauthClientId: oauth.clientId,
          oauthClientSecret: oauth.clientSecret,
          agentSecret: ctx.secrets.passwords["woodpecker-agent"],
          admins: [ctx.c.gitea.username],
        },
      },
      opts,
    );
  },

  zot: (ctx, opts) =>
    zot.deploy(
      `${ctx.name}-zot`,
      {
        platform: ctx.platform,
        overrides: settings(ctx, "zot"),
        extra: { oidc: ctx.identity?.oidc.zot },
      },
      opts,
    ),

  homepage: (ctx, opts) => {
    const links = ctx.c.apps.enabled
      .filter((app) => app !== "homepage")
      .map((app) => ({
        meta: catalogue[app],
        host: hostnameFor(catalogue[app], ctx.c.domain, settings(ctx, app)),
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
    return homepage.deploy(
      `${ctx.name}-homepage`,
      {
        platform: ctx.platform,
        overrides: settings(ctx, "homepage"),
        extra: { links, forwardAuth: ctx.identity?.forwardAuth.homepage },
      },
      opts,
    );
  },

  "victoria-logs": (ctx, opts) =>
    victoriaLogs.deploy(
      `${ctx.name}-victoria-logs`,
      {
        platform: ctx.platform,
        overrides: settings(ctx, "victoria-logs"),
        extra: { forwardAuth: ctx.identity?.forwardAuth["victoria-logs"] },
      },
      opts,
    ),

  "victoria-logs-collector": (ctx, opts) =>
    victoriaLogsCollector.deploy(
      `${ctx.name}-victoria-logs-collector`,
      { platform: ctx.platform, overrides: settings(ctx, "victoria-logs-collector"), extra: {} },
      opts,
    ),

  // The observability apps (ADR 11), all from one SLO list.
  "blackbox-exporter": (ctx, opts) =>
    blackboxExporter.deploy(
      `${ctx.name}-blackbox-exporter`,
      { platform: ctx.platform, overrides: settings(ctx, "blackbox-exporter"), extra: {} },
      opts,
    ),

  "kube-state-metrics": (ctx, opts) =>
    kubeStateMetrics.deploy(
      `${ctx.name}-kube-state-metrics`,
      { platform: ctx.platform, overrides: settings(ctx, "kube-state-metrics"), extra: {} },
      opts,
    ),

  // VictoriaMetrics probes every enabled app's health path at its public URL.
  "victoria-metrics": (ctx, opts) =>
    victoriaMetrics.deploy(
      `${ctx.name}-victoria-metrics`,
      {
        platform: ctx.platform,
        overrides: settings(ctx, "victoria-metrics"),
        extra: {
          probes: sloList(ctx.c).map(({ app, url }) => ({ app, url })),
          blackbox: blackboxExporter.BLACKBOX_ADDRESS,
          kubeStateMetrics: kubeStateMetrics.KSM_ADDRESS,
        },
      },
      opts,
    ),

  vmalert: (ctx, opts) => {
    const c = ctx.c;
    // vmalert mounts ConfigMaps of its own namespace only, so the backup rules are written here a second
    // time (each app's namespace keeps its copy beside its CronJobs).
    const backedUp = c.backup
      ? c.apps.enabled
          .filter((app) => catalogue[app]?.backup)
          .map((app) => ({ app, namespace: app }))
      : [];
    return vmalert.deploy(
      `${ctx.name}-vmalert`,
      {
        platform: ctx.platform,
        overrides: settings(ctx, "vmalert"),
        extra: {
          ruleFiles: {
            "hearth-slo.rules.yaml": sloRules(sloList(c)),
            "hearth-home.rules.yaml": homeRules(),
            ...(backedUp.length > 0
              ? {
                  "hearth-backups.rules.yaml": backupAlertRules(
                    backedUp,
                    c.backup!.drill.maxAgeDays,
                  ),
                }
              : {}),
          },
          alertmanagerConfig: alertmanagerConfig(c.observability!.notify),
          notifySecret: c.notifySecret!,
        },
      },
      opts,
    );
  },

  // A dashboard per SLO.
  grafana: (ctx, opts) =>
    grafana.deploy(
      `${ctx.name}-grafana`,
      {
        platform: ctx.platform,
        overrides: settings(ctx, "grafana"),
        extra: { slos: sloList(ctx.c), oidc: ctx.identity?.oidc.grafana },
      },
      opts,
    ),
};
