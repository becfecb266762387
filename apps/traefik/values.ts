/** Traefik's values and the names and ports they pin, which the tunnel and the NetworkPolicies use. */
import { Exposure } from "../../components/types";
import { meta } from "./meta";
import { TraefikChartValues } from "./values.schema";

/** Traefik's HTTP container port (unprivileged, as it runs as a non-root user). */
export const WEB_PORT = 8000;
/** Traefik's HTTPS container port. */
export const WEBSECURE_PORT = 8443;
/** The Service's HTTP port. */
const SERVICE_HTTP_PORT = 80;

/** Namespace Traefik is installed in (its own, named after the catalogue key). */
export const TRAEFIK_NAMESPACE = meta.name;

/**
 * The chart's object names, pinned with `fullnameOverride` so its Service is called this whatever the
 * release is named (the release is `<stack>-traefik`, HelmApp names it after the component). Read at
 * traefik/traefik-helm-chart v41.3.0, the pin:
 * `traefik/templates/_helpers.tpl` ("traefik.fullname" returns fullnameOverride when set) and
 * `traefik/templates/_service.tpl` ("traefik.service-name": the default Service is that fullname
 * unless `service.nameOverride` is set). Everything that needs the name reads it from here.
 */
export const TRAEFIK_FULLNAME = "traefik";

/**
 * In-cluster URL of Traefik's HTTP entrypoint, known before anything is deployed: the tunnel forwards
 * to it and NetworkPolicies admit its namespace. Built from the pinned name, never from a release name.
 */
export const TRAEFIK_INGRESS_SERVICE = `http://${TRAEFIK_FULLNAME}.${TRAEFIK_NAMESPACE}.svc.cluster.local:${SERVICE_HTTP_PORT}`;

/**
 * Helm values for Traefik: only the Kubernetes Ingress objects of our class, no dashboard route, a
 * ClusterIP Service when the tunnel fronts it (nothing else needs to reach it) and a LoadBalancer
 * otherwise, and a security context that passes the restricted Pod Security level.
 *
 * Since chart v40 the Service type is `service.spec.type` (`service.spec` is copied into the Service's
 * spec); a top-level `service.type` is silently ignored, as the chart's schema leaves `service` open.
 * Read at v41.3.0: `traefik/values.yaml` (`service.spec.type: LoadBalancer`) and
 * `traefik/templates/_service.tpl` ("traefik.service-spec" renders `.service.spec`).
 */
export function traefikValues(exposure: Exposure): TraefikChartValues {
  return {
    fullnameOverride: TRAEFIK_FULLNAME,
    ingressClass: { enabled: true, isDefaultClass: false, name: exposure.ingressClass },
    providers: {
      kubernetesIngress: { enabled: true, ingressClass: exposure.ingressClass },
      // The CRD provider reads the forward-auth Middlewares an Ingress names (HelmApp's forwardAuth), each
      // in the app's own namespace, so cross-namespace references stay off (values.yaml at v41.3.0).
      kubernetesCRD: { enabled: true, allowCrossNamespace: false },
      kubernetesGateway: { enabled: false },
    },
    ingressRoute: { dashboard: { enabled: false } },
    ports: {
      // Behind the tunnel, the connector sends plain HTTP to this entrypoint with X-Forwarded-Proto: https.
      // Traefik replaces forwarded headers from untrusted sources (pkg/middlewares/forwardedheaders), and the
      // identity provider then refuses the "http" scheme; so the pod network is trusted, and only it.
      // `ports.web.forwardedHeaders.trustedIPs` becomes `--entryPoints.web.forwardedHeaders.trustedIPs`
      // (values.yaml and templates/_podtemplate.tpl at v41.3.0).
      web: {
        port: WEB_PORT,
        exposedPort: SERVICE_HTTP_PORT,
        ...(exposure.trustedProxies?.length
          ? { forwardedHeaders: { trustedIPs: exposure.trustedProxies } }
          : {}),
      },
      websecure: { port: WEBSECURE_PORT, exposedPort: 443 },
    },
    service: { spec: { type: exposure.mode === "tunnel" ? "ClusterIP" : "LoadBalancer" } },
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
    },
  };
}
