import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resolveChart } from "../components/app/chart-source";
import { HelmApp } from "../components/app/helm-app";
import { AppMetadata, DeployedApp, RecipeArgs } from "./recipe";

/** cert-manager: signs every app certificate through one ClusterIssuer. */
export const meta: AppMetadata = {
  name: "cert-manager",
  title: "cert-manager",
  description:
    "Issues and renews app certificates: Let's Encrypt via Cloudflare DNS, or a home CA.",
  category: "security",
  // Chart and app share one version. The newest tag whose source could be read and rendered here
  // (ADR 13): cert-manager/cert-manager v1.21.1, chart `deploy/charts/cert-manager`.
  chart: { repository: "https://charts.jetstack.io", name: "cert-manager", version: "v1.21.1" },
  appVersion: "v1.21.1",
  sso: "none",
  backup: false,
  needs: [],
  testedBy: "apps/cert-manager.test.ts",
};

/**
 * What only cert-manager needs: where Let's Encrypt writes, and the Cloudflare token for DNS-01.
 */
export interface CertManagerExtra {
  /** Let's Encrypt account address for expiry notices; required with `cloudflareApiToken`. */
  acmeEmail: string;
  /**
   * Secret: a Cloudflare API token with Zone:DNS:Edit on the domain.
   * @default none: a self-signed home CA signs certificates instead
   */
  cloudflareApiToken?: pulumi.Input<string>;
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
const LETSENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";

/**
 * The issuers for a home: with Cloudflare, one ACME ClusterIssuer solving DNS-01 for the domain's
 * zone; without, a self-signed root certificate and a CA ClusterIssuer signing with it (browsers
 * need the root imported once). The last object is the ClusterIssuer apps use.
 */
export function issuerObjects(input: {
  namespace: string;
  domain: string;
  acmeEmail: string;
  cloudflare: boolean;
}): IssuerObject[] {
  const api = "cert-manager.io/v1";
  if (input.cloudflare) {
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
                dns01: { cloudflare: { apiTokenSecretRef: CLOUDFLARE_TOKEN_SECRET } },
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

/** Helm values for cert-manager: CRDs from the chart, leader election kept in its own namespace. */
export function certManagerValues(namespace: string, cloudflare: boolean): Record<string, unknown> {
  return {
    // keep: uninstalling the chart must not delete every Certificate in the cluster with the CRDs.
    crds: { enabled: true, keep: true },
    global: { leaderElection: { namespace } },
    // Check DNS-01 records with public resolvers: a home resolver may answer for the zone itself.
    ...(cloudflare
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
    if (cloudflare && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(extra.acmeEmail)) {
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
        values: certManagerValues(namespace, cloudflare),
        valuesOverride: args.overrides?.values,
        secrets:
          token !== undefined
            ? { [CLOUDFLARE_TOKEN_SECRET.name]: { [CLOUDFLARE_TOKEN_SECRET.key]: token } }
            : {},
        // ACME and Cloudflare are on the internet; the API server calls the webhook on 10250.
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
    this.issuerName = cloudflare ? "letsencrypt" : "hearth-ca";
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
