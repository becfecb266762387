/**
 * The `hearth:` configuration schema: one zod schema per top-level key, with the description, default and
 * secretness that `docs/configuration.md` and `Pulumi.yaml` are generated from. Pure: no Pulumi imports.
 */
import { z } from "zod";
import { k3sFlagProblem } from "../components/cluster/k3s-flags";
import { TSIG_ALGORITHMS } from "../components/edge/dns-wire";
import { DNS_LABEL, DNS_LABEL_PATTERN, IPV4, IPV4_CIDR, MAC, parseCidr } from "../components/net";
import { cronProblem } from "./cron";
import { sshPublicKeyProblem } from "./ssh-key";

/**
 * A type's own message for a value that was given; a missing one falls through to "is required" (an error
 * function on a type, as z.email's, also receives the missing value).
 */
function given(input: unknown, message: string): string | undefined {
  return input === undefined ? undefined : message;
}

const DOMAIN = new RegExp(`^(?=.{1,253}$)(${DNS_LABEL_PATTERN}\\.)+[a-z]{2,63}$`);
/** A host name: one label, or labels joined by dots. */
const HOST_NAME = new RegExp(`^(?=.{1,253}$)(${DNS_LABEL_PATTERN}\\.)*${DNS_LABEL_PATTERN}$`);
const SSH_PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( .*)?$/;
const K3S_VERSION = /^v1\.\d+\.\d+\+k3s\d+$/;
const EXACT_VERSION = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, {
  error: (i) =>
    `${JSON.stringify(i.input)} is not a SHA-256 in hex (64 characters 0-9a-f, as sha256sum prints)`,
});
const hostname = z.string().regex(DNS_LABEL, {
  error: (i) =>
    `${JSON.stringify(i.input)} is not a valid host name; use lowercase letters, digits and "-" (at most 63)`,
});
const ipv4 = z.string().regex(IPV4, {
  error: (i) => `${JSON.stringify(i.input)} is not an IPv4 address, e.g. 192.168.1.10`,
});
const cidr = z
  .string()
  .regex(IPV4_CIDR, {
    error: (i) => `${JSON.stringify(i.input)} is not a network in CIDR form, e.g. 192.168.1.0/24`,
  })
  // The PXE controller, the Hetzner fleet and its firewall refuse a network with host bits set.
  .superRefine((net, ctx) => {
    if (!IPV4_CIDR.test(net)) return;
    try {
      parseCidr(net);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
    }
  });
