import { AppMetadata } from "../recipe";

/** Zot: the home's OCI registry for images the CI builds. */
export const meta: AppMetadata = {
  name: "zot",
  title: "Zot registry",
  description:
    "OCI image registry for what the CI builds, behind a generated username and password.",
  category: "development",
  // 0.1.95 ships zot v2.1.13 (the chart README's badges and values table). Later charts (0.1.125, zot
  // v2.1.21) exist, but their values could not be checked here, so the pin stays on the verified one.
  chart: { repository: "https://zotregistry.dev/helm-charts", name: "zot", version: "0.1.95" },
  appVersion: "v2.1.13",
  subdomain: "registry",
  // No healthPath: no unauthenticated path answers 200, as `/v2/` asks every caller to log in.
  sso: "oidc",
  backup: true,
  keepsData: "every image pushed to the registry (a volume)",
  needs: [],
  provides: [],
  testedBy: "apps/zot/index.test.ts",
};
