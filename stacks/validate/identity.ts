/**
 * The rules of hearth:identity and the apps' `sso` and `groups` settings: every group a user, an app or the
 * admin setting names is declared; names are unique; SSO is asked for only where the provider runs and the
 * app has a sign-in to put behind it.
 */
import {
  closest,
  enabledApps,
  entries,
  identityProviderOf,
  NS,
  Rule,
  RuleContext,
} from "./context";

/**
 * A check that a group name is declared; none when a declared group failed its own check, since the name
 * could be that one.
 */
function declaredCheck(ctx: RuleContext) {
  if (ctx.failed("identity.groups")) return () => undefined;
  const groups = (ctx.c.identity?.groups ?? []).filter((g): g is string => g !== undefined);
  return (name: string, at: string) => {
    if (groups.includes(name)) return;
    const guess = closest(name, groups);
    ctx.add(
      at,
      `${JSON.stringify(name)} is not a declared group${guess ? `; did you mean "${guess}"?` : ""} (${NS}:identity.groups: ${groups.join(", ") || "none"}); add it there or fix the name`,
    );
  };
}

/** The provider and its users come together. */
export const identityProvider: Rule = (ctx) => {
  const providerApp = identityProviderOf(ctx.catalogue);
  const provider = enabledApps(ctx.c).includes(providerApp);
  if (provider && ctx.missing("identity"))
    ctx.add(
      "identity",
      `is required with "${providerApp}" in ${NS}:apps.enabled: declare groups and users (each gets a generated password), e.g. groups: [admins], users: [{name: alice, email: alice@example.org, groups: [admins]}]`,
    );
  if (ctx.c.identity !== undefined && !provider && !ctx.failed("apps.enabled"))
    ctx.add(
      "identity",
      `declares users, but the identity provider is off; add "${providerApp}" to ${NS}:apps.enabled, or remove ${NS}:identity`,
    );
};

/** Groups, logins and addresses are unique; every group a user or the admin setting names is declared. */
export const identityUsersAndGroups: Rule = (ctx) => {
  const id = ctx.c.identity;
  if (id === undefined) return;
  const declared = declaredCheck(ctx);
  const seenGroup = new Set<string>();
  (id.groups ?? []).forEach((g, i) => {
    if (g === undefined) return;
    if (seenGroup.has(g)) ctx.add(`identity.groups[${i}]`, `${JSON.stringify(g)} is listed twice`);
    seenGroup.add(g);
  });
  const seenName = new Map<string, number>();
  const seenMail = new Map<string, number>();
  const users = id.users ?? [];
  users.forEach((u, i) => {
    if (u === undefined) return;
    const sameName = u.name === undefined ? undefined : seenName.get(u.name);
    if (sameName !== undefined)
      ctx.add(
        `identity.users[${i}].name`,
        `${JSON.stringify(u.name)} is already ${NS}:identity.users[${sameName}]; each user needs their own login`,
      );
    else if (u.name !== undefined) seenName.set(u.name, i);
    const mail = u.email?.toLowerCase();
    const sameMail = mail === undefined ? undefined : seenMail.get(mail);
    if (sameMail !== undefined)
      ctx.add(
        `identity.users[${i}].email`,
        `${JSON.stringify(u.email)} is already the address of ${NS}:identity.users[${sameMail}]; the apps match accounts by e-mail, so each user needs their own`,
      );
    else if (mail !== undefined) seenMail.set(mail, i);
    (u.groups ?? []).forEach((g, j) => {
      if (g !== undefined) declared(g, `identity.users[${i}].groups[${j}]`);
    });
  });
  const admin = id.adminGroup;
  if (admin === undefined) return;
  declared(admin, "identity.adminGroup");
  // Only sure when every user's groups parsed: a user who failed could be the admin.
  if (
    id.groups?.includes(admin) &&
    !ctx.failed("identity.users") &&
    !users.some((u) => u?.groups?.includes(admin))
  )
    ctx.add(
      "identity.adminGroup",
      `no user is in ${JSON.stringify(admin)}, so nobody could administer the apps through SSO; add the group to one of ${NS}:identity.users`,
    );
};

/** An app's `sso` and `groups` settings ask for what the provider and the app's catalogue entry can give. */
export const appSignIn: Rule = (ctx) => {
  const { c, catalogue } = ctx;
  const enabled = enabledApps(c);
  const providerApp = identityProviderOf(catalogue);
  const provider = enabled.includes(providerApp);
  const declared = declaredCheck(ctx);
  for (const [app, set] of entries(c.apps?.settings)) {
    if (!enabled.includes(app) || !catalogue[app]) continue;
    const kind = catalogue[app].sso ?? "none";
    const at = `apps.settings.${app}`;
    if (set.sso === true && !provider)
      ctx.add(
        `${at}.sso`,
        `SSO is on, but the identity provider is off; add "${providerApp}" to ${NS}:apps.enabled, or set ${at}.sso to false`,
      );
    if (set.sso !== undefined && (kind === "none" || kind === "provider"))
      ctx.add(
        `${at}.sso`,
        `"${app}" has no sign-in to put behind the identity provider (catalogue: sso ${kind}); remove the setting`,
      );
    if (set.sso !== undefined && kind === "gitea-oauth2")
      ctx.add(
        `${at}.sso`,
        `"${app}" signs in through Gitea, so it follows apps.settings.gitea.sso; remove the setting`,
      );
    if (set.groups === undefined) continue;
    if (!provider || set.sso === false || kind === "none" || kind === "provider")
      ctx.add(
        `${at}.groups`,
        `names who may sign in through the identity provider, but "${app}" does not sign in through it here; remove the setting${provider ? "" : ` or enable "${providerApp}"`}`,
      );
    else if (c.identity !== undefined)
      set.groups.forEach((g, j) => {
        if (g !== undefined) declared(g, `${at}.groups[${j}]`);
      });
  }
};
