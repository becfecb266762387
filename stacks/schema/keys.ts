/**
 * Every `hearth:` key in documentation order, with its schema, kind, description and secretness, and the types
 * of the validated configuration.
 */
import { z } from "zod";
import { appsSchema, chartsSchema } from "./apps";
import { backupSchema } from "./backup";
import { clusterSchema } from "./cluster";
import { DOMAIN, given } from "./common";
import { cloudflareSchema, dnsSchema } from "./edge";
import { giteaSchema } from "./gitea";
import { hetznerSchema } from "./hetzner";
import { identitySchema } from "./identity";
import { networkSchema, nodeSchema, pxeSchema } from "./nodes";
import { observabilitySchema } from "./observability";
import { sshSchema } from "./ssh";

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
