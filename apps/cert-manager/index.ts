import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import { AppMetadata, DeployedApp, RecipeArgs } from "../recipe";
import { rfc2136Solver } from "../../stacks/dns";
import { settingsOf, Wire } from "../wire";

/** cert-manager: signs every app certificate through one ClusterIssuer. */
export const meta: AppMetadata = {
  name: "cert-manager",
  title: "cert-manager",
  description:
    "Issues and renews app certificates: Let's Encrypt via Cloudflare DNS or your own DNS server (RFC 2136), or a home CA.",
  category: "security",
  // Chart and app share one version. The newest tag whose source could be read and rendered here
  // (ADR 13): cert-manager/cert-manager v1.21.1, chart `deploy/charts/cert-manager`.
  chart: { repository: "https://charts.jetstack.io", name: "cert-manager", version: "v1.21.1" },
  appVersion: "v1.21.1",
  sso: "none",
  backup: false,
  needs: [],
  provides: ["issuer"],
  testedBy: "apps/cert-manager/index.test.ts",
};

/** A DNS server of the home's own that answers DNS-01 challenges through dynamic updates (RFC 2136). */
export interface Rfc2136Solver {
  /** The zone's primary server, `host:port`. */
  nameserver: string;
  tsigKeyName: string;
  /** As the server has it: `hmac-sha256` or `hmac-sha512`. */
  tsigAlgorithm: string;
  /** Secret: the key's secret, base64; it is stored in a Secret in cert-manager's namespace. */
  tsigSecret: pulumi.Input<string>;
}

/**
 * What only cert-manager needs: where Let's Encrypt writes, and the credential for DNS-01 (a Cloudflare token or
 * an RFC 2136 key). With neither, a self-signed home CA signs certificates instead.
 */
export interface CertManagerExtra {
  /** Let's Encrypt account address for expiry notices; required with a DNS-01 solver. */
  acmeEmail: string;
  /**
   * Secret: a Cloudflare API token with Zone:DNS:Edit on the domain.
   * @default none
   */
  cloudflareApiToken?: pulumi.Input<string>;
  /**
   * A DNS server of the home's own that takes TSIG-signed updates (BIND, Knot, PowerDNS).
   * @default none
   */
  rfc2136?: Rfc2136Solver;
}

/** One cert-manager object to create after the chart, in order. */
export interface IssuerObject {
  /** Child resource name suffix. */
  suffix: string;
  apiVersion: string;
  kind: "ClusterIssuer" | "Certificate";
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

/** Names shared by the issuer objects and the Secret the Cloudflare solver reads. */
export const CLOUDFLARE_TOKEN_SECRET = { name: "cloudflare-api-token", key: "api-token" };
/** Names shared by the issuer objects and the Secret the RFC 2136 solver reads. */
export const RFC2136_TSIG_SECRET = { name: "rfc2136-tsig", key: "tsig-secret" };
const LETSENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";

/** cert-manager's name of a TSIG algorithm (v1.21.1 `pkg/issuer/acme/dns/rfc2136`: HMACSHA256, HMACSHA512). */
export function certManagerTsigAlgorithm(algorithm: string): string {
  return algorithm.replace(/-/g, "").toUpperCase();
}

/** The DNS-01 solver of cert-manager's v1 API for a server of the home's own (`ACMEIssuerDNS01ProviderRFC2136`). */
export function rfc2136SolverSpec(solver: Omit<Rfc2136Solver, "tsigSecret">) {
  return {
    nameserver: solver.nameserver,
    tsigKeyName: solver.tsigKeyName,
    tsigAlgorithm: certManagerTsigAlgorithm(solver.tsigAlgorithm),
    tsigSecretSecretRef: RFC2136_TSIG_SECRET,
  };
}

/**
 * The issuers for a home: with Cloudflare or an RFC 2136 server, one ACME ClusterIssuer solving DNS-01 for the
 * domain's zone; without, a self-signed root certificate and a CA ClusterIssuer signing with it (browsers
 * need the root imported once). The last object is the ClusterIssuer apps use.
 */
export function issuerObjects(input: {
  namespace: string;
  domain: string;
  acmeEmail: string;
  cloudflare: boolean;
  /** A server of the home's own instead of Cloudflare. @default none */
  rfc2136?: Omit<Rfc2136Solver, "tsigSecret">;
}): IssuerObject[] {
  const api = "cert-manager.io/v1";
  if (input.cloudflare || input.rfc2136) {
    const dns01 = input.rfc2136
      ? { rfc2136: rfc2136SolverSpec(input.rfc2136) }
      : { cloudflare: { apiTokenSecretRef: CLOUDFLARE_TOKEN_SECRET } };
    return [
      {
        suffix: "letsencrypt",
        apiVersion: api,
        kind: "ClusterIssuer",
        metadata: { name: "letsencrypt" },
        spec: {
          acme: {
            server: LETSENCRYPT,
            email: input.acmeEmail,
            privateKeySecretRef: { name: "letsencrypt-account-key" },
            solvers: [
              {
                selector: { dnsZones: [input.domain] },
                dns01,
              },
            ],
          },
        },
      },
    ];
  }
  return [
    {
      suffix: "selfsigned",
      apiVersion: api,
      kind: "ClusterIssuer",
      metadata: { name: "hearth-selfsigned" },
      spec: { selfSigned: {} },
    },
    {
      suffix: "root-ca",
      apiVersion: api,
      kind: "Certificate",
      metadata: { name: "hearth-root-ca", namespace: input.namespace },
      spec: {
        isCA: true,
        commonName: `Hearth home CA (${input.domain})`,
        secretName: "hearth-root-ca",
        duration: "87600h",
        privateKey: { algorithm: "ECDSA", size: 256 },
        issuerRef: { name: "hearth-selfsigned", kind: "ClusterIssuer", group: "cert-manager.io" },
      },
    },
    {
      suffix: "ca",
      apiVersion: api,
      kind: "ClusterIssuer",
      metadata: { name: "hearth-ca" },
      // A ClusterIssuer reads its CA Secret from cert-manager's own namespace.
      spec: { ca: { secretName: "hearth-root-ca" } },
    },
  ];
}

/**
 * Helm values for cert-manager: CRDs from the chart, leader election kept in its own namespace; with a DNS-01
 * solver (`acmeDns01`: Cloudflare or RFC 2136), challenge records checked through public resolvers.
 */
export function certManagerValues(namespace: string, acmeDns01: boolean): Record<string, unknown> {
  return {
    // keep: uninstalling the chart must not delete every Certificate in the cluster with the CRDs.
    crds: { enabled: true, keep: true },
    global: { leaderElection: { namespace } },
    // Check DNS-01 records with public resolvers: a home resolver may answer for the zone itself.
    ...(acmeDns01
      ? { dns01RecursiveNameservers: "1.1.1.1:53,9.9.9.9:53", dns01RecursiveNameserversOnly: true }
      : {}),
  };
}

/** Arguments of `CertManager`: the recipe arguments plus where it lives. */
export interface CertManagerArgs extends RecipeArgs<CertManagerExtra> {
  /**
   * Namespace of cert-manager, which is also where ClusterIssuers read their Secrets.
   * @default "cert-manager"
   */
  namespace?: string;
}

/**
 * cert-manager and its ClusterIssuers, which wait for the chart (and so for its CRDs and webhook).
 */
export class CertManager extends pulumi.ComponentResource implements DeployedApp {
  /** Name of the ClusterIssuer apps use (`Exposure.clusterIssuer`). */
  readonly issuerName: string;
  /** This component: depending on it waits for the chart and every issuer. */
  readonly resource: pulumi.Resource;

  constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hearth:apps:CertManager", name, {}, opts);
    const { platform, extra } = args;
    const token = extra.cloudflareApiToken;
    const cloudflare = token !== undefined;
    const rfc2136 = extra.rfc2136;
    if (cloudflare && rfc2136)
      throw new Error(
        `app "${name}": a Cloudflare token and an RFC 2136 server are both given; hearth:dns.provider chooses one`,
      );
    const acme = cloudflare || rfc2136 !== undefined;
    // The issuer names the Secret; the secret itself goes only into it.
    const solver = rfc2136 && {
      nameserver: rfc2136.nameserver,
      tsigKeyName: rfc2136.tsigKeyName,
      tsigAlgorithm: rfc2136.tsigAlgorithm,
    };
    if (acme && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(extra.acmeEmail)) {
      throw new Error(
        `app "${name}": acmeEmail "${extra.acmeEmail}" is not an e-mail address; Let's Encrypt needs one ` +
          `for its account. Set hearth:apps.settings.cert-manager.acmeEmail.`,
      );
    }
    const namespace = args.namespace ?? meta.name;
    const app = new HelmApp(
      name,
      {
        platform,
        namespace,
        chart: resolveChart(meta.chart, args.overrides),
        values: certManagerValues(namespace, acme),
        valuesOverride: args.overrides?.values,
        secrets:
          token !== undefined
            ? { [CLOUDFLARE_TOKEN_SECRET.name]: { [CLOUDFLARE_TOKEN_SECRET.key]: token } }
            : rfc2136 !== undefined
              ? { [RFC2136_TSIG_SECRET.name]: { [RFC2136_TSIG_SECRET.key]: rfc2136.tsigSecret } }
              : {},
        // ACME and the DNS API are on the internet (an RFC 2136 server may be anywhere); the API server calls
        // the webhook on 10250.
        egress: "internet",
        publicPorts: [10250],
      },
      { parent: this },
    );

    const created: pulumi.Resource[] = [app.release];
    for (const object of issuerObjects({
      namespace,
      domain: platform.domain,
      acmeEmail: extra.acmeEmail,
      cloudflare,
      ...(solver ? { rfc2136: solver } : {}),
    })) {
      created.push(
        new k8s.apiextensions.CustomResource(
          `${name}-${object.suffix}`,
          {
            apiVersion: object.apiVersion,
            kind: object.kind,
            metadata: object.metadata,
            spec: object.spec,
          },
          { parent: this, provider: platform.provider, dependsOn: [...created] },
        ),
      );
    }
    this.issuerName = acme ? "letsencrypt" : "hearth-ca";
    this.resource = this;
    this.registerOutputs({ issuerName: this.issuerName });
  }
}

/** Deploys cert-manager and the home's ClusterIssuer. */
export function deploy(
  name: string,
  args: RecipeArgs<CertManagerExtra>,
  opts?: pulumi.ComponentResourceOptions,
): CertManager {
  return new CertManager(name, args, opts);
}

/** The `issuer`: every later app's certificates name its cluster issuer, and every app waits for it. */
export const wire: Wire = (caps, opts) => {
  const c = caps.home.c;
  const cm = deploy(
    `${caps.home.name}-cert-manager`,
    {
      platform: caps.platform,
      overrides: settingsOf(caps, "cert-manager"),
      extra: {
        acmeEmail: c.acmeEmail ?? `hostmaster@${c.domain}`,
        // DNS-only: this token is stored in the cluster, so it must not be able to edit tunnels.
        cloudflareApiToken: c.cloudflare ? c.cloudflareDnsApiToken : undefined,
        rfc2136: rfc2136Solver(c),
      },
    },
    opts,
  );
  return {
    deployed: cm,
    provides: { issuer: { clusterIssuer: cm.issuerName, ready: cm.resource } },
  };
};