export const sshPublicKey = z
  .string()
  .regex(SSH_PUBLIC_KEY, {
    error: (i) =>
      `${JSON.stringify(String(i.input).slice(0, 24))}... is not an SSH public key; paste one line such as "ssh-ed25519 AAAA... user@host"`,
  })
  .superRefine((line, ctx) => {
    const problem = SSH_PUBLIC_KEY.test(line) ? sshPublicKeyProblem(line) : undefined;
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** One machine installed by the PXE controller (or already installed) and reached over SSH. */
export const nodeSchema = z.strictObject({
  name: hostname.describe("Host name; also the Kubernetes node name."),
  role: z
    .enum(["server", "agent"])
    .describe("server runs the control plane and etcd; agent runs workloads."),
  mac: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(
      z.string().regex(MAC, {
        error: (i) =>
          `${JSON.stringify(i.input)} is not a MAC address; write six hex pairs with colons, e.g. 52:54:00:12:34:56`,
      }),
    )
    .describe("MAC address of the NIC that PXE-boots; Wake-on-LAN targets it."),
  ip: ipv4.optional().describe("Static IPv4 address. Leave out for DHCP (then `dhcp: true`)."),
  dhcp: z.boolean().default(false).describe("Take the address from DHCP instead of `ip`."),
  disk: z
    .string()
    // As the installers take it (components/metal/spec.ts): /dev/sda, /dev/nvme0n1, and the stable names under
    // /dev/disk/by-id/ and by-path/, which hold capitals, dots and colons.
    .regex(/^\/dev\/[A-Za-z0-9._:/+-]+$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a disk device; use a path such as /dev/sda, /dev/nvme0n1 or /dev/disk/by-id/<id>`,
    })
    .default("/dev/sda")
    .describe("Disk the installer wipes and installs onto."),
  arch: z.enum(["amd64", "arm64"]).default("amd64").describe("CPU architecture."),
  os: z
    .enum(["debian", "fedora"])
    .default("debian")
    .describe("Operating system the controller installs."),
  installer: z
    .enum(["image", "debian-installer", "kickstart"])
    .optional()
    .describe(
      "How the controller installs the node: image (Hearth's Debian image, written from an in-memory installer), debian-installer (Debian's installer with a preseed) or kickstart (Fedora). @default image for Debian, kickstart for Fedora",
    ),
  reinstall: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, {
      error: () =>
        "use up to 64 letters, digits, dots, colons, hyphens or underscores, e.g. 2026-12-01",
    })
    .optional()
    .describe(
      "Change this text to reinstall an image-installed node (which otherwise never wipes a disk it installed); the node must then boot from the network once.",
    ),
  selinux: z
    .enum(["enforcing", "permissive", "disabled"])
    .default("enforcing")
    .describe("SELinux mode (Fedora only)."),
  packages: z.array(z.string().min(1)).default([]).describe("Extra OS packages to install."),
  wakeOnLan: z
    .boolean()
    .default(true)
    .describe("Send a Wake-on-LAN packet; false for nodes powered by hand."),
  hostKey: sshPublicKey
    .optional()
    .describe(
      "Pinned SSH host public key of an already installed node. Leave out to have Hearth generate and plant one.",
    ),
  hostKeyPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "File holding the pinned host public key (one line), read at run time, instead of hostKey.",
    ),
});

/** The LAN the nodes live on. */
export const networkSchema = z.strictObject({
  cidr: cidr.describe("The home network, e.g. 192.168.1.0/24."),
  gateway: ipv4.describe("Default router."),
  dns: z.array(ipv4).min(1).optional().describe("DNS servers. @default [gateway]"),
});

/** The host that runs dnsmasq (proxy-DHCP + TFTP) and the HTTP server with install files. */
export const pxeSchema = z.strictObject({
  host: z.string().min(1).describe("SSH address of the controller host."),
  address: ipv4.describe(
    "The controller's IPv4 address on the nodes' LAN (served in PXE replies).",
  ),
  port: z.number().int().min(1).max(65535).default(22).describe("SSH port."),
  user: z.string().min(1).default("hearth").describe("SSH user with sudo on the controller."),
  hostKey: sshPublicKey.describe("The controller's pinned SSH host public key."),
  interface: z
    .string()
    .min(1)
    .optional()
    .describe("Network interface dnsmasq listens on. @default all"),
  httpPort: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(8080)
    .describe("Port of the install-file HTTP server."),
  rootDir: z
    .string()
    .startsWith("/")
    .default("/srv/hearth")
    .describe("Where boot and install files live."),
  debianMirror: z
    .string()
    .min(1)
    .default("deb.debian.org")
    .describe("Debian mirror host for installs."),
  fedoraMirror: z
    .string()
    .regex(/^http:\/\/\S+[^/\s]$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} must be a plain http:// URL without a trailing slash: iPXE fetches the kernel from it and has no TLS`,
    })
    .default("http://dl.fedoraproject.org/pub/fedora/linux/releases/42/Everything")
    .describe(
      "Fedora release tree up to the architecture (`/x86_64/os` or `/aarch64/os` is appended).",
    ),
  proxy: z
    .url()
    .optional()
    .describe("HTTP proxy the installers fetch packages through (e.g. apt-cacher-ng)."),
  installTimeoutMinutes: z
    .number()
    .int()
    .min(5)
    .default(60)
    .describe("How long to wait for a node's install."),
});

/** How Hearth logs in to machines it manages. */
export const sshSchema = z.strictObject({
  user: z.string().min(1).default("hearth").describe("Admin user created on every node."),
  authorizedKeys: z
    .array(sshPublicKey)
    .default([])
    .describe(
      "Public keys allowed to log in as that user; planted by the installers (PXE, Hetzner), so at least one is needed when Hearth installs machines.",
    ),
  privateKeyPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "File holding the private key, read at run time and kept secret (instead of hearth:sshPrivateKey).",
    ),
});

