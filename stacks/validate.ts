/**
 * Turns raw Pulumi config (strings, YAML objects as JSON) into a typed `HearthConfig`, or into every problem
 * at once, each naming its key path and what to do. Pure: no Pulumi
 * imports, so fixtures test it directly.
 */
import { z } from "zod";
import { installerOf } from "../components/metal/spec";
import { HETZNER_LOCATIONS, HETZNER_SERVER_TYPES } from "./hetzner-catalogue";
import {
  HearthConfig,
  identitySchema,
  identityUserSchema,
  KeyName,
  keys,
  nodeSchema,
} from "./schema";
import { retiredProblems } from "./day2";

/** One thing wrong with the configuration. */
export interface Problem {
  /** Key path as an operator would write it, e.g. `hearth:nodes[1].mac`. */
  path: string;
  message: string;
}

/** What the catalogue tells the validator about each app. */
export interface CatalogueEntry {
  needs: string[];
  /** Set when the app has a web UI on its own hostname, which the ingress controller routes. */
  subdomain?: string;
  /** Set when the app answers a health path, which its SLO probes. */
  healthPath?: string;
  /** How the app signs users in (apps/recipe.ts `SsoKind`). @default "none" */
  sso?: string;
  /** What the app keeps that removing it would lose (apps/recipe.ts). @default none */
  keepsData?: string;
}

/** The observability apps (ADR 11): deployed together, with hearth:observability. */
const MONITORING_APPS = [
  "victoria-metrics",
  "vmalert",
  "blackbox-exporter",
  "kube-state-metrics",
  "grafana",
];

/** The catalogue app that is the identity provider. */
export const IDENTITY_PROVIDER_APP = "authelia";

/** Result of `validateConfig`. */
export type Validation = { ok: true; config: HearthConfig } | { ok: false; problems: Problem[] };

