import { AppMetadata } from "../recipe";

/** Argo CD: keeps the cluster in step with the GitOps repository in Gitea. */
export const meta: AppMetadata = {
  name: "argocd",
  title: "Argo CD",
  description:
    "GitOps controller: applies what the GitOps repository in Gitea declares, and shows drift.",
  category: "platform",
  // The newest tag whose source could be read and rendered here (ADR 13): argoproj/argo-helm
  // argo-cd-10.1.1, whose `charts/argo-cd/Chart.yaml` gives appVersion v3.4.4.
  chart: { repository: "https://argoproj.github.io/argo-helm", name: "argo-cd", version: "10.1.1" },
  appVersion: "v3.4.4",
  subdomain: "argocd",
  healthPath: "/healthz",
  sso: "oidc",
  backup: false,
  keepsData: "the GitOps repository in Gitea: its organization, repository and history",
  needs: ["gitea"],
  provides: [],
  testedBy: "apps/argocd/index.test.ts",
};