/** The Kubernetes cluster. */
export const clusterSchema = z.strictObject({
  mode: z
    .enum(["k3s", "existing"])
    .default("k3s")
    .describe("k3s: install k3s on the nodes over SSH. existing: use `hearth:kubeconfig`."),
  version: z
    .string()
    .regex(K3S_VERSION, {
      error: (i) => `${JSON.stringify(i.input)} is not a k3s version; write it as v1.33.5+k3s1`,
    })
    .default("v1.33.5+k3s1")
    .describe("Pinned k3s version."),
  podCidr: cidr
    .default("10.42.0.0/16")
    .describe(
      "Pod network (k3s --cluster-cidr); must overlap neither the service network nor the LAN. Behind the Cloudflare tunnel the ingress trusts X-Forwarded-* headers from it (the connector runs there): with cluster.mode existing, give the cluster's own pod network.",
    ),
  serviceCidr: cidr
    .default("10.43.0.0/16")
    .describe(
      "Service network (k3s --service-cidr); must overlap neither the pod network nor the LAN.",
    ),
  flags: z
    .array(
      z.string().superRefine((flag, ctx) => {
        const problem = k3sFlagProblem(flag);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    )
    .default([])
    .describe(
      "Extra k3s flags for every server, each one `--name` or `--name=value` with no spaces, quotes, `\\`, `$`, `%` or control characters (k3s's installer writes them into a systemd unit).",
    ),
  cisHardening: z
    .boolean()
    .default(true)
    .describe("CIS flags: secrets encryption, PSA, audit log, kernel defaults."),
  endpoint: z
    .string()
    .regex(HOST_NAME, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a host name or IPv4 address, e.g. k3s.home.example.org`,
    })
    .optional()
    .describe(
      "Fixed registration address of the servers (DNS name resolving to every server, or a virtual IP): joining nodes and the kubeconfig use it instead of the first server. @default the first server",
    ),
  install: z
    .strictObject({
      scriptUrl: z.url().default("https://get.k3s.io"),
      scriptSha256: sha256.optional(),
      binaryUrl: z.url().optional(),
      binarySha256: sha256.optional(),
    })
    .optional()
    .describe(
      "Where k3s comes from: the installer (and its SHA-256, checked before it runs) and, for air-gapped homes, a copy of the k3s binary of cluster.version with its SHA-256 (both or neither).",
    ),
  context: z.string().min(1).optional().describe("Context to use in an existing kubeconfig."),
  id: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a cluster id: lowercase letters, digits, '-' and '.', e.g. home-k3s`,
    })
    .optional()
    .describe(
      "The cluster's identity, which every Kubernetes resource is bound to (the provider's clusterIdentifier, ADR 14). Changing it tells Hearth this is another cluster: every Kubernetes resource is replaced. A new address or kubeconfig for the same cluster changes nothing. @default hearth-k3s (mode k3s) or hearth-cluster (mode existing)",
    ),
  kubeconfigPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Kubeconfig file of an existing cluster, read at run time and kept secret (instead of hearth:kubeconfig).",
    ),
});

/** Cloudflare in front of the home: a tunnel and DNS records. */
export const cloudflareSchema = z.strictObject({
  accountId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, { error: "is not a Cloudflare account id (32 hex characters)" }),
  zoneId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, { error: "is not a Cloudflare zone id (32 hex characters)" }),
  tunnelName: z.string().min(1).optional().describe("Tunnel name. @default hearth-<stack>"),
});

/**
 * Which DNS service holds the home's records and answers cert-manager's DNS-01 challenges: Cloudflare (with
 * hearth:cloudflare, the default), or any server that takes dynamic updates (RFC 2136: BIND, Knot, PowerDNS).
 */
