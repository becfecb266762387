import { AppMetadata } from "../recipe";

/** Woodpecker CI: pipelines for the Gitea repositories, run as pods in the cluster. */
export const meta: AppMetadata = {
  name: "woodpecker",
  title: "Woodpecker CI",
  description: "Continuous integration for Gitea repositories; each pipeline step runs as a pod.",
  category: "development",
  // Read at woodpecker-ci/helm tag 3.4.2 (there is no 3.4.3: the tags go 3.4.2, 3.5.0, ...):
  // charts/woodpecker/Chart.yaml has appVersion 3.12.0 and the in-tree sub-charts server 3.0.1 and
  // agent 2.0.1 (CHANGELOG.md: 3.4.2 "bump woodpecker to 3.12.0"); .woodpecker/release.yml pushes
  // each tag to oci://ghcr.io/woodpecker-ci/helm. Every values key below is in that tag's
  // charts/server/values.yaml and charts/agent/values.yaml and read by their statefulset.yaml.
  chart: { repository: "oci://ghcr.io/woodpecker-ci/helm", name: "woodpecker", version: "3.4.2" },
  appVersion: "3.12.0",
  subdomain: "ci",
  healthPath: "/healthz",
  sso: "gitea-oauth2",
  backup: true,
  keepsData: "pipelines, their logs and its secrets (SQLite on the server's volume)",
  needs: ["gitea"],
  provides: [],
  testedBy: "apps/woodpecker/index.test.ts",
};
