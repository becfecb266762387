/**
 * What the HelmApp's mock tests (components/app/helm-app*.test.ts) share: Pulumi mocks (installed, and the
 * registrations cleared before each test, when this file is imported), a pinned chart, a platform, and the
 * type tokens they look for.
 */
import * as k8s from "@pulumi/kubernetes";
import { Platform } from "../components/types";
import { installMocks, registrations } from "./mocks";

installMocks();

/** A chart pinned in a Helm repository. */
export const chart = { repository: "https://charts.example.org", name: "demo", version: "1.2.3" };

/** A platform reached through a tunnel, with `overrides`. */
export function platform(overrides: Partial<Platform> = {}): Platform {
  return {
    provider: new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1" }),
    kubeconfig: "apiVersion: v1",
    domain: "home.example.org",
    exposure: {
      mode: "tunnel",
      ingressClass: "hearth",
      ingressService: "http://traefik.traefik.svc.cluster.local:80",
    },
    charts: {},
    timezone: "Europe/Berlin",
    ...overrides,
  };
}

/** The NetworkPolicy type token. */
export const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
/** The Helm Release type token. */
export const RELEASE = "kubernetes:helm.sh/v3:Release";
/** The Ingress type token. */
export const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";

beforeEach(() => {
  registrations.length = 0;
});
