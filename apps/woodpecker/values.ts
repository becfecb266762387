/** Woodpecker's values, and the names and paths they pin, which the Secrets and the backup use. */
import { WoodpeckerChartValues } from "./values.schema";

/** Secret the server reads its environment from: agent secret and the Gitea OAuth2 client. */
export const WOODPECKER_SERVER_SECRET = "woodpecker-server-env";

/** Secret the agents read their environment from: the agent secret alone. */
export const WOODPECKER_AGENT_SECRET = "woodpecker-agent-env";

/** The server's fixed name, so the agent finds the server whatever the release is called. */
export const SERVER_NAME = "woodpecker-server";
/** The agent's fixed name. */
const AGENT_NAME = "woodpecker-agent";
/** The server's Service port. */
export const SERVER_HTTP_PORT = 80;
/**
 * The chart's default mount of the server's volume (charts/server/values.yaml persistentVolume.mountPath at
 * 3.4.2); the database path is set explicitly below so the backup knows which file is SQLite. The variables are
 * Woodpecker's (woodpecker-ci.org docs, administration/database: WOODPECKER_DATABASE_DRIVER and
 * WOODPECKER_DATABASE_DATASOURCE, SQLite under /var/lib/woodpecker/ by default).
 */
export const SERVER_DATA = "/var/lib/woodpecker";
/** The SQLite file under SERVER_DATA. */
export const SERVER_DB = "woodpecker.sqlite";
const SERVER_GRPC_PORT = 9000;

/** Settings the Woodpecker values are built from. */
export interface WoodpeckerValuesInputs {
  hostname: string;
  giteaUrl: string;
  /** Namespace the agent starts pipeline pods in (the app's own). */
  namespace: string;
  admins: string[];
  storageSize: string;
}

/** The server's and the agent's pod security context; the backup runs as its user and group. */
export const podSecurityContext = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: "RuntimeDefault" },
};
const containerSecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
};

/**
 * Helm values for Woodpecker with the Gitea forge: credentials come from Secrets through `envFrom`
 * (the chart's own random agent Secret is off so server and agents share ours), the server's ingress is
 * off (HelmApp routes the hostname), and one agent runs pipelines as pods in the app's namespace.
 */
export function woodpeckerValues(inputs: WoodpeckerValuesInputs): WoodpeckerChartValues {
  if (inputs.admins.length === 0 || inputs.admins.some((a) => a === "" || a.includes(","))) {
    throw new Error(
      `woodpecker: admins ${JSON.stringify(inputs.admins)} must be non-empty Gitea user names without ` +
        `commas; fix hearth:apps.settings.woodpecker or the composition's admin list.`,
    );
  }
  return {
    server: {
      fullnameOverride: SERVER_NAME,
      createAgentSecret: false,
      extraSecretNamesForEnvFrom: [WOODPECKER_SERVER_SECRET],
      env: {
        WOODPECKER_HOST: `https://${inputs.hostname}`,
        WOODPECKER_ADMIN: inputs.admins.join(","),
        WOODPECKER_OPEN: "false",
        WOODPECKER_GITEA: "true",
        WOODPECKER_GITEA_URL: inputs.giteaUrl,
        WOODPECKER_DATABASE_DRIVER: "sqlite3",
        WOODPECKER_DATABASE_DATASOURCE: `${SERVER_DATA}/${SERVER_DB}`,
      },
      persistentVolume: { enabled: true, size: inputs.storageSize },
      ingress: { enabled: false },
      podSecurityContext,
      securityContext: containerSecurityContext,
    },
    agent: {
      fullnameOverride: AGENT_NAME,
      replicaCount: 1,
      mapAgentSecret: false,
      extraSecretNamesForEnvFrom: [WOODPECKER_AGENT_SECRET],
      env: {
        WOODPECKER_SERVER: `${SERVER_NAME}:${SERVER_GRPC_PORT}`,
        WOODPECKER_BACKEND: "kubernetes",
        WOODPECKER_BACKEND_K8S_NAMESPACE: inputs.namespace,
        // Homelab storage classes (local-path) offer ReadWriteOnce only.
        WOODPECKER_BACKEND_K8S_STORAGE_RWX: false,
      },
      podSecurityContext,
      securityContext: containerSecurityContext,
    },
  };
}
