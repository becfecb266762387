/**
 * Rules of hearth:hetzner: server types and location Hetzner has, addresses in the private network, the API
 * token, and the fleet's and each server's own checks (components/cloud) run here, before any resource.
 */
import { cloudInitProblems, DEFAULT_PACKAGES } from "../../components/cloud/cloud-init";
import { fleetPlanProblems, ServerPlan } from "../../components/cloud/hcloud-plan";
import { inCidr } from "../../components/net";
import { HETZNER_LOCATIONS, HETZNER_SERVER_TYPES } from "../hetzner-catalogue";
import { closest, NS, Rule } from "./context";
import { serversOf } from "./machines";

/** Hetzner servers: known server types, addresses in the private network. */
export const hetznerServers: Rule = (ctx) => {
  const h = ctx.c.hetzner;
  if (h === undefined) return;
  const extra = h.extraServerTypes;
  const types =
    extra && !ctx.failed("hetzner.extraServerTypes")
      ? [...HETZNER_SERVER_TYPES, ...extra.filter((t): t is string => t !== undefined)]
      : undefined;
  for (const { s, i } of serversOf(ctx)) {
    if (types && s.serverType !== undefined && !types.includes(s.serverType)) {
      const guess = closest(s.serverType, types);
      ctx.add(
        `hetzner.servers[${i}].serverType`,
        `"${s.serverType}" is not a Hetzner server type${guess ? `; did you mean ${guess}?` : ""} (a type Hetzner added since: list it in ${NS}:hetzner.extraServerTypes)`,
      );
    }
    if (s.privateIp !== undefined && h.networkCidr !== undefined)
      if (!inCidr(s.privateIp, h.networkCidr))
        ctx.add(
          `hetzner.servers[${i}].privateIp`,
          `${s.privateIp} is outside ${NS}:hetzner.networkCidr ${h.networkCidr}`,
        );
  }
};

/** Hetzner: a location Hetzner has, and the API token. */
export const hetznerAccount: Rule = (ctx) => {
  const h = ctx.c.hetzner;
  if (h === undefined) return;
  if (h.location !== undefined && !HETZNER_LOCATIONS.includes(h.location)) {
    const guess = closest(h.location, HETZNER_LOCATIONS);
    ctx.add(
      "hetzner.location",
      `"${h.location}" is not a Hetzner location${guess ? `; did you mean ${guess}?` : ""} (one of ${HETZNER_LOCATIONS.join(", ")})`,
    );
  }
  if (ctx.missing("hcloudToken"))
    ctx.add(
      "hcloudToken",
      `is required with ${NS}:hetzner; run: pulumi config set --secret ${NS}:hcloudToken <token>`,
    );
};

/**
 * The fleet's own check (`fleetPlanProblems`, which `HcloudFleet` runs too) on the servers as configured. Only
 * what no other rule reports: an address Hetzner keeps, and a fleet without a server of role "server" (which
 * the fleet refuses even when metal nodes are the cluster's servers).
 */
export const hetznerFleet: Rule = (ctx) => {
  const h = ctx.c.hetzner;
  if (h?.networkCidr === undefined || h.servers === undefined) return;
  const plans: { plan: ServerPlan; i: number }[] = [];
  for (const { s, i } of serversOf(ctx))
    if (s.name !== undefined && s.role !== undefined && s.privateIp !== undefined)
      plans.push({ plan: { name: s.name, role: s.role, privateIp: s.privateIp }, i });
  const everyRole = h.servers.every((s) => s?.role !== undefined);
  for (const p of fleetPlanProblems(
    plans.map((x) => x.plan),
    h.networkCidr,
  )) {
    if (p.kind === "reserved" && p.server !== undefined)
      ctx.add(`hetzner.servers[${plans[p.server].i}].privateIp`, p.message);
    if (p.kind === "no-server" && everyRole) ctx.add("hetzner.servers", p.message);
  }
};

/**
 * What every server boots with, checked as `HcloudNode` checks it (`cloudInitProblems`): the login user made
 * from hearth:ssh.user and the time zone. Each problem is reported once, at its key.
 */
export const hetznerCloudInit: Rule = (ctx) => {
  const { c } = ctx;
  if (c.hetzner === undefined || ctx.failed("ssh.user") || ctx.failed("timezone")) return;
  const at: Record<string, string> = { "admin.user": "ssh.user", timezone: "timezone" };
  const reported = new Set<string>();
  const firstKey = c.ssh?.authorizedKeys?.[0];
  for (const { s } of serversOf(ctx)) {
    if (s.name === undefined) continue;
    const problems = cloudInitProblems({
      hostname: s.name,
      // As stacks/nodes.ts hands them to the fleet: the user, the first authorized key (whose own checks
      // are the schema's and sshLogin's).
      admin: { user: c.ssh?.user ?? "hearth", authorizedKeys: firstKey ? [firstKey] : [] },
      timezone: c.timezone,
      packages: DEFAULT_PACKAGES,
    });
    for (const p of problems) {
      const key = at[p.field];
      if (key === undefined || reported.has(key)) continue;
      reported.add(key);
      ctx.add(key, p.message);
    }
  }
};
