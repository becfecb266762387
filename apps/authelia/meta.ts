import { AppMetadata } from "../recipe";

/** Authelia: the home's one identity provider (ADR 10). */
export const meta: AppMetadata = {
  name: "authelia",
  title: "Authelia",
  description:
    "Single sign-on: the OpenID Connect provider and Traefik forward-auth every app signs in through.",
  category: "security",
  chart: { repository: "https://charts.authelia.com", name: "authelia", version: "0.11.5" },
  // Chart.yaml appVersion at authelia-0.11.5.
  appVersion: "4.39.19",
  subdomain: "auth",
  // Authelia's own health endpoint; the chart's probes use it too (values.yaml pod.probes.method).
  healthPath: "/api/health",
  sso: "provider",
  // TOTP and WebAuthn registrations live in its SQLite database.
  backup: true,
  keepsData: "its users' registered second factors, sessions and consents (SQLite on a volume)",
  needs: ["traefik"],
  provides: ["identity"],
  testedBy: "apps/authelia/index.test.ts",
};
