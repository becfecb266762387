/**
 * Authelia's chart values, and the names, paths and ports they pin. Every value that the chart reads was read at
 * authelia/chartrepo tag `authelia-0.11.5`, `charts/authelia` (`values.yaml`, `templates/deployment.yaml`,
 * `templates/service.yaml`, `templates/_helpers.tpl`, `templates/_misc.tpl`).
 */
import { KEEP_ON_UNINSTALL } from "../recipe";
import { meta } from "./meta";
import { AutheliaChartValues } from "./values.schema";

/**
 * The chart's object names. `authelia.name` (`_helpers.tpl`) is `nameOverride` when set, else the release
 * name or `<release>-authelia`; the Service, the Deployment and the volume claim all take it.
 */
export const AUTHELIA_FULLNAME = "authelia";
/** The Secret Hearth writes: the configuration, the users file and nothing else. */
export const AUTHELIA_SECRET = "hearth-authelia";
/** Where that Secret is mounted in the pod (pod.extraVolumes / extraVolumeMounts). */
export const SECRET_DIR = "/hearth";
/**
 * The chart sets `X_AUTHELIA_CONFIG` to `/configuration.yaml` (`authelia.config.paths` in `_misc.tpl`) and
 * keeps it with `configMap.disabled`, so the Secret's configuration is mounted there.
 */
export const CONFIG_PATH = "/configuration.yaml";
/** The chart's data volume (persistence) is mounted at /config (`deployment.yaml`). */
export const DATA_DIR = "/config";
/**
 * The chart's container port is `configMap.port | default 9091` whatever `server.address` says
 * (`deployment.yaml`), so the server listens on 9091. The Service (`service.yaml`) serves it on 80.
 */
export const LISTEN_PORT = 9091;
/** The Service's port. */
export const SERVICE_PORT = 80;
/** The Authz endpoint Traefik's ForwardAuth calls (`server.endpoints.authz.forward-auth`). */
export const FORWARD_AUTH_PATH = "/api/authz/forward-auth";
/** The image's user; Authelia runs as any user given a writable /config. */
export const RUN_AS = 8000;

/** The in-cluster address Traefik's ForwardAuth middleware calls. */
export function forwardAuthAddress(namespace = meta.name): string {
  return `http://${AUTHELIA_FULLNAME}.${namespace}.svc.cluster.local${FORWARD_AUTH_PATH}`;
}

/**
 * Helm values for the chart. The chart generates nothing of its own: its ConfigMap and Secret are off
 * (`configMap.disabled`, `secret.disabled`; `secret.existingSecret` set so `secret.yaml` renders no manifest,
 * `authelia.enabled.secret` in `_helpers.tpl`), and Hearth's Secret is mounted instead, the configuration at
 * the path the chart's `X_AUTHELIA_CONFIG` names. Template filters are off, so no `{{` in a user's name is
 * evaluated.
 */
export function autheliaValues(input: {
  timezone: string;
  /** SHA-256 of Hearth's Secret: the pod template changes, so the pod restarts, when the files do. */
  checksum: string;
}): AutheliaChartValues {
  return {
    nameOverride: AUTHELIA_FULLNAME,
    // One pod on one volume: a DaemonSet (the chart's default kind) would start one per node.
    pod: {
      kind: "Deployment",
      replicas: 1,
      strategy: { type: "Recreate" },
      // Merged into the pod template's annotations (`authelia.annotations` in deployment.yaml).
      annotations: { "hearth.dev/config-checksum": input.checksum },
      env: [{ name: "TZ", value: input.timezone }],
      securityContext: {
        pod: {
          runAsNonRoot: true,
          runAsUser: RUN_AS,
          runAsGroup: RUN_AS,
          fsGroup: RUN_AS,
          seccompProfile: { type: "RuntimeDefault" },
        },
        container: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        },
      },
      // The chart's commented example (values.yaml at authelia-0.11.5), not a measurement: ADR 10. bcrypt at
      // cost 10 needs little memory per sign-in, where argon2id's default would take 64 MiB each.
      resources: {
        requests: { cpu: "10m", memory: "50Mi" },
        limits: { memory: "125Mi" },
      },
      extraVolumes: [{ name: "hearth", secret: { secretName: AUTHELIA_SECRET } }],
      extraVolumeMounts: [
        { name: "hearth", mountPath: SECRET_DIR, readOnly: true },
        {
          name: "hearth",
          mountPath: CONFIG_PATH,
          subPath: "configuration.yaml",
          readOnly: true,
        },
      ],
    },
    configMap: { disabled: true, filters: { disabled: true } },
    secret: { disabled: true, existingSecret: AUTHELIA_SECRET },
    // The claim is in the release's manifest (templates/persistentVolumeClaim.yaml reads
    // persistence.annotations at 0.11.5; the top-level `annotations` would land on every object).
    persistence: {
      enabled: true,
      size: "100Mi",
      accessModes: ["ReadWriteOnce"],
      annotations: KEEP_ON_UNINSTALL,
    },
    service: { port: SERVICE_PORT },
  };
}