/** Thrown before any resource registers when the configuration is not usable. */
export class ConfigError extends Error {
  constructor(readonly problems: Problem[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
  }
}

/** The operator-facing text for a list of problems. */
export function formatProblems(problems: Problem[]): string {
  const n = problems.length;
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}`);
  return [
    `Hearth config has ${n} problem${n === 1 ? "" : "s"}; nothing was changed:`,
    ...lines,
  ].join("\n");
}

const NS = "hearth";

/** Validates raw `hearth:*` values (key without namespace -> raw string) against the schema and the rules. */
export function validateConfig(
  raw: Record<string, string>,
  secretKeys: ReadonlySet<string>,
  catalogue: Record<string, CatalogueEntry>,
): Validation {
  const problems: Problem[] = [];
  const parsed: Partial<Record<KeyName, unknown>> = {};
  const failed = new Set<KeyName>();
  const known = Object.keys(keys) as KeyName[];

  for (const name of Object.keys(raw)) {
    if (!(known as string[]).includes(name)) {
      const guess = closest(name, known);
      problems.push({
        path: `${NS}:${name}`,
        message: `unknown key${guess ? `; did you mean ${NS}:${guess}?` : ""} (see docs/configuration.md)`,
      });
    }
  }

  for (const name of known) {
    const spec = keys[name];
    const text = raw[name];
    if (text !== undefined && spec.secret && !secretKeys.has(`${NS}:${name}`)) {
      problems.push({
        path: `${NS}:${name}`,
        message: `is stored in plain text but must be a secret; run: pulumi config set --secret ${NS}:${name} <value>`,
      });
      failed.add(name);
      continue;
    }
    let value: unknown = text;
    if (text !== undefined && spec.kind === "object") {
      try {
        value = JSON.parse(text);
      } catch {
        problems.push({
          path: `${NS}:${name}`,
          message: "must be a YAML object or list in the stack file, not a plain string",
        });
        failed.add(name);
        continue;
      }
    }
    const result = (spec.schema as z.ZodType).safeParse(value, { error: describeIssue });
    if (result.success) parsed[name] = result.data;
    else {
      problems.push(...result.error.issues.map((i) => toProblem(name, i)));
      failed.add(name);
      // One bad node must not hide what is wrong across the others (a duplicate address, say): the rules
      // still see every node that parses, at its own index.
      if (name === "nodes" && Array.isArray(value)) parsed.nodes = parseEach(value, nodeSchema);
      // Likewise one bad user must not hide a group another user names that nobody declared.
      if (name === "identity" && typeof value === "object" && value !== null)
        parsed.identity = parseIdentityLeniently(value as Record<string, unknown>);
    }
  }

  problems.push(...crossFieldProblems(parsed as Partial<HearthConfig>, catalogue, failed));
  problems.push(...retiredProblems((parsed as Partial<HearthConfig>).apps, catalogue));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: parsed as HearthConfig };
}

/** What of hearth:identity parses: the string groups, the users that parse alone, the defaults. */
function parseIdentityLeniently(v: Record<string, unknown>): HearthConfig["identity"] {
  const rest = identitySchema.omit({ groups: true, users: true });
  const { groups: _g, users: _u, ...others } = v; // eslint-disable-line @typescript-eslint/no-unused-vars
  const base = rest.safeParse(others);
  const fallback = rest.parse({});
  return {
    ...(base.success ? base.data : fallback),
    groups: Array.isArray(v.groups)
      ? v.groups.filter((g): g is string => typeof g === "string")
      : [],
    users: Array.isArray(v.users) ? parseEach(v.users, identityUserSchema) : [],
  };
}

/** The elements of a list that parse on their own, at their own indices (a sparse list). */
function parseEach<T>(items: unknown[], schema: z.ZodType<T>): T[] {
  const out: T[] = [];
  items.forEach((item, i) => {
    const r = schema.safeParse(item);
    if (r.success) out[i] = r.data;
  });
  return out;
}

function toProblem(key: string, issue: z.core.$ZodIssue): Problem {
  let path = `${NS}:${key}`;
  for (const s of issue.path) path += typeof s === "number" ? `[${s}]` : `.${String(s)}`;
  if (issue.code === "unrecognized_keys") {
    const fields = issue.keys.map((k) => JSON.stringify(k)).join(", ");
    return { path, message: `unknown field ${fields} (see docs/configuration.md for the fields)` };
  }
  return { path, message: issue.message };
}

/** Messages for zod's generic issues; checks with their own message keep it. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `expected ${issue.expected}, got ${kindOf(issue.input)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}; got ${JSON.stringify(issue.input)}`;
    case "too_small":
      if (issue.origin === "array")
        return `needs at least ${issue.minimum} entr${issue.minimum === 1 ? "y" : "ies"}`;
      if (issue.origin === "string") return "must not be empty";
      return `must be at least ${issue.minimum}`;
    case "too_big":
      return `must be at most ${issue.maximum}`;
    case "invalid_format":
      if (issue.format === "url")
        return `${JSON.stringify(issue.input)} is not a URL such as https://host/path`;
      if (issue.format === "starts_with")
        return `must start with "${(issue as { prefix?: string }).prefix}"`;
      return undefined;
    default:
      return undefined;
  }
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Rules that span fields: uniqueness, quorum, dependencies, required companions. */
export function crossFieldProblems(
  c: Partial<HearthConfig>,
  catalogue: Record<string, CatalogueEntry>,
  failed: ReadonlySet<KeyName> = new Set(),
): Problem[] {
  const out: Problem[] = [];
  // A key that was given but failed its own check is already reported: rules neither call it missing nor
  // reason from its defaults.
  const missing = (k: KeyName) => c[k] === undefined && !failed.has(k);
  const unsure = (...ks: KeyName[]) => ks.some((k) => failed.has(k));
  const add = (path: string, message: string) => out.push({ path: `${NS}:${path}`, message });
  const nodes = c.nodes ?? [];
  const servers = c.hetzner?.servers ?? [];

  const seen = new Map<string, string>();
  const unique = (kind: string, value: string | undefined, at: string) => {
    if (value === undefined) return;
    const first = seen.get(`${kind}=${value}`);
    if (first)
      add(
        at,
        `${JSON.stringify(value)} is already used by ${NS}:${first}; each machine needs its own ${kind}`,
      );
    else seen.set(`${kind}=${value}`, at);
  };
  // The LAN's router and the PXE controller are machines too: no node may take their address.
  unique("address", c.network?.gateway, "network.gateway");
  unique("address", c.pxe?.address, "pxe.address");
  nodes.forEach((n, i) => {
    unique("name", n.name, `nodes[${i}].name`);
    unique("MAC", n.mac, `nodes[${i}].mac`);
    unique("address", n.ip, `nodes[${i}].ip`);
  });
  servers.forEach((s, i) => {
    unique("name", s.name, `hetzner.servers[${i}].name`);
    unique("address", s.privateIp, `hetzner.servers[${i}].privateIp`);
  });

  nodes.forEach((n, i) => {
    if (!n.dhcp && !n.ip) add(`nodes[${i}].ip`, `is required unless dhcp: true (node ${n.name})`);
    if (n.dhcp && n.ip)
      add(`nodes[${i}].ip`, `is set together with dhcp: true; choose one (node ${n.name})`);
    if (n.ip && c.network && !inCidr(n.ip, c.network.cidr))
      add(`nodes[${i}].ip`, `${n.ip} is outside ${NS}:network.cidr ${c.network.cidr}`);
    if (n.hostKey && n.hostKeyPath)
      add(`nodes[${i}].hostKeyPath`, `is set together with hostKey; choose one (node ${n.name})`);
    if (n.ip && missing("network"))
      add(
        `nodes[${i}].ip`,
        `a static address needs ${NS}:network (cidr, gateway) for netmask and router`,
      );
    const installer = installerOf(n);
    if (installer === "kickstart" && n.os !== "fedora")
      add(
        `nodes[${i}].installer`,
        `kickstart installs Fedora; use image or debian-installer for os ${n.os} (node ${n.name})`,
      );
    if (installer !== "kickstart" && n.os !== "debian")
      add(
        `nodes[${i}].installer`,
        `${installer} installs Debian; use kickstart for os ${n.os} (node ${n.name})`,
      );
    if (n.os === "debian" && installer === "image" && n.arch !== "amd64")
      add(
        `nodes[${i}].installer`,
        `the image installer is proven on amd64 only so far; set installer: debian-installer for ${n.arch} (node ${n.name})`,
      );
    if (n.reinstall !== undefined && installer !== "image")
      add(
        `nodes[${i}].reinstall`,
        `only the image installer reads it; the ${installer} path reinstalls whenever the node boots from the network (node ${n.name})`,
      );
  });
  servers.forEach((s, i) => {
    if (c.hetzner) {
      const types = [...HETZNER_SERVER_TYPES, ...c.hetzner.extraServerTypes];
      if (!types.includes(s.serverType)) {
        const guess = closest(s.serverType, types);
        add(
          `hetzner.servers[${i}].serverType`,
          `"${s.serverType}" is not a Hetzner server type${guess ? `; did you mean ${guess}?` : ""} (a type Hetzner added since: list it in ${NS}:hetzner.extraServerTypes)`,
        );
      }
    }
    if (c.hetzner && !inCidr(s.privateIp, c.hetzner.networkCidr))
      add(
        `hetzner.servers[${i}].privateIp`,
        `${s.privateIp} is outside ${NS}:hetzner.networkCidr ${c.hetzner.networkCidr}`,
      );
  });

  const machines = nodes.length + servers.length;
  const serverCount = [...nodes, ...servers].filter((n) => n.role === "server").length;
  const mode = c.cluster?.mode ?? "k3s";
  if (mode === "k3s" && !unsure("nodes", "hetzner", "cluster")) {
    if (machines === 0)
      add(
        "cluster.mode",
        `"k3s" needs machines: add ${NS}:nodes or ${NS}:hetzner, or use mode "existing" with ${NS}:kubeconfig`,
      );
    else if (serverCount === 0)
      add("nodes", `no node has role "server"; k3s needs one (1, 3 or 5 servers)`);
    else if (serverCount % 2 === 0)
      add(
        "nodes",
        `${serverCount} servers cannot keep an etcd quorum through a failure; use 1, 3 or 5 servers`,
      );
  }
  if (mode === "existing" && missing("kubeconfig") && c.cluster?.kubeconfigPath === undefined)
    add(
      "kubeconfig",
      `is required with cluster.mode "existing" (or set cluster.kubeconfigPath); run: pulumi config set --secret ${NS}:kubeconfig < ~/.kube/config`,
    );

  const reachesMachines = machines > 0 || c.pxe !== undefined;
  const keyFile = c.ssh?.privateKeyPath !== undefined;
  if (keyFile && c.sshPrivateKey !== undefined)
    add("ssh.privateKeyPath", `is set together with ${NS}:sshPrivateKey; choose one`);
  if (reachesMachines && missing("sshPrivateKey") && !keyFile)
    add(
      "sshPrivateKey",
      `is required to reach nodes; run: pulumi config set --secret ${NS}:sshPrivateKey < ~/.ssh/id_ed25519`,
    );
  if (reachesMachines && missing("ssh"))
    add("ssh", "is required to reach nodes: set ssh.authorizedKeys");
  // Installers plant these keys: a machine installed without one could never be logged into.
  const installs =
    servers.length > 0 || (c.pxe !== undefined && nodes.some((n) => !n.hostKey && !n.hostKeyPath));
  if (installs && c.ssh && c.ssh.authorizedKeys.length === 0)
    add(
      "ssh.authorizedKeys",
      "is empty, but Hearth installs machines (PXE or Hetzner) and plants these keys; add your public key",
    );
  if (c.pxe && nodes.length === 0 && !unsure("nodes"))
    add("pxe", `is set but ${NS}:nodes is empty; add the nodes it should install`);
  if (c.pxe && missing("network"))
    add("network", "is required with pxe: the controller serves that LAN");
  // The cluster's networks are routed inside every node: one that overlaps another, or the home's own
  // networks, makes part of the LAN (or of the other network) unreachable from pods.
  if (c.cluster && (c.cluster.mode ?? "k3s") === "k3s" && !unsure("cluster")) {
    const networks: [string, string | undefined][] = [
      ["cluster.podCidr", c.cluster.podCidr],
      ["cluster.serviceCidr", c.cluster.serviceCidr],
      ["network.cidr", c.network?.cidr],
      ["hetzner.networkCidr", c.hetzner?.networkCidr],
    ];
    for (let i = 0; i < 2; i++) {
      const [key, net] = networks[i];
      for (let j = i + 1; j < networks.length; j++) {
        const [other, otherNet] = networks[j];
        if (net && otherNet && cidrsOverlap(net, otherNet))
          add(
            key,
            `${net} overlaps ${NS}:${other} ${otherNet}; choose a private range that overlaps neither (k3s uses 10.42.0.0/16 for pods and 10.43.0.0/16 for services by default)`,
          );
      }
    }
  }
  if (c.pxe && c.network && !inCidr(c.pxe.address, c.network.cidr))
    add("pxe.address", `${c.pxe.address} is outside ${NS}:network.cidr ${c.network.cidr}`);
  if (c.cloudflare && missing("cloudflareApiToken"))
    add(
      "cloudflareApiToken",
      `is required with ${NS}:cloudflare; run: pulumi config set --secret ${NS}:cloudflareApiToken <token>`,
    );
  const install = c.cluster?.install;
  if (install && (install.binaryUrl === undefined) !== (install.binarySha256 === undefined))
    add(
      install.binaryUrl ? "cluster.install.binarySha256" : "cluster.install.binaryUrl",
      install.binaryUrl
        ? "is required with cluster.install.binaryUrl: the SHA-256 of that k3s binary (sha256sum k3s)"
        : "is missing: binarySha256 pins a binary, give its URL (a local copy of the k3s release binary)",
    );
  if (c.hetzner && !HETZNER_LOCATIONS.includes(c.hetzner.location)) {
    const guess = closest(c.hetzner.location, HETZNER_LOCATIONS);
    add(
      "hetzner.location",
      `"${c.hetzner.location}" is not a Hetzner location${guess ? `; did you mean ${guess}?` : ""} (one of ${HETZNER_LOCATIONS.join(", ")})`,
    );
  }
  if (c.hetzner && missing("hcloudToken"))
    add(
      "hcloudToken",
      `is required with ${NS}:hetzner; run: pulumi config set --secret ${NS}:hcloudToken <token>`,
    );
  const monitoring = (c.apps?.enabled ?? []).filter((a) => MONITORING_APPS.includes(a));
  if (monitoring.length > 0 && missing("observability"))
    add(
      "observability",
      `is required with ${monitoring.map((a) => `"${a}"`).join(", ")} in ${NS}:apps.enabled: the observability apps run with the SLOs and a route for alerts, e.g. notify: {webhook: {url: https://ntfy.example.org/hearth}} with the token in ${NS}:notifySecret`,
    );
  if (c.backup) out.push(...backupProblems(c.backup, c, failed));
  out.push(...identityProblems(c, catalogue, failed));
  if (c.observability) {
    const route = "email" in c.observability.notify ? "email" : "webhook";
    if (missing("notifySecret") && !c.observability.notifySecretPath)
      add(
        "notifySecret",
        `is required with ${NS}:observability.notify.${route} (${route === "email" ? "the SMTP password" : "the bearer token"}); run: pulumi config set --secret ${NS}:notifySecret <value>, or set ${NS}:observability.notifySecretPath`,
      );
    if (!(c.apps?.enabled ?? []).includes("vmalert") && !failed.has("apps"))
      add(
        "observability",
        `alerts need somewhere to run: add "victoria-metrics", "vmalert", "blackbox-exporter" and "kube-state-metrics" to ${NS}:apps.enabled (docs/observability.md), or remove ${NS}:observability`,
      );
    for (const app of Object.keys(c.observability.sloTargets)) {
      if (!catalogue[app]?.healthPath || !(c.apps?.enabled ?? []).includes(app))
        add(
          `observability.sloTargets.${app}`,
          `names no enabled app with a health path (${(c.apps?.enabled ?? []).filter((a) => catalogue[a]?.healthPath).join(", ") || "none"})`,
        );
    }
  }

  const enabled = c.apps?.enabled ?? [];
  const names = Object.keys(catalogue).sort();
  const externalGitea = c.gitea?.url !== undefined;
  enabled.forEach((app, i) => {
    if (!catalogue[app]) {
      const guess = closest(app, names);
      add(
        `apps.enabled[${i}]`,
        `unknown app ${JSON.stringify(app)}${guess ? `; did you mean "${guess}"?` : ""} (catalogue: ${names.join(", ")})`,
      );
      return;
    }
    if (enabled.indexOf(app) !== i)
      add(`apps.enabled[${i}]`, `${JSON.stringify(app)} is listed twice`);
    for (const need of catalogue[app].needs) {
      const met = enabled.includes(need) || (need === "gitea" && externalGitea);
      if (!met)
        add(
          `apps.enabled[${i}]`,
          `${JSON.stringify(app)} needs "${need}"; enable it too${need === "gitea" ? ` or set ${NS}:gitea.url` : ""}`,
        );
    }
    if (catalogue[app].subdomain && app !== "traefik" && !enabled.includes("traefik"))
      add(
        `apps.enabled[${i}]`,
        `${JSON.stringify(app)} has a web UI, which needs the ingress controller; enable "traefik" too`,
      );
  });
  // One hostname, one app: the ingress (and the tunnel) would route it to only one of them.
  const claimed = new Map<string, string>();
  for (const app of enabled) {
    const entry = catalogue[app];
    if (!entry) continue;
    const own = c.apps?.settings?.[app]?.hostname;
    const host =
      own ?? (entry.subdomain && c.domain ? `${entry.subdomain}.${c.domain}` : undefined);
    if (!host) continue;
    const other = claimed.get(host);
    if (other)
      add(
        `apps.settings.${app}.hostname`,
        `${JSON.stringify(host)} is already the hostname of "${other}"; give each app its own (set apps.settings.${app}.hostname)`,
      );
    else claimed.set(host, app);
  }
  for (const [app, set] of Object.entries(c.apps?.settings ?? {})) {
    const host = set.hostname;
    if (host && c.cloudflare && c.domain && host !== c.domain && !host.endsWith(`.${c.domain}`))
      add(
        `apps.settings.${app}.hostname`,
        `${JSON.stringify(host)} is outside ${NS}:domain ${c.domain}; the Cloudflare tunnel only publishes names in that zone`,
      );
  }
  for (const app of Object.keys(c.apps?.settings ?? {})) {
    if (!enabled.includes(app))
      add(
        `apps.settings.${app}`,
        `settings for an app that is not enabled; add "${app}" to apps.enabled or remove them`,
      );
  }
  if (enabled.includes("cert-manager") && c.cloudflare && missing("cloudflareDnsApiToken"))
    add(
      "cloudflareDnsApiToken",
      `is required for cert-manager's DNS-01 challenges with ${NS}:cloudflare: a token with Zone DNS edit only (never the tunnel token, which would sit in the cluster); run: pulumi config set --secret ${NS}:cloudflareDnsApiToken <token>`,
    );
  if (enabled.includes("cert-manager") && c.cloudflare && missing("acmeEmail"))
    add(
      "acmeEmail",
      `is required for Let's Encrypt certificates (cert-manager with ${NS}:cloudflare)`,
    );
  const tokenFile = c.gitea?.tokenPath !== undefined;
  if (tokenFile && c.giteaToken !== undefined)
    add("gitea.tokenPath", `is set together with ${NS}:giteaToken; choose one`);
  if (externalGitea && missing("giteaToken") && !tokenFile)
    add(
      "giteaToken",
      `is required with ${NS}:gitea.url; run: pulumi config set --secret ${NS}:giteaToken <token>`,
    );
  if (externalGitea && enabled.includes("gitea"))
    add("gitea.url", `points at an existing Gitea while the "gitea" app is enabled; choose one`);
  return out;
}

