/** The Authelia recipe: the identity provider at `auth.<domain>`, `identity` for the apps after it. */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { resolveChart } from "../../components/app/chart-source";
import { HelmApp } from "../../components/app/helm-app";
import { buildIdentity } from "../../stacks/identity";
import { DeployedApp, RecipeArgs, requireHostname } from "../recipe";
import { Wire } from "../wire";
import { autheliaConfig, AutheliaInputs, usersDatabase } from "./config";
import { meta } from "./meta";
import {
  AUTHELIA_FULLNAME,
  AUTHELIA_SECRET,
  autheliaValues,
  DATA_DIR,
  RUN_AS,
  SERVICE_PORT,
} from "./values";

export { meta };

/** What only Authelia needs: the users, the clients, the hosts behind forward-auth, its secrets. */
export interface AutheliaExtra {
  inputs: pulumi.Output<Omit<AutheliaInputs, "domain" | "hostname">>;
}

/** Deploys Authelia at `auth.<domain>` with Hearth's configuration and users file. */
export function deploy(
  name: string,
  args: RecipeArgs<AutheliaExtra>,
  opts?: pulumi.ComponentResourceOptions,
): DeployedApp & { issuer: string; route: pulumi.Resource } {
  const { platform } = args;
  const hostname = requireHostname(meta, platform.domain, args.overrides);
  const files = args.extra.inputs.apply((i) => {
    const full: AutheliaInputs = { ...i, domain: platform.domain, hostname };
    return {
      "configuration.yaml": stringify(autheliaConfig(full), { lineWidth: 0 }),
      "users_database.yml": stringify(usersDatabase(i.users), { lineWidth: 0 }),
    };
  });
  const app = new HelmApp(
    name,
    {
      platform,
      namespace: meta.name,
      chart: resolveChart(meta.chart, args.overrides),
      keepsData: meta.keepsData !== undefined,
      values: files.apply((f) =>
        autheliaValues({
          timezone: platform.timezone,
          checksum: createHash("sha256").update(JSON.stringify(f)).digest("hex"),
        }),
      ),
      valuesOverride: args.overrides?.values,
      secrets: { [AUTHELIA_SECRET]: pulumi.secret(files) },
      hostname,
      service: { name: AUTHELIA_FULLNAME, port: SERVICE_PORT },
      // Traefik's ForwardAuth calls it from the ingress controller's namespace, which is already allowed.
      egress: "none",
    },
    opts,
  );
  return {
    url: app.url,
    resource: app.release,
    issuer: `https://${hostname}`,
    // The release and its Ingress: apps that fetch the issuer's discovery document wait for this.
    route: app,
    backup: {
      namespace: meta.name,
      claimName: AUTHELIA_FULLNAME,
      mountPath: DATA_DIR,
      sqlite: ["db.sqlite3"],
      workload: { kind: "Deployment", name: AUTHELIA_FULLNAME },
      // authelia.matchLabels (`_helpers.tpl`): the chart name and the release.
      podLabels: { "app.kubernetes.io/name": "authelia", "app.kubernetes.io/instance": name },
      runAsUser: RUN_AS,
      fsGroup: RUN_AS,
    },
  };
}

/** The identity provider: every app that signs in through it gets its client or forward-auth from `identity`. */
export const wire: Wire = (caps, opts) => {
  const identity = buildIdentity(
    caps.home.name,
    caps.home.c,
    caps.platform,
    opts,
    caps.home.parent,
    caps.home.catalogue,
  );
  return { deployed: identity.deployed, provides: { identity } };
};