export const dnsSchema = z.strictObject({
  provider: z
    .enum(["cloudflare", "rfc2136"])
    .default("cloudflare")
    .describe(
      "cloudflare: hearth:cloudflare's tunnel and zone. rfc2136: a DNS server of your own that takes TSIG-signed dynamic updates (BIND, Knot, PowerDNS); apps are then reached at hearth:dns.address or hearth:dns.alias, and cert-manager answers DNS-01 challenges through the same server.",
    ),
  server: z
    .string()
    .regex(
      /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(:\d{1,5})?$/i,
      {
        error: (i) =>
          `${JSON.stringify(i.input)} is not a DNS server as host or host:port, e.g. ns1.coop.example.org or 192.0.2.53:53`,
      },
    )
    .optional()
    .describe(
      "The zone's primary server that takes the updates, host or host:port (port 53 by default); Hearth and cert-manager both send to it.",
    ),
  zone: z
    .string()
    .transform((s) => s.toLowerCase().replace(/\.$/, ""))
    .pipe(
      z.string().regex(DOMAIN, {
        error: (i) => `${JSON.stringify(i.input)} is not a zone name such as coop.example.org`,
      }),
    )
    .optional()
    .describe("The zone the records are in (its apex). @default hearth:domain"),
  tsigKeyName: z
    .string()
    .regex(/^([a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9])?\.)*[a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9])?\.?$/i, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a TSIG key name; use the name the server gives the key, e.g. hearth-coop`,
    })
    .optional()
    .describe(
      "Name of the TSIG key the server lets update the zone (BIND: update-policy { grant <name> zonesub ANY; }); its secret is hearth:dnsTsigSecret.",
    ),
  tsigAlgorithm: z
    .enum(TSIG_ALGORITHMS)
    .default("hmac-sha256")
    .describe("The key's algorithm, as the server has it (tsig-keygen -a)."),
  address: ipv4
    .optional()
    .describe(
      "Public IPv4 address every app's A record points at: where the ingress controller answers (a router's port forward, or a load balancer).",
    ),
  alias: z
    .string()
    .regex(DOMAIN, {
      error: (i) => `${JSON.stringify(i.input)} is not a host name such as edge.coop.example.org`,
    })
    .optional()
    .describe("A host name every app's record points at as a CNAME, instead of address."),
  ttl: z
    .number()
    .int()
    .min(30)
    .max(86400)
    .default(300)
    .describe("Seconds resolvers may keep the apps' records."),
});

/** A Hetzner Cloud server that becomes a node. */
export const hetznerServerSchema = z.strictObject({
  name: hostname,
  role: z.enum(["server", "agent"]),
  serverType: z.string().min(1).default("cx22").describe("Hetzner server type."),
  privateIp: ipv4.describe("Address in `hearth:hetzner.networkCidr`."),
});

/** Nodes rented from Hetzner Cloud instead of (or beside) metal. */
export const hetznerSchema = z.strictObject({
  location: z.string().min(1).default("fsn1").describe("Hetzner location, e.g. fsn1, nbg1, hel1."),
  extraServerTypes: z
    .array(z.string().regex(/^[a-z0-9-]+$/))
    .default([])
    .describe(
      "Server types Hetzner added after Hearth's list (stacks/hetzner-catalogue.ts) was made.",
    ),
  networkCidr: cidr.default("10.44.0.0/16"),
  image: z.string().min(1).default("debian-12"),
  adminCidrs: z
    .array(cidr)
    .min(1, {
      error: "names no network; give the addresses you administer from, e.g. [203.0.113.7/32]",
    })
    .describe(
      "Who may reach SSH and the API server: required, as the servers have public addresses (0.0.0.0/0 opens both to the internet, which you then have to say).",
    ),
  servers: z.array(hetznerServerSchema).min(1),
});

/** Per-app settings. */
export const appSettingsSchema = z.strictObject({
  hostname: z
    .string()
    .regex(DOMAIN, {
      error: (i) => `${JSON.stringify(i.input)} is not a host name such as git.example.org`,
    })
    .optional(),
  chartVersion: z
    .string()
    .regex(EXACT_VERSION, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not an exact version; ranges are refused, pin e.g. 1.2.3`,
    })
    .optional(),
  values: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      "Helm values merged over the recipe's. Always refused: fullnameOverride or nameOverride (the recipe pins the names Hearth routes to), replicas that are not a whole number, numeric ports outside 1-65535, resource requests, limits and volume sizes that are not Kubernetes quantities. With the chart in a local folder, also checked against its values.schema.json; all before any change.",
    ),
  sso: z
    .boolean()
    .optional()
    .describe(
      "Sign in through the identity provider (authelia). @default true for every app with a sign-in path when authelia is enabled",
    ),
  groups: z
    .array(z.string())
    .min(1)
    .optional()
    .describe(
      "hearth:identity groups whose members may sign in to this app. @default every declared group",
    ),
});

