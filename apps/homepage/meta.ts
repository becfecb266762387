import { AppMetadata } from "../recipe";

/** Homepage: the start page linking every enabled app. */
export const meta: AppMetadata = {
  name: "homepage",
  title: "Homepage",
  description: "A start page with a tile for every app the home runs.",
  category: "dashboard",
  // The community chart (there is no official one): 2.1.0 ships Homepage v1.2.0, as recorded in a
  // deployment log that pins it (ddzhomelab, 2026-08-11).
  chart: {
    repository: "https://jameswynn.github.io/helm-charts",
    name: "homepage",
    version: "2.1.0",
  },
  appVersion: "v1.2.0",
  subdomain: "home",
  healthPath: "/api/healthcheck",
  sso: "forward-auth",
  backup: false,
  needs: [],
  provides: [],
  testedBy: "apps/homepage/index.test.ts",
};
