/**
 * The platform and app layers: generated secrets, ingress, certificates, the Cloudflare tunnel, Gitea and
 * the GitOps repository, then every enabled catalogue app. Called by `Homelab` with itself as parent.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as argocd from "../apps/argocd";
import * as certManager from "../apps/cert-manager";
import * as gitea from "../apps/gitea";
import * as homepage from "../apps/homepage";
import { catalogue } from "../apps";
import { hostnameFor } from "../apps/recipe";
import * as traefik from "../apps/traefik";
import * as woodpecker from "../apps/woodpecker";
import * as zot from "../apps/zot";
import { CloudflareTunnel } from "../components/edge/cloudflare-tunnel";
import { GiteaOAuth2Application } from "../components/git/gitea-oauth2-application";
import { GitOpsRepo } from "../components/git/gitops-repo";
import { GiteaRepoReader } from "../components/git/gitea-repo-reader";
import { gitopsSeedFiles } from "../components/git/seed";
import { AppBackup, BackupSource, backupNames } from "../components/backup/app-backup";
import { ETCD_S3_FOLDER, etcdS3Secret } from "../components/backup/etcd-backup";
import * as blackboxExporter from "../apps/blackbox-exporter";
import * as grafana from "../apps/grafana";
import * as kubeStateMetrics from "../apps/kube-state-metrics";
import * as victoriaLogs from "../apps/victoria-logs";
import * as victoriaLogsCollector from "../apps/victoria-logs-collector";
import * as victoriaMetrics from "../apps/victoria-metrics";
import * as vmalert from "../apps/vmalert";
import { backupAlertRules } from "../components/backup/alerts";
import { alertmanagerConfig } from "../components/observability/alertmanager";
import { homeRules } from "../components/observability/home-alerts";
import { sloRules } from "../components/observability/slo";
import { BackupTarget, repository } from "../components/backup/plan";
import { GeneratedSecrets } from "../components/secrets/generated-secrets";
import { DeployedApp } from "../apps/recipe";
import { ClusterHandle, GiteaEndpoint, Platform } from "../components/types";
import { LoadedConfig } from "./config";
import { buildIdentity, IdentityResult } from "./identity";

/** The Gitea user Argo CD clones the GitOps repository as: read permission on that repository only. */
const ARGOCD_GITEA_READER = "hearth-argocd";

/** Namespace the tunnel connector runs in; Traefik admits traffic from it. */
const TUNNEL_NAMESPACE = "cloudflared";

/** What the platform layer hands back to the stack. */
export interface PlatformResult {
  platform: Platform;
  /** App name -> public URL, for every enabled app with a web UI. */
  urls: Record<string, pulumi.Output<string>>;
  /** App name -> admin login, every password secret. */
  credentials: Record<string, { username: pulumi.Input<string>; password: pulumi.Output<string> }>;
  /** What the backup operator commands need, when hearth:backup is set. */
  backups?: BackupsOutput;
  /** The identity provider's users, when authelia is enabled. */
  identity?: Pick<IdentityResult, "logins">;
}

/** The backups of the stack, as the `backups` stack output (plain) and `backupAccess` (secret). */
export interface BackupsOutput {
  targets: BackupTarget[];
  /** App name -> where its data and backup objects are. */
  apps: Record<
    string,
    {
      namespace: string;
      claimName: string;
      mountPath: string;
      sqlite: string[];
      workload: BackupSource["workload"];
      cronJobs: { backup: string; drill: string; restore: string };
      /** Target name -> restic repository. */
      repositories: Record<string, string>;
    }
  >;
  /** Secret: the repository password and each target's secret key. */
  access: pulumi.Output<{ password: string; secretKeys: Record<string, string> }>;
  /** k3s etcd snapshots: target and folder, when configured. */
  etcd?: { target: string; folder: string };
}

