/**
 * The home's ClusterIssuers, as cert-manager's v1 API takes them: ACME with a DNS-01 solver (Cloudflare or a DNS
 * server of the home's own), or a self-signed home CA.
 */
import * as pulumi from "@pulumi/pulumi";

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
