/** The cert-manager recipe: the `issuer` every app's certificate names. */
import * as pulumi from "@pulumi/pulumi";
import { rfc2136Solver } from "../../stacks/dns";
import { RecipeArgs } from "../recipe";
import { settingsOf, Wire } from "../wire";
import { CertManager, CertManagerExtra } from "./cert-manager";
import { meta } from "./meta";

export { meta };

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
