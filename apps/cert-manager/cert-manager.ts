import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import { DeployedApp, RecipeArgs } from "../recipe";
import {
  CLOUDFLARE_TOKEN_SECRET,
  issuerObjects,
  RFC2136_TSIG_SECRET,
  Rfc2136Solver,
} from "./issuers";
import { meta } from "./meta";
import { certManagerValues } from "./values";

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
