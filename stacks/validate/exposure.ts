/**
 * What the home publishes: an app whose only login is the identity provider's forward-auth (Homepage, the logs
 * UI) must not be published without it. Behind the Cloudflare tunnel, or on Hetzner servers with public
 * addresses, every routed hostname answers the internet; without forward-auth in front, Homepage lists the home
 * and the logs UI shows every pod's logs to whoever asks.
 */
import { enabledApps, entries, identityProviderOf, NS, Rule } from "./context";

/** Why the home's hostnames answer the internet, or undefined when they answer the home network only. */
function publishedBy(ctx: Parameters<Rule>[0]): string | undefined {
  if (ctx.c.cloudflare !== undefined)
    return `${NS}:cloudflare publishes every app through its tunnel`;
  if (ctx.c.hetzner !== undefined)
    return `${NS}:hetzner servers have public addresses, where the ingress answers`;
  return undefined;
}

/** A forward-auth app is published only behind the identity provider. */
export const publishedWithoutLogin: Rule = (ctx) => {
  const why = publishedBy(ctx);
  if (why === undefined) return;
  const enabled = enabledApps(ctx.c);
  const providerApp = identityProviderOf(ctx.catalogue);
  const provider = enabled.includes(providerApp);
  const settings = Object.fromEntries(entries(ctx.c.apps?.settings));
  enabled.forEach((app, i) => {
    const meta = ctx.catalogue[app];
    if (meta?.sso !== "forward-auth") return;
    // An app without a hostname is not routed; a failed setting is reported already.
    if (meta.subdomain === undefined && settings[app]?.hostname === undefined) return;
    if (ctx.failed(`apps.settings.${app}`)) return;
    if (!provider)
      ctx.add(
        `apps.enabled[${i}]`,
        `"${app}" has no login of its own and would be published with none (${why}); enable "${providerApp}" with ${NS}:identity so forward-auth guards it, or remove "${app}"`,
      );
    else if (settings[app]?.sso === false)
      ctx.add(
        `apps.settings.${app}.sso`,
        `is false, so "${app}", which has no login of its own, would be published with none (${why}); remove the setting, or remove "${app}" from ${NS}:apps.enabled`,
      );
  });
};
