/**
 * Rules of hearth:apps against the catalogue and the rest of the home: what each app needs, one hostname per
 * app inside the zone, the edge's credentials, and the GitOps Gitea.
 */
import { valuesProblems } from "../../components/app/values-checks";
import { tokenUrlProblem } from "../../components/git/clone-url";
import { retiredProblems } from "../day2";
import { closest, enabledApps, entries, NS, Rule } from "./context";
import { usesRfc2136 } from "./dns";

/** The Cloudflare tunnel is made with its API token. */
export const cloudflareAccess: Rule = (ctx) => {
  if (ctx.c.cloudflare !== undefined && ctx.missing("cloudflareApiToken"))
    ctx.add(
      "cloudflareApiToken",
      `is required with ${NS}:cloudflare; run: pulumi config set --secret ${NS}:cloudflareApiToken <token>`,
    );
};

/** Every enabled app is in the catalogue, once, with the apps it needs and the ingress its UI needs. */
export const enabledAppsNeeds: Rule = (ctx) => {
  const { catalogue } = ctx;
  const listed = ctx.c.apps?.enabled ?? [];
  const enabled = enabledApps(ctx.c);
  const names = Object.keys(catalogue).sort();
  const externalGitea = ctx.c.gitea?.url !== undefined || ctx.failed("gitea.url");
  listed.forEach((app, i) => {
    if (app === undefined) return;
    if (!catalogue[app]) {
      const guess = closest(app, names);
      ctx.add(
        `apps.enabled[${i}]`,
        `unknown app ${JSON.stringify(app)}${guess ? `; did you mean "${guess}"?` : ""} (catalogue: ${names.join(", ")})`,
      );
      return;
    }
    if (listed.indexOf(app) !== i)
      ctx.add(`apps.enabled[${i}]`, `${JSON.stringify(app)} is listed twice`);
    for (const need of catalogue[app].needs) {
      const met = enabled.includes(need) || (need === "gitea" && externalGitea);
      if (!met)
        ctx.add(
          `apps.enabled[${i}]`,
          `${JSON.stringify(app)} needs "${need}"; enable it too${need === "gitea" ? ` or set ${NS}:gitea.url` : ""}`,
        );
    }
    if (catalogue[app].subdomain && app !== "traefik" && !enabled.includes("traefik"))
      ctx.add(
        `apps.enabled[${i}]`,
        `${JSON.stringify(app)} has a web UI, which needs the ingress controller; enable "traefik" too`,
      );
  });
};

/** One hostname, one app: the ingress (and the tunnel) would route it to only one of them. */
export const uniqueHostnames: Rule = (ctx) => {
  const { c, catalogue } = ctx;
  const claimed = new Map<string, string>();
  for (const app of enabledApps(c)) {
    const entry = catalogue[app];
    if (!entry || ctx.failed(`apps.settings.${app}.hostname`)) continue;
    const own = c.apps?.settings?.[app]?.hostname;
    const host =
      own ?? (entry.subdomain && c.domain ? `${entry.subdomain}.${c.domain}` : undefined);
    if (!host) continue;
    const other = claimed.get(host);
    if (other)
      ctx.add(
        `apps.settings.${app}.hostname`,
        `${JSON.stringify(host)} is already the hostname of "${other}"; give each app its own (set apps.settings.${app}.hostname)`,
      );
    else claimed.set(host, app);
  }
};

/**
 * The Cloudflare tunnel only publishes names in its zone, `hearth:domain`; with RFC 2136, Hearth writes records
 * only in `hearth:dns.zone`.
 */
export const hostnamesInZone: Rule = (ctx) => {
  const { c } = ctx;
  const rfc2136 = usesRfc2136(c);
  if ((c.cloudflare === undefined && !rfc2136) || c.domain === undefined) return;
  if (rfc2136 && ctx.failed("dns.zone")) return;
  const zone = rfc2136 ? (c.dns?.zone ?? c.domain) : c.domain;
  for (const [app, set] of entries(c.apps?.settings)) {
    const host = set.hostname;
    if (host && host !== zone && !host.endsWith(`.${zone}`))
      ctx.add(
        `apps.settings.${app}.hostname`,
        rfc2136
          ? `${JSON.stringify(host)} is outside ${NS}:dns.zone ${zone}; Hearth writes the apps' records only in that zone`
          : `${JSON.stringify(host)} is outside ${NS}:domain ${c.domain}; the Cloudflare tunnel only publishes names in that zone`,
      );
  }
};