/** Builds the platform and the enabled apps on a cluster. */
export function buildPlatform(
  name: string,
  c: LoadedConfig,
  cluster: ClusterHandle,
  parent: pulumi.Resource,
): PlatformResult {
  const enabled = new Set(c.apps.enabled);
  const settings = (app: string) => c.apps.settings[app];
  const opts = { parent, provider: cluster.provider };
  const urls: PlatformResult["urls"] = {};
  const credentials: PlatformResult["credentials"] = {};

  const secrets = new GeneratedSecrets(
    `${name}-secrets`,
    {
      passwords: {
        "gitea-admin": {},
        "woodpecker-agent": { length: 48 },
        ...(enabled.has("argocd") ? { "argocd-repo-reader": { length: 40 } } : {}),
        // Never rotated: restic encrypts every snapshot under it, so losing it loses the backups
        // (docs/backups.md says how to escrow it).
        ...(c.backup ? { "backup-repository": { length: 48 } } : {}),
      },
    },
    { parent },
  );
  const deployed: Record<string, DeployedApp> = {};

  let platform: Platform = {
    provider: cluster.provider,
    domain: c.domain,
    timezone: c.timezone,
    charts: { localDir: c.charts.localDir },
    exposure: {
      mode: c.cloudflare ? "tunnel" : "ingress",
      ingressClass: "hearth",
      // The one constant the traefik recipe pins its Service name with (fullnameOverride); the
      // release itself is "<name>-traefik", so the name must not be derived from a release name here.
      ingressService: traefik.TRAEFIK_INGRESS_SERVICE,
    },
  };

  const ready: pulumi.Resource[] = [];
  if (enabled.has("traefik")) {
    const t = traefik.deploy(
      `${name}-traefik`,
      {
        platform,
        overrides: settings("traefik"),
        extra: { allowFromNamespaces: c.cloudflare ? [TUNNEL_NAMESPACE] : [] },
      },
      opts,
    );
    ready.push(t.resource);
    deployed.traefik = t;
  }
  if (enabled.has("cert-manager")) {
    const cm = certManager.deploy(
      `${name}-cert-manager`,
      {
        platform,
        overrides: settings("cert-manager"),
        extra: {
          acmeEmail: c.acmeEmail ?? `hostmaster@${c.domain}`,
          // DNS-only: this token is stored in the cluster, so it must not be able to edit tunnels.
          cloudflareApiToken: c.cloudflare ? c.cloudflareDnsApiToken : undefined,
        },
      },
      opts,
    );
    platform = { ...platform, exposure: { ...platform.exposure, clusterIssuer: cm.issuerName } };
    ready.push(cm);
  }
  // Apps with a hostname wait for the ingress controller and the issuer that signs their certificate.
  const appOpts = { ...opts, dependsOn: ready };

  // The identity provider first: every app that signs in through it gets its client or forward-auth here.
  const identity = enabled.has("authelia")
    ? buildIdentity(name, c, platform, appOpts, parent)
    : undefined;
  if (identity) deployed.authelia = identity.deployed;
  // Apps that sign in through it fetch its discovery document, Gitea's init container at once (`gitea admin
  // auth add-oauth` fails when the URL does not answer, seen with Gitea 1.26.0), so they wait for its route.
  const ssoOpts = identity
    ? { ...appOpts, dependsOn: [...ready, identity.deployed.route] }
    : appOpts;

  let tunnel: CloudflareTunnel | undefined;
  if (c.cloudflare) {
    const hostnames = c.apps.enabled
      .map((app) => hostnameFor(catalogue[app], c.domain, settings(app)))
      .filter((h): h is string => h !== undefined);
    const cfProvider = new cloudflare.Provider(
      `${name}-cloudflare`,
      { apiToken: c.cloudflareApiToken },
      { parent },
    );
    tunnel = new CloudflareTunnel(
      `${name}-tunnel`,
      {
        accountId: c.cloudflare.accountId,
        zoneId: c.cloudflare.zoneId,
        domain: c.domain,
        tunnelName: c.cloudflare.tunnelName ?? `hearth-${c.stack}`,
        hostnames,
        ingressService: platform.exposure.ingressService,
        k8sProvider: cluster.provider,
        namespace: TUNNEL_NAMESPACE,
      },
      { parent, providers: { cloudflare: cfProvider } },
    );
  }

  // Gitea: the in-cluster app, or an existing one the operator points at.
  let endpoint: GiteaEndpoint | undefined;
  let giteaUrl: pulumi.Input<string> | undefined;
  let giteaReady: pulumi.Resource[] = [];
  if (enabled.has("gitea")) {
    const g = gitea.deploy(
      `${name}-gitea`,
      {
        platform,
        overrides: settings("gitea"),
        extra: {
          adminPassword: secrets.passwords["gitea-admin"],
          // The login the operator named is the one created, shown in the outputs and given to Argo CD.
          adminUsername: c.gitea.username,
          allowFromNamespaces: ["argocd", "woodpecker"].filter((a) => enabled.has(a)),
          oidc: identity?.oidc.gitea,
        },
      },
      ssoOpts,
    );
    deployed.gitea = g;
    endpoint = { ...g.endpoint, ca: c.giteaCa };
    giteaUrl = g.url;
    // Its API is called at https://<host>: wait for the route there (release, Ingress, and the tunnel with its
    // DNS records when Cloudflare fronts the home), not only for the release.
    giteaReady = [g.route, ...(tunnel ? [tunnel] : [])];
  } else if (c.gitea.url) {
    endpoint = { url: c.gitea.url, token: c.giteaToken, ca: c.giteaCa };
    giteaUrl = c.gitea.url;
  }

  if (enabled.has("argocd") && endpoint) {
    const repo = new GitOpsRepo(
      `${name}-gitops`,
      {
        endpoint,
        org: c.gitea.org,
        repo: c.gitea.repo,
        files: gitopsSeedFiles({ domain: c.domain, apps: [] }),
      },
      { parent, dependsOn: giteaReady },
    );
    // Argo CD clones with a user that may only read this repository, never with the admin's credentials.
    const reader = new GiteaRepoReader(
      `${name}-gitops-reader`,
      {
        endpoint,
        owner: repo.repository.owner,
        repo: repo.repository.name,
        username: ARGOCD_GITEA_READER,
        password: secrets.passwords["argocd-repo-reader"],
      },
      { parent, dependsOn: [repo] },
    );
    const a = argocd.deploy(
      `${name}-argocd`,
      {
        platform,
        overrides: settings("argocd"),
        extra: {
          repoUrl: repo.cloneUrl,
          repoUsername: reader.username,
          repoToken: reader.password,
          oidc: identity?.oidc.argocd,
        },
      },
      ssoOpts,
    );
    deployed.argocd = a;
  }

  if (enabled.has("woodpecker") && endpoint && giteaUrl) {
    const oauth = new GiteaOAuth2Application(
      `${name}-woodpecker-oauth`,
      {
        endpoint,
        name: "Woodpecker CI",
        redirectUris: [woodpecker.woodpeckerRedirectUri(c.domain, settings("woodpecker"))],
      },
      { parent, dependsOn: giteaReady },
    );
    const w = woodpecker.deploy(
      `${name}-woodpecker`,
      {
        platform,
        overrides: settings("woodpecker"),
        extra: {
          giteaUrl,
          oauthClientId: oauth.clientId,
          oauthClientSecret: oauth.clientSecret,
          agentSecret: secrets.passwords["woodpecker-agent"],
          admins: [c.gitea.username],
        },
      },
      appOpts,
    );
    deployed.woodpecker = w;
  }

  if (enabled.has("zot")) {
    const z = zot.deploy(
      `${name}-zot`,
      { platform, overrides: settings("zot"), extra: { oidc: identity?.oidc.zot } },
      ssoOpts,
    );
    deployed.zot = z;
  }

  if (enabled.has("homepage")) {
    const links = c.apps.enabled
      .filter((app) => app !== "homepage")
      .map((app) => ({
        meta: catalogue[app],
        host: hostnameFor(catalogue[app], c.domain, settings(app)),
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
    const h = homepage.deploy(
      `${name}-homepage`,
      {
        platform,
        overrides: settings("homepage"),
        extra: { links, forwardAuth: identity?.forwardAuth.homepage },
      },
      appOpts,
    );
    deployed.homepage = h;
  }

  if (enabled.has("victoria-logs")) {
    deployed["victoria-logs"] = victoriaLogs.deploy(
      `${name}-victoria-logs`,
      {
        platform,
        overrides: settings("victoria-logs"),
        extra: { forwardAuth: identity?.forwardAuth["victoria-logs"] },
      },
      appOpts,
    );
  }
  if (enabled.has("victoria-logs-collector")) {
    deployed["victoria-logs-collector"] = victoriaLogsCollector.deploy(
      `${name}-victoria-logs-collector`,
      { platform, overrides: settings("victoria-logs-collector"), extra: {} },
      {
        ...appOpts,
        dependsOn: [
          ...ready,
          ...(deployed["victoria-logs"] ? [deployed["victoria-logs"].resource] : []),
        ],
      },
    );
  }

  if (enabled.has("vmalert") && c.observability && c.notifySecret) {
    Object.assign(deployed, buildMonitoring(name, c, platform, identity, ssoOpts));
  }

  // Every recipe hands back the same shape: the stack's URLs and logins come from it, app by app.
  for (const app of c.apps.enabled) {
    const d = deployed[app];
    if (d?.url) urls[app] = d.url;
    if (d?.login) credentials[app] = d.login;
  }

  const backups = c.backup
    ? buildBackups(name, c, deployed, secrets.passwords["backup-repository"], cluster, parent)
    : undefined;
  return {
    platform,
    urls,
    credentials,
    backups,
    identity: identity && { logins: identity.logins },
  };
}

/**
 * The observability apps (ADR 11): the exporters, VictoriaMetrics probing every enabled app's health path at
 * its public URL, vmalert with the SLO, home and backup rules and Alertmanager's route, and Grafana with a
 * dashboard per SLO. Returns them by catalogue name.
 */
function buildMonitoring(
  name: string,
  c: LoadedConfig,
  platform: Platform,
  identity: IdentityResult | undefined,
  opts: pulumi.ComponentResourceOptions & { dependsOn: pulumi.Resource[] },
): Record<string, DeployedApp> {
  const o = c.observability!;
  const settings = (app: string) => c.apps.settings[app];
  const withHealth = c.apps.enabled.filter((app) => catalogue[app]?.healthPath);
  const slos = withHealth.map((app) => ({
    app,
    title: catalogue[app].title,
    target: o.sloTargets[app] ?? o.sloTarget,
    healthPath: catalogue[app].healthPath!,
  }));
  const probes = withHealth.map((app) => ({
    app,
    url: `https://${hostnameFor(catalogue[app], c.domain, settings(app))}${catalogue[app].healthPath}`,
  }));
  const blackbox = blackboxExporter.deploy(
    `${name}-blackbox-exporter`,
    { platform, overrides: settings("blackbox-exporter"), extra: {} },
    opts,
  );
  const ksm = kubeStateMetrics.deploy(
    `${name}-kube-state-metrics`,
    { platform, overrides: settings("kube-state-metrics"), extra: {} },
    opts,
  );
  const vm = victoriaMetrics.deploy(
    `${name}-victoria-metrics`,
    {
      platform,
      overrides: settings("victoria-metrics"),
      extra: {
        probes,
        blackbox: blackboxExporter.BLACKBOX_ADDRESS,
        kubeStateMetrics: kubeStateMetrics.KSM_ADDRESS,
      },
    },
    opts,
  );
  // vmalert mounts ConfigMaps of its own namespace only, so the backup rules are written here a second time
  // (each app's namespace keeps its copy beside its CronJobs).
  const backedUp = c.backup
    ? c.apps.enabled.filter((app) => catalogue[app]?.backup).map((app) => ({ app, namespace: app }))
    : [];
  const alert = vmalert.deploy(
    `${name}-vmalert`,
    {
      platform,
      overrides: settings("vmalert"),
      extra: {
        ruleFiles: {
          "hearth-slo.rules.yaml": sloRules(slos),
          "hearth-home.rules.yaml": homeRules(),
          ...(backedUp.length > 0
            ? {
                "hearth-backups.rules.yaml": backupAlertRules(backedUp, c.backup!.drill.maxAgeDays),
              }
            : {}),
        },
        alertmanagerConfig: alertmanagerConfig(o.notify),
        notifySecret: c.notifySecret!,
      },
    },
    { ...opts, dependsOn: [vm.resource] },
  );
  const out: Record<string, DeployedApp> = {
    "blackbox-exporter": blackbox,
    "kube-state-metrics": ksm,
    "victoria-metrics": vm,
    vmalert: alert,
  };
  if (c.apps.enabled.includes("grafana")) {
    out.grafana = grafana.deploy(
      `${name}-grafana`,
      { platform, overrides: settings("grafana"), extra: { slos, oidc: identity?.oidc.grafana } },
      { ...opts, dependsOn: [...opts.dependsOn, vm.resource] },
    );
  }
  return out;
}

/**
 * Backups and drills for every enabled app whose catalogue entry says `backup: true` (its recipe hands back
 * its volume), and the etcd snapshots' S3 Secret on a k3s cluster.
 */
function buildBackups(
  name: string,
  c: LoadedConfig,
  deployed: Record<string, DeployedApp>,
  password: pulumi.Output<string>,
  cluster: ClusterHandle,
  parent: pulumi.Resource,
): BackupsOutput {
  const b = c.backup!;
  const out: BackupsOutput = {
    targets: b.targets.map(({ name: n, role, endpoint, bucket, region, accessKeyId }) => ({
      name: n,
      role,
      endpoint,
      bucket,
      region,
      accessKeyId,
    })),
    apps: {},
    access: pulumi.secret(
      pulumi
        .all([password, pulumi.all(c.backupSecretAccessKeys)])
        .apply(([pw, secretKeys]) => ({ password: pw, secretKeys })),
    ),
  };
  for (const app of c.apps.enabled) {
    if (!catalogue[app]?.backup || !deployed[app]) continue;
    const source = deployed[app].backup;
    if (!source) {
      throw new Error(
        `app "${app}": its catalogue entry says backup: true but its recipe names no data volume; ` +
          `return DeployedApp.backup from apps/${app}.ts.`,
      );
    }
    new AppBackup(
      `${name}-${app}-backup`,
      {
        app,
        namespace: source.namespace,
        source,
        policy: {
          targets: out.targets,
          secretKeys: c.backupSecretAccessKeys,
          password,
          schedule: b.schedule,
          drillSchedule: b.drill.schedule,
          retention: b.retention,
          drillSubset: b.drill.readDataSubset,
          drillMaxAgeDays: b.drill.maxAgeDays,
          timezone: c.timezone,
        },
      },
      { parent, providers: { kubernetes: cluster.provider }, dependsOn: [deployed[app].resource] },
    );
    const names = backupNames(app);
    out.apps[app] = {
      namespace: source.namespace,
      claimName: source.claimName,
      mountPath: source.mountPath,
      sqlite: source.sqlite,
      workload: source.workload,
      cronJobs: { backup: names.backup, drill: names.drill, restore: names.restore },
      repositories: Object.fromEntries(out.targets.map((t) => [t.name, repository(t, app)])),
    };
  }
  if (b.etcd && c.cluster.mode === "k3s") {
    const target =
      out.targets.find((t) => t.name === b.etcd!.target) ??
      out.targets.find((t) => t.role === "offsite") ??
      out.targets[0];
    etcdS3Secret(`${name}-etcd-s3`, target, c.backupSecretAccessKeys[target.name], {
      parent,
      provider: cluster.provider,
    });
    out.etcd = { target: target.name, folder: ETCD_S3_FOLDER };
  }
  return out;
}