/** Which catalogue apps run, and their settings. */
export const appsSchema = z.strictObject({
  enabled: z.array(z.string()).default([]).describe("Catalogue names, see docs/catalogue.md."),
  retired: z
    .record(
      z.string(),
      z.enum(["keep-data", "delete-data"], {
        error: (i) =>
          `${JSON.stringify(i.input)} is not a retirement: write keep-data (the app's workloads stop, its namespace and volumes stay) or delete-data (they are deleted)`,
      }),
    )
    .default({})
    .describe(
      "Apps that kept data and left apps.enabled, by name: keep-data (workloads stop; namespace, volumes and the GitOps repository stay) or delete-data (they are deleted). Removing such an app without an entry here is refused (docs/day-2.md).",
    ),
  settings: z
    .record(z.string(), appSettingsSchema)
    .default({})
    .describe("Per-app overrides by name."),
});

/** A user or group name: what Authelia, Gitea and Argo CD all accept as a login or group. */
const principal = (what: string) =>
  z.string().regex(/^[a-z][a-z0-9._-]{0,38}$/, {
    error: (i) =>
      `${JSON.stringify(i.input)} is not a ${what} name; use lowercase letters, digits, ".", "_" or "-", starting with a letter (at most 39)`,
  });

/** One person who signs in through the identity provider. */
export const identityUserSchema = z.strictObject({
  name: principal("user").describe("Login name."),
  displayName: z.string().min(1).optional().describe("Shown name. @default the login name"),
  email: z.email({
    error: (i) => given(i.input, `${JSON.stringify(i.input)} is not an email address`),
  }),
  groups: z.array(z.string()).default([]).describe("Declared groups the user belongs to."),
});

/** Users and groups of the identity provider: declared here, never clicked together in a UI. */
export const identitySchema = z.strictObject({
  groups: z.array(principal("group")).min(1).describe("Every group users and apps may name."),
  users: z
    .array(identityUserSchema)
    .min(1)
    .describe("Each gets a generated initial password (stack output identityLogins)."),
  adminGroup: z
    .string()
    .default("admins")
    .describe("The declared group whose members are admins in Gitea, Argo CD and Zot."),
  secondFactor: z
    .boolean()
    .default(true)
    .describe("Ask for TOTP or WebAuthn after the password (Authelia two_factor)."),
  passwordRotateAfterDays: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("Days after which the next up makes new initial passwords; 0 never."),
});

/** Where Helm charts come from. */
export const chartsSchema = z.strictObject({
  localDir: z
    .string()
    .min(1)
    .optional()
    .describe("Directory of chart folders used instead of repositories."),
});