/** Settings name an enabled app. */
export const settingsOfEnabledApps: Rule = (ctx) => {
  if (ctx.failed("apps.enabled")) return;
  const enabled = enabledApps(ctx.c);
  for (const app of Object.keys(ctx.c.apps?.settings ?? {})) {
    if (!enabled.includes(app))
      ctx.add(
        `apps.settings.${app}`,
        `settings for an app that is not enabled; add "${app}" to apps.enabled or remove them`,
      );
  }
};

/**
 * cert-manager behind Cloudflare solves DNS-01 with its own token and registers an ACME account; with RFC 2136 it
 * solves DNS-01 with hearth:dnsTsigSecret (required by the DNS rules) and registers an account.
 */
export const certManagerNeeds: Rule = (ctx) => {
  const { c } = ctx;
  if (!enabledApps(c).includes("cert-manager")) return;
  if (usesRfc2136(c)) {
    if (ctx.missing("acmeEmail"))
      ctx.add(
        "acmeEmail",
        `is required for Let's Encrypt certificates (cert-manager with ${NS}:dns.provider rfc2136)`,
      );
    return;
  }
  if (c.cloudflare === undefined) return;
  if (ctx.missing("cloudflareDnsApiToken"))
    ctx.add(
      "cloudflareDnsApiToken",
      `is required for cert-manager's DNS-01 challenges with ${NS}:cloudflare: a token with Zone DNS edit only (never the tunnel token, which would sit in the cluster); run: pulumi config set --secret ${NS}:cloudflareDnsApiToken <token>`,
    );
  if (ctx.missing("acmeEmail"))
    ctx.add(
      "acmeEmail",
      `is required for Let's Encrypt certificates (cert-manager with ${NS}:cloudflare)`,
    );
};

/** An existing Gitea comes with its token (in config or a file), and replaces the in-cluster one. */
export const giteaSource: Rule = (ctx) => {
  const { c } = ctx;
  const tokenFile = c.gitea?.tokenPath !== undefined || ctx.failed("gitea.tokenPath");
  if (c.gitea?.tokenPath !== undefined && c.giteaToken !== undefined)
    ctx.add("gitea.tokenPath", `is set together with ${NS}:giteaToken; choose one`);
  if (c.gitea?.url === undefined) return;
  if (ctx.missing("giteaToken") && !tokenFile)
    ctx.add(
      "giteaToken",
      `is required with ${NS}:gitea.url; run: pulumi config set --secret ${NS}:giteaToken <token>`,
    );
  if (enabledApps(c).includes("gitea"))
    ctx.add(
      "gitea.url",
      `points at an existing Gitea while the "gitea" app is enabled; choose one`,
    );
};

/** A hostname is for an app with a web UI: on any other, the tunnel and the ingress would route to nothing. */
export const hostnamesOfWebApps: Rule = (ctx) => {
  for (const [app, set] of entries(ctx.c.apps?.settings)) {
    const entry = ctx.catalogue[app];
    if (entry && !entry.subdomain && set.hostname !== undefined)
      ctx.add(
        `apps.settings.${app}.hostname`,
        `"${app}" has no web UI, so nothing would answer on ${JSON.stringify(set.hostname)}; remove the setting`,
      );
  }
};

/**
 * Helm values are checked without the chart for what none could accept or what would break Hearth's wiring
 * (components/app/values-checks.ts); with the chart in a local folder, its schema is applied as well.
 */
export const chartValues: Rule = (ctx) => {
  for (const [app, set] of entries(ctx.c.apps?.settings)) {
    if (set.values === undefined) continue;
    for (const p of valuesProblems(set.values))
      ctx.add(`apps.settings.${app}.values.${p.path}`, p.message);
  }
};

/** Argo CD clones the GitOps repository of an existing Gitea with a token: never over plain HTTP. */
export const argocdCloneUrl: Rule = (ctx) => {
  const url = ctx.c.gitea?.url;
  if (url === undefined || !enabledApps(ctx.c).includes("argocd")) return;
  // The clone URL is the repository's path under Gitea's base URL.
  const clone = `${url.replace(/\/+$/, "")}/`;
  const problem = tokenUrlProblem(clone);
  if (problem)
    ctx.add(
      "gitea.url",
      `${problem.replace(JSON.stringify(clone), JSON.stringify(url))}; Argo CD clones the GitOps repository from it`,
    );
};

/** `hearth:apps.retired` on its own (stacks/day2.ts): known apps that keep data, not enabled at the same time. */
export const retiredApps: Rule = (ctx) => {
  const apps = {
    enabled: enabledApps(ctx.c),
    retired: Object.fromEntries(entries(ctx.c.apps?.retired)),
  };
  for (const p of retiredProblems(apps, ctx.catalogue))
    ctx.add(p.path.slice(`${NS}:`.length), p.message);
};
