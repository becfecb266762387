import { AppMetadata } from "../recipe";

/** Traefik: the ingress controller every app hostname goes through. */
export const meta: AppMetadata = {
  name: "traefik",
  title: "Traefik",
  description:
    "Ingress controller: routes each app hostname to its service, behind the tunnel or not.",
  category: "platform",
  // The newest tag whose source could be read and rendered here (ADR 13): traefik/traefik-helm-chart
  // v41.3.0, whose `traefik/Chart.yaml` gives appVersion v3.7.11.
  chart: { repository: "https://traefik.github.io/charts", name: "traefik", version: "41.3.0" },
  appVersion: "v3.7.11",
  sso: "none",
  backup: false,
  needs: [],
  provides: ["edge"],
  testedBy: "apps/traefik/index.test.ts",
};
