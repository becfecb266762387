import { AppMetadata } from "../recipe";

/** Gitea: the home's Git forge, the GitOps repository's host and the OAuth2 provider of the CI. */
export const meta: AppMetadata = {
  name: "gitea",
  title: "Gitea",
  description:
    "Self-hosted Git forge: repositories, issues and pull requests, and the sign-in other apps borrow.",
  category: "development",
  // 12.7.0 ships Gitea 1.27.0 (its Chart.yaml). Read and rendered from the published archive
  // gitea-12.7.0.tgz, sha256 5881ef9c59400bee2d5547e77c4cd0efb925143c2f5d93fb4f38446db76b0167 (ADR 13).
  // The chart keeps admin settings under `gitea.admin` (existingSecret, username, password, email).
  chart: { repository: "https://dl.gitea.com/charts/", name: "gitea", version: "12.7.0" },
  appVersion: "1.27.0",
  subdomain: "git",
  healthPath: "/api/healthz",
  sso: "oidc",
  backup: true,
  keepsData: "every repository, user and setting (SQLite and repositories on a volume)",
  needs: [],
  provides: ["git"],
  testedBy: "apps/gitea/index.test.ts",
};
