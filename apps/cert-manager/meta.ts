import { AppMetadata } from "../recipe";

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
