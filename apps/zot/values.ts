/** zot's values, and the names they pin. */
import { OIDC_SECRET } from "../recipe";
import { OIDC_DIR, PORT, SECRET_DIR, zotConfig, ZotOidc } from "./config";
import { ZotChartValues } from "./values.schema";

/** Name of the Kubernetes Secret holding the `htpasswd` file. */
export const ZOT_HTPASSWD_SECRET = "zot-htpasswd";

/**
 * The chart's object names, pinned with `fullnameOverride` so the Ingress routes to a Service whose name
 * does not hang on the release name. Read at project-zot/helm-charts tag zot-0.1.95:
 * `charts/zot/templates/_helpers.tpl` ("zot.fullname" returns fullnameOverride when set) and
 * `templates/service.yaml` (the Service is named "zot.fullname"); the chart has no values schema.
 */
export const ZOT_FULLNAME = "zot";

/** Settings the zot values are built from. */
export interface ZotValuesInputs {
  user: string;
  storageSize: string;
  /** Secret: base64 `healthcheck:<password>` for the probes' Authorization header. */
  probeAuthHeader: string;
  oidc?: ZotOidc;
}

/**
 * Helm values for zot 0.1.95: a StatefulSet with a volume, our config mounted from the chart's ConfigMap,
 * htpasswd from our Secret (the chart's sample users `admin:admin` and `user:user` are removed), a
 * ClusterIP Service (the chart defaults to NodePort) and the chart's ingress off. The probes log in as
 * the permission-less probe user because the chart cannot read their header from a Secret.
 */
export function zotValues(inputs: ZotValuesInputs): ZotChartValues {
  return {
    fullnameOverride: ZOT_FULLNAME,
    service: { type: "ClusterIP", port: PORT },
    ingress: { enabled: false },
    persistence: true,
    pvc: { storage: inputs.storageSize },
    mountConfig: true,
    configFiles: { "config.json": zotConfig(inputs.user, inputs.oidc) },
    mountSecret: false,
    // null deletes the chart's default key; an empty map would merge with it and keep the sample users.
    secretFiles: { htpasswd: null },
    externalSecrets: [
      { secretName: ZOT_HTPASSWD_SECRET, mountPath: SECRET_DIR },
      ...(inputs.oidc ? [{ secretName: OIDC_SECRET, mountPath: OIDC_DIR }] : []),
    ],
    authHeader: inputs.probeAuthHeader,
    podSecurityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
  };
}
