/** cert-manager's values. */
import { CertManagerChartValues } from "./values.schema";

/**
 * Helm values for cert-manager: CRDs from the chart, leader election kept in its own namespace; with a DNS-01
 * solver (`acmeDns01`: Cloudflare or RFC 2136), challenge records checked through public resolvers.
 */
export function certManagerValues(namespace: string, acmeDns01: boolean): CertManagerChartValues {
  return {
    // keep: uninstalling the chart must not delete every Certificate in the cluster with the CRDs.
    crds: { enabled: true, keep: true },
    global: { leaderElection: { namespace } },
    // Check DNS-01 records with public resolvers: a home resolver may answer for the zone itself. (`satisfies`:
    // tsc checks the keys of a spread object only when told to.)
    ...(acmeDns01
      ? ({
          dns01RecursiveNameservers: "1.1.1.1:53,9.9.9.9:53",
          dns01RecursiveNameserversOnly: true,
        } satisfies CertManagerChartValues)
      : {}),
  };
}
