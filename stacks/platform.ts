/**
 * The platform and app layers: generated secrets, the Cloudflare tunnel, then every enabled catalogue app in
 * the order and with the waits its metadata gives (stacks/wiring.ts), each through its recipe's `wire`, then
 * the backups (stacks/backups.ts). Called by `Homelab` with itself as parent.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { catalogue, wirings } from "../apps";
import { hostnameFor } from "../apps/recipe";
import { TRAEFIK_INGRESS_SERVICE } from "../apps/traefik/values";
import { Capabilities, Home, TUNNEL_NAMESPACE, withWired } from "../apps/wire";
import { CloudflareTunnel } from "../components/edge/cloudflare-tunnel";
import { GeneratedSecrets } from "../components/secrets/generated-secrets";
import { RetiredData } from "../components/app/app-data";
import { ClusterHandle, GiteaEndpoint, Platform } from "../components/types";
import { BackupsOutput, buildBackups } from "./backups";
import { clusterNetworks } from "./cluster-networks";
import { LoadedConfig } from "./config";
import { IdentityResult } from "./identity";
import { buildAppRecords } from "./dns";
import { deployOrder, sloList, waitsFor } from "./wiring";

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
        // Never rotated, never deleted or replaced by Pulumi: restic encrypts every snapshot under it, so losing
        // it loses the backups (docs/backups.md says how to escrow it, docs/day-2.md how to retire it).
        ...(c.backup ? { "backup-repository": { length: 48, protect: true } } : {}),
      },
    },
    { parent },
  );
  const platform: Platform = {
    provider: cluster.provider,
    kubeconfig: cluster.kubeconfig,
    domain: c.domain,
    timezone: c.timezone,
    charts: { localDir: c.charts.localDir },
    network: clusterNetworks(c),
    exposure: {
      mode: c.cloudflare ? "tunnel" : "ingress",
      ingressClass: "hearth",
      // The one constant the traefik recipe pins its Service name with (fullnameOverride); the
      // release itself is "<name>-traefik", so the name must not be derived from a release name here.
      ingressService: TRAEFIK_INGRESS_SERVICE,
      // The tunnel's connector runs in the pod network and forwards the visitor's scheme in X-Forwarded-Proto.
      ...(c.cloudflare ? { trustedProxies: [c.cluster.podCidr] } : {}),
    },
  };

  const hostnames = c.apps.enabled
    .map((app) => hostnameFor(catalogue[app], c.domain, settings(app)))
    .filter((h): h is string => h !== undefined);
  // With hearth:dns.provider rfc2136, the apps' records go to the home's own DNS server instead.
  const records = buildAppRecords(name, c, hostnames, parent);
  let tunnel: CloudflareTunnel | undefined;
  if (c.cloudflare) {
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

  // Every enabled app, in the order the catalogue's needs and provides give, each waiting for what its
  // metadata says (stacks/wiring.ts); its recipe's `wire` adds only the recipe's own extra and returns the
  // capabilities it provides, from which the next app's record is made (apps/wire.ts).
  const home: Home = {
    name,
    c,
    secrets,
    tunnel,
    records,
    parent,
    catalogue,
    slos: () => sloList(c),
  };
  let caps: Capabilities = Object.freeze({
    home,
    platform,
    deployed: {},
    // An existing Gitea (hearth:gitea.url) is `git` from the start.
    ...(c.gitea.url
      ? {
          git: {
            endpoint: { url: c.gitea.url, token: c.giteaToken, ca: c.giteaCa },
            url: c.gitea.url,
            ready: [],
          },
        }
      : {}),
  });
  for (const app of deployOrder(c.apps.enabled)) {
    const wire = wirings[app];
    if (!wire)
      throw new Error(`app "${app}" has no wire in apps/${app}/index.ts listed by apps/index.ts`);
    caps = withWired(caps, catalogue[app], wire(caps, { ...opts, dependsOn: waitsFor(app, caps) }));
  }
  const deployed = caps.deployed;
  const identity = caps.identity;
  retire(name, c, cluster, caps.git?.endpoint, parent);

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
    platform: caps.platform,
    urls,
    credentials,
    backups,
    identity: identity && { logins: identity.logins },
  };
}

/**
 * The apps that left `hearth:apps.enabled` with "delete-data" (`hearth:apps.retired`): their namespace and volumes,
 * which Pulumi never deletes, are deleted here; Argo CD's data is the GitOps repository. Those retired with
 * "keep-data" need nothing: their release went with the app, their namespace and claims stay (docs/day-2.md).
 */
function retire(
  name: string,
  c: LoadedConfig,
  cluster: ClusterHandle,
  gitea: GiteaEndpoint | undefined,
  parent: pulumi.Resource,
): void {
  for (const [app, how] of Object.entries(c.apps.retired)) {
    if (how !== "delete-data") continue;
    if (app === "argocd" && !gitea)
      throw new Error(
        `hearth:apps.retired.argocd: deleting the GitOps repository needs Gitea: set hearth:gitea.url or enable "gitea"`,
      );
    new RetiredData(
      `${name}-${app}-retired`,
      {
        kubeconfig: cluster.kubeconfig,
        namespace: app,
        ...(app === "argocd" && gitea
          ? { gitea: { endpoint: gitea, owner: c.gitea.org, repo: c.gitea.repo } }
          : {}),
      },
      { parent },
    );
  }
}