/**
 * The rules of hearth:identity and the apps' `sso` and `groups` settings: every group a user, an app or the
 * admin setting names is declared; names are unique; SSO is asked for only where the provider runs and the
 * app has a sign-in to put behind it.
 */
function identityProblems(
  c: Partial<HearthConfig>,
  catalogue: Record<string, CatalogueEntry>,
  failed: ReadonlySet<KeyName>,
): Problem[] {
  const out: Problem[] = [];
  const add = (path: string, message: string) => out.push({ path: `${NS}:${path}`, message });
  const enabled = c.apps?.enabled ?? [];
  const provider = enabled.includes(IDENTITY_PROVIDER_APP);
  const id = c.identity;
  const groups = id?.groups ?? [];
  const declared = (name: string, at: string) => {
    if (groups.includes(name)) return;
    const guess = closest(name, groups);
    add(
      at,
      `${JSON.stringify(name)} is not a declared group${guess ? `; did you mean "${guess}"?` : ""} (${NS}:identity.groups: ${groups.join(", ") || "none"}); add it there or fix the name`,
    );
  };
  if (provider && c.identity === undefined && !failed.has("identity"))
    add(
      "identity",
      `is required with "${IDENTITY_PROVIDER_APP}" in ${NS}:apps.enabled: declare groups and users (each gets a generated password), e.g. groups: [admins], users: [{name: alice, email: alice@example.org, groups: [admins]}]`,
    );
  if (id && !provider)
    add(
      "identity",
      `declares users, but the identity provider is off; add "${IDENTITY_PROVIDER_APP}" to ${NS}:apps.enabled, or remove ${NS}:identity`,
    );
  if (id) {
    const seenGroup = new Set<string>();
    id.groups.forEach((g, i) => {
      if (seenGroup.has(g)) add(`identity.groups[${i}]`, `${JSON.stringify(g)} is listed twice`);
      seenGroup.add(g);
    });
    const seenName = new Map<string, number>();
    const seenMail = new Map<string, number>();
    id.users.forEach((u, i) => {
      const sameName = seenName.get(u.name);
      if (sameName !== undefined)
        add(
          `identity.users[${i}].name`,
          `${JSON.stringify(u.name)} is already ${NS}:identity.users[${sameName}]; each user needs their own login`,
        );
      else seenName.set(u.name, i);
      const mail = u.email.toLowerCase();
      const sameMail = seenMail.get(mail);
      if (sameMail !== undefined)
        add(
          `identity.users[${i}].email`,
          `${JSON.stringify(u.email)} is already the address of ${NS}:identity.users[${sameMail}]; the apps match accounts by e-mail, so each user needs their own`,
        );
      else seenMail.set(mail, i);
      u.groups.forEach((g, j) => declared(g, `identity.users[${i}].groups[${j}]`));
    });
    declared(id.adminGroup, "identity.adminGroup");
    if (
      id.groups.includes(id.adminGroup) &&
      !id.users.some((u) => u.groups.includes(id.adminGroup))
    )
      add(
        "identity.adminGroup",
        `no user is in ${JSON.stringify(id.adminGroup)}, so nobody could administer the apps through SSO; add the group to one of ${NS}:identity.users`,
      );
  }
  for (const [app, set] of Object.entries(c.apps?.settings ?? {})) {
    if (!enabled.includes(app) || !catalogue[app]) continue;
    const kind = catalogue[app].sso ?? "none";
    const at = `apps.settings.${app}`;
    if (set.sso === true && !provider)
      add(
        `${at}.sso`,
        `SSO is on, but the identity provider is off; add "${IDENTITY_PROVIDER_APP}" to ${NS}:apps.enabled, or set ${at}.sso to false`,
      );
    if (set.sso !== undefined && (kind === "none" || kind === "provider"))
      add(
        `${at}.sso`,
        `"${app}" has no sign-in to put behind the identity provider (catalogue: sso ${kind}); remove the setting`,
      );
    if (set.sso !== undefined && kind === "gitea-oauth2")
      add(
        `${at}.sso`,
        `"${app}" signs in through Gitea, so it follows apps.settings.gitea.sso; remove the setting`,
      );
    if (set.groups) {
      if (!provider || set.sso === false || kind === "none" || kind === "provider")
        add(
          `${at}.groups`,
          `names who may sign in through the identity provider, but "${app}" does not sign in through it here; remove the setting${provider ? "" : ` or enable "${IDENTITY_PROVIDER_APP}"`}`,
        );
      else if (id) set.groups.forEach((g, j) => declared(g, `${at}.groups[${j}]`));
    }
  }
  return out;
}