/** The Gitea that holds the GitOps repository. */
export const giteaSchema = z.strictObject({
  url: z
    .url({
      protocol: /^https?$/,
      error: (i) =>
        given(
          i.input,
          `${JSON.stringify(i.input)} is not an http(s):// URL; give Gitea's base URL, e.g. https://git.example.org`,
        ),
    })
    .optional()
    .describe("An existing Gitea's URL. @default the in-cluster app at https://git.<domain>"),
  org: hostname.default("hearth").describe("Organisation that owns the GitOps repository."),
  repo: hostname.default("gitops").describe("GitOps repository name."),
  username: z
    .string()
    // Gitea's own rule (user names: letters, digits, and single "-", "_" or "." between them).
    .regex(/^(?=.{1,40}$)[A-Za-z0-9]+([-._][A-Za-z0-9]+)*$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a Gitea user name; use letters and digits with single "-", "_" or "." between them (at most 40)`,
    })
    .default("hearth-admin")
    .describe("Admin user of the in-cluster Gitea."),
  tokenPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "File holding the API token of the existing Gitea, read at run time and kept secret (instead of hearth:giteaToken).",
    ),
  caPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "PEM file of a home CA that Gitea's https:// URL is signed by; Hearth's Gitea calls trust it besides the system's CAs.",
    ),
});

const cron = z.string().superRefine((s, ctx) => {
  const problem = cronProblem(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const count = (what: string, dflt: number) =>
  z
    .number()
    .int()
    .min(0, { error: `must be 0 or more ${what}` })
    .default(dflt);

/** One S3-compatible place backups land in. */
export const backupTargetSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,30}$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a target name; use lowercase letters, digits and "-", starting with a letter`,
    })
    .describe("Short name, unique in the stack (nas, offsite, ...)."),
  role: z
    .enum(["local", "offsite"])
    .describe("local: on the home's own disks. offsite: away from them (the 1 of 3-2-1)."),
  endpoint: z
    .url({
      protocol: /^https?$/,
      error: (i) => given(i.input, `${JSON.stringify(i.input)} is not an http(s):// URL`),
    })
    .describe("S3 endpoint URL, e.g. https://s3.eu-central-1.example.net or http://nas.lan:9000."),
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not an S3 bucket name (3-63 lowercase letters, digits, "." and "-")`,
    })
    .describe("Bucket; each app gets its own restic repository under <bucket>/<app>."),
  region: z.string().min(1).default("us-east-1"),
  accessKeyId: z
    .string()
    .min(1)
    .describe("Access key ID; its secret key is in hearth:backupSecretAccessKeys."),
  secretAccessKeyPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "File holding the secret access key, read at run time and kept secret (instead of hearth:backupSecretAccessKeys).",
    ),
});

/** Encrypted backups of every app with data, to two targets or more, with scheduled restore drills. */
export const backupSchema = z.strictObject({
  targets: z.array(backupTargetSchema).min(1, { error: "names no target; add one at least" }),
  copies: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(2)
    .describe("How many targets every snapshot must land in; 2 or more needs one offsite target."),
  schedule: cron.default("0 3 * * *").describe("When backups run (cron, hearth:timezone)."),
  retention: z
    .strictObject({
      last: count("snapshots", 0),
      daily: count("days", 7),
      weekly: count("weeks", 4),
      monthly: count("months", 6),
    })
    .default({ last: 0, daily: 7, weekly: 4, monthly: 6 })
    .describe("Snapshots restic's forget keeps per app and target; at least one must be kept."),
  drill: z
    .strictObject({
      schedule: cron.default("30 4 * * 0"),
      maxAgeDays: z.number().int().min(1).max(365).default(8),
      readDataSubset: z
        .string()
        .regex(/^(100(\.0+)?|[1-9]\d?(\.\d+)?)%$/, {
          error: (i) => `${JSON.stringify(i.input)} is not a share such as 10%`,
        })
        .default("10%"),
    })
    .default({ schedule: "30 4 * * 0", maxAgeDays: 8, readDataSubset: "10%" })
    .describe(
      "Restore drills: when they run, how old the last good one may get before the alert fires, and the share of pack files restic check reads.",
    ),
  etcd: z
    .strictObject({
      target: z.string().min(1).optional(),
      schedule: cron.default("0 */12 * * *"),
      retention: z.number().int().min(1).default(5),
    })
    .optional()
    .describe(
      "k3s etcd snapshots to S3 (cluster.mode k3s): the target (default: the first offsite one), schedule and snapshots kept.",
    ),
});

// A target is a percentage: 0.999 is 0.999 %, whose burn-rate alerts never fire, so fractions are refused.
const sloTarget = z.number().superRefine((x, ctx) => {
  if (x > 0 && x <= 1)
    ctx.addIssue({
      code: "custom",
      message: `${x} reads as ${x} %, so its alerts would never fire; targets are percentages: write ${x < 1 ? +(x * 100).toPrecision(12) : "one such as 99.9"}`,
    });
  else if (!(x > 0 && x < 100))
    ctx.addIssue({
      code: "custom",
      message: "must be above 0 and below 100 (a percentage such as 99.9, or 70 for a beta home)",
    });
});

/** Availability SLOs, their alerts, and where alerts go. */
export const observabilitySchema = z.strictObject({
  sloTarget: sloTarget
    .default(99.9)
    .describe(
      "Availability target of every app with a health path, as a percentage (99.9, never the fraction 0.999); 70 is allowed for a beta home.",
    ),
  sloTargets: z
    .record(z.string(), sloTarget)
    .default({})
    .describe("Per-app targets, by catalogue name, over sloTarget."),
  notify: z
    .union([
      z.strictObject({
        email: z.strictObject({
          to: z.email(),
          from: z.email(),
          smarthost: z
            .string()
            .regex(/^[^\s:]+:\d+$/, { error: "is not host:port, e.g. smtp.example.org:587" }),
          username: z.string().min(1),
        }),
      }),
      z.strictObject({ webhook: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }) }),
    ])
    .describe(
      "Where alerts go: email (SMTP password in hearth:notifySecret) or webhook (bearer token in hearth:notifySecret).",
    ),
  notifySecretPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "File holding the notification secret, read at run time and kept secret (instead of hearth:notifySecret).",
    ),
});

/** How a top-level key's value arrives from Pulumi: a plain string, or YAML that Pulumi hands over as JSON. */
export type KeyKind = "string" | "object";

/** One `hearth:` key. */
export interface KeySpec {
  schema: z.ZodType;
  kind: KeyKind;
  description: string;
  /** Must be set with `pulumi config set --secret`. */
  secret: boolean;
}

const secretString = (what: string) => z.string().min(1, { error: `${what} is empty` });

/** Every `hearth:` key, in documentation order. */
export const keys = {
  domain: {
    kind: "string",
    secret: false,
    description: "Base DNS domain; apps answer on <app>.<domain>.",
    schema: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(
        z.string().regex(DOMAIN, {
          error: (i) => `${JSON.stringify(i.input)} is not a domain name such as home.example.org`,
        }),
      ),
  },
  timezone: {
    kind: "string",
    secret: false,
    description: "IANA time zone for nodes and apps. @default Etc/UTC",
    schema: z
      .string()
      .superRefine((tz, ctx) => {
        const problem = timeZoneProblem(tz);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .default("Etc/UTC"),
  },
  network: {
    kind: "object",
    secret: false,
    description: "The nodes' LAN.",
    schema: networkSchema.optional(),
  },
  nodes: {
    kind: "object",
    secret: false,
    description: "Metal nodes, installed by the PXE controller.",
    schema: z.array(nodeSchema).default([]),
  },
  pxe: {
    kind: "object",
    secret: false,
    description: "The PXE controller host.",
    schema: pxeSchema.optional(),
  },
  ssh: {
    kind: "object",
    secret: false,
    description: "SSH login for managed machines.",
    schema: sshSchema.optional(),
  },
  sshPrivateKey: {
    kind: "string",
    secret: true,
    description: "Private key (OpenSSH) matching one of hearth:ssh.authorizedKeys.",
    schema: secretString("the SSH private key").optional(),
  },
  cluster: {
    kind: "object",
    secret: false,
    description: "The Kubernetes cluster.",
    schema: clusterSchema.default(clusterSchema.parse({})),
  },
  kubeconfig: {
    kind: "string",
    secret: true,
    description: "Kubeconfig of an existing cluster (cluster.mode existing).",
    schema: secretString("the kubeconfig").optional(),
  },
  cloudflare: {
    kind: "object",
    secret: false,
    description: "Cloudflare tunnel and DNS. Leave out for an internal-only home.",
    schema: cloudflareSchema.optional(),
  },
  cloudflareApiToken: {
    kind: "string",
    secret: true,
    description: "Cloudflare API token (Tunnel edit, DNS edit).",
    schema: secretString("the Cloudflare API token").optional(),
  },
  cloudflareDnsApiToken: {
    kind: "string",
    secret: true,
    description:
      "Cloudflare API token for cert-manager's DNS-01 challenges: Zone DNS edit only. It lives in the cluster, so it is kept apart from hearth:cloudflareApiToken, which can also edit tunnels.",
    schema: secretString("the Cloudflare DNS API token").optional(),
  },
  acmeEmail: {
    kind: "string",
    secret: false,
    description: "Let's Encrypt account email (cert-manager with Cloudflare).",
    schema: z
      .email({ error: (i) => given(i.input, `${JSON.stringify(i.input)} is not an email address`) })
      .optional(),
  },
  dns: {
    kind: "object",
    secret: false,
    description:
      "Where the apps' DNS records live and cert-manager's DNS-01 challenges are answered: Cloudflare (the default, with hearth:cloudflare) or a server of your own that takes dynamic updates (RFC 2136). Leave out for Cloudflare or an internal-only home.",
    schema: dnsSchema.optional(),
  },
  dnsTsigSecret: {
    kind: "string",
    secret: true,
    description:
      "Secret of the TSIG key hearth:dns.tsigKeyName, base64 as tsig-keygen prints it: pulumi config set --secret hearth:dnsTsigSecret < secret-file. It is also stored in the cluster for cert-manager.",
    schema: secretString("the TSIG secret")
      // The message never quotes the value: it is a secret.
      .regex(/^[A-Za-z0-9+/]+={0,2}\s*$/, {
        error: 'is not base64; give the key\'s secret as tsig-keygen prints it (secret "...";)',
      })
      .optional(),
  },
  hetzner: {
    kind: "object",
    secret: false,
    description: "Hetzner Cloud nodes.",
    schema: hetznerSchema.optional(),
  },
  hcloudToken: {
    kind: "string",
    secret: true,
    description: "Hetzner Cloud API token.",
    schema: secretString("the Hetzner token").optional(),
  },
  apps: {
    kind: "object",
    secret: false,
    description: "Catalogue apps.",
    schema: appsSchema.default(appsSchema.parse({})),
  },
  identity: {
    kind: "object",
    secret: false,
    description:
      "Users and groups of the identity provider (the authelia app); every app with a UI signs in through it (docs/identity.md).",
    schema: identitySchema.optional(),
  },
  charts: {
    kind: "object",
    secret: false,
    description: "Chart source.",
    schema: chartsSchema.default({}),
  },
  gitea: {
    kind: "object",
    secret: false,
    description: "GitOps Gitea.",
    schema: giteaSchema.default(giteaSchema.parse({})),
  },
  giteaToken: {
    kind: "string",
    secret: true,
    description: "API token of an existing Gitea (with hearth:gitea.url).",
    schema: secretString("the Gitea token").optional(),
  },
  backup: {
    kind: "object",
    secret: false,
    description:
      "Encrypted restic backups of every app with data (catalogue: backup yes) to S3 targets, with restore drills (docs/backups.md).",
    schema: backupSchema.optional(),
  },
  backupSecretAccessKeys: {
    kind: "object",
    secret: true,
    description:
      "Secret access key of each hearth:backup target, by target name: pulumi config set --secret --path 'hearth:backupSecretAccessKeys.<name>' <key>.",
    schema: z.record(z.string(), secretString("the secret access key")).optional(),
  },
  observability: {
    kind: "object",
    secret: false,
    description:
      "Availability SLOs with burn-rate alerts for every app with a health path, and the alerts' route (docs/runbooks.md).",
    schema: observabilitySchema.optional(),
  },
  notifySecret: {
    kind: "string",
    secret: true,
    description: "The SMTP password or webhook bearer token of hearth:observability.notify.",
    schema: secretString("the notification secret").optional(),
  },
} satisfies Record<string, KeySpec>;

/** Names of the `hearth:` keys. */
export type KeyName = keyof typeof keys;

/** The validated configuration, defaults applied. */
export type HearthConfig = { [K in KeyName]: z.output<(typeof keys)[K]["schema"]> };

/** One node as configured. */
export type NodeConfig = z.output<typeof nodeSchema>;

/**
 * Why a name is no IANA time zone the nodes know, or undefined. Node's Intl ignores case, but the nodes look a
 * zone up by its exact name (/usr/share/zoneinfo/Europe/Berlin), in which every part starts with a capital.
 */
function timeZoneProblem(tz: string): string | undefined {
  let name: string;
  try {
    name = new Intl.DateTimeFormat("en", { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return `${JSON.stringify(tz)} is not an IANA time zone such as Europe/Berlin`;
  }
  if (tz.split("/").some((part) => !/^[A-Z]/.test(part)))
    return `${JSON.stringify(tz)} is not written as the zone's name, which the nodes look up letter for letter; write ${name}`;
  return undefined;
}