/** The rules of hearth:backup across its targets, their secrets, retention and the cluster. */
function backupProblems(
  b: NonNullable<HearthConfig["backup"]>,
  c: Partial<HearthConfig>,
  failed: ReadonlySet<KeyName>,
): Problem[] {
  const out: Problem[] = [];
  const add = (path: string, message: string) => out.push({ path: `${NS}:${path}`, message });
  const names = new Map<string, number>();
  const places = new Map<string, number>();
  b.targets.forEach((t, i) => {
    const firstName = names.get(t.name);
    if (firstName !== undefined)
      add(
        `backup.targets[${i}].name`,
        `"${t.name}" is already the name of ${NS}:backup.targets[${firstName}]`,
      );
    else names.set(t.name, i);
    const place = `${t.endpoint.replace(/\/+$/, "").toLowerCase()} ${t.bucket}`;
    const firstPlace = places.get(place);
    if (firstPlace !== undefined)
      add(
        `backup.targets[${i}]`,
        `writes to the same endpoint and bucket as ${NS}:backup.targets[${firstPlace}] (${t.endpoint}, ${t.bucket}); a second copy must be a second place`,
      );
    else places.set(place, i);
  });
  if (b.targets.length < b.copies)
    add(
      "backup.targets",
      `names ${b.targets.length} target${b.targets.length === 1 ? "" : "s"} but ${NS}:backup.copies is ${b.copies}; add targets (one offsite) or lower copies`,
    );
  if (b.copies >= 2 && !b.targets.some((t) => t.role === "offsite"))
    add(
      "backup.targets",
      `has no target with role "offsite" while ${NS}:backup.copies is ${b.copies}; one copy must live away from the home (3-2-1)`,
    );
  const r = b.retention;
  if (r.last + r.daily + r.weekly + r.monthly < 1)
    add("backup.retention", "keeps no snapshot at all; keep one at least, e.g. daily: 7");

  // Secret keys: from hearth:backupSecretAccessKeys, or a file per target.
  if (!failed.has("backupSecretAccessKeys")) {
    const secrets = c.backupSecretAccessKeys ?? {};
    b.targets.forEach((t, i) => {
      const inConfig = secrets[t.name] !== undefined;
      if (inConfig && t.secretAccessKeyPath)
        add(
          `backup.targets[${i}].secretAccessKeyPath`,
          `is set while ${NS}:backupSecretAccessKeys.${t.name} is too; keep one`,
        );
      if (!inConfig && !t.secretAccessKeyPath)
        add(
          `backupSecretAccessKeys.${t.name}`,
          `is required for backup target "${t.name}"; run: pulumi config set --secret --path '${NS}:backupSecretAccessKeys.${t.name}' <secret key>`,
        );
    });
    for (const name of Object.keys(secrets))
      if (!names.has(name)) {
        const guess = closest(name, [...names.keys()]);
        add(
          `backupSecretAccessKeys.${name}`,
          `names no target of ${NS}:backup${guess ? `; did you mean ${guess}?` : ""}`,
        );
      }
  }

  if (b.etcd) {
    if (!failed.has("cluster") && c.cluster && c.cluster.mode !== "k3s")
      add(
        "backup.etcd",
        `needs cluster.mode "k3s": an existing cluster's etcd is backed up by whoever runs it; remove backup.etcd`,
      );
    (c.cluster?.flags ?? []).forEach((f, i) => {
      if (/^--etcd-s3/.test(f))
        add(
          `cluster.flags[${i}]`,
          `"${f.split("=")[0]}" would make k3s ignore the S3 settings of ${NS}:backup.etcd (k3s reads its config Secret only when no other etcd-s3 option is set); remove it`,
        );
    });
    if (b.etcd.target !== undefined && !names.has(b.etcd.target))
      add(
        "backup.etcd.target",
        `"${b.etcd.target}" is not a target of ${NS}:backup (${[...names.keys()].join(", ")})`,
      );
  }
  return out;
}

/** Whether an IPv4 address lies in a CIDR network. */
export function inCidr(ip: string, network: string): boolean {
  const [base, bits] = network.split("/");
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (ipToInt(ip) & mask) >>> 0 === (ipToInt(base) & mask) >>> 0;
}

/** Whether two IPv4 CIDR networks share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const bits = Math.min(Number(a.split("/")[1]), Number(b.split("/")[1]));
  return inCidr(a.split("/")[0], `${b.split("/")[0]}/${bits}`);
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => ((acc << 8) + Number(o)) >>> 0, 0);
}

/** The known word nearest to a typo, when it is close enough to suggest. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}
