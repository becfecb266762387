/** hearth:apps and hearth:charts: which catalogue apps run, their settings, and where their charts come from. */
import { z } from "zod";
import { DOMAIN } from "./common";

const EXACT_VERSION = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;

/** Per-app settings. */
export const appSettingsSchema = z.strictObject({
  hostname: z
    .string()
    .regex(DOMAIN, {
      error: (i) => `${JSON.stringify(i.input)} is not a host name such as git.example.org`,
    })
    .optional(),
  chartVersion: z
    .string()
    .regex(EXACT_VERSION, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not an exact version; ranges are refused, pin e.g. 1.2.3`,
    })
    .optional(),
  values: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      "Helm values merged over the recipe's. Always refused: fullnameOverride or nameOverride (the recipe pins the names Hearth routes to), replicas that are not a whole number, numeric ports outside 1-65535, resource requests, limits and volume sizes that are not Kubernetes quantities. With the chart in a local folder, also checked against its values.schema.json; all before any change.",
    ),
  sso: z
    .boolean()
    .optional()
    .describe(
      "Sign in through the identity provider (authelia). @default true for every app with a sign-in path when authelia is enabled",
    ),
  groups: z
    .array(z.string())
    .min(1)
    .optional()
    .describe(
      "hearth:identity groups whose members may sign in to this app. @default every declared group",
    ),
});

/** Which catalogue apps run, and their settings. */
export const appsSchema = z.strictObject({
  enabled: z.array(z.string()).default([]).describe("Catalogue names, see docs/catalogue.md."),
  retired: z
    .record(
      z.string(),
      z.enum(["keep-data", "delete-data"], {
        error: (i) =>
          `${JSON.stringify(i.input)} is not a retirement: write keep-data (the app's workloads stop, its namespace and volumes stay) or delete-data (they are deleted)`,
      }),
    )
    .default({})
    .describe(
      "Apps that kept data and left apps.enabled, by name: keep-data (workloads stop; namespace, volumes and the GitOps repository stay) or delete-data (they are deleted). Removing such an app without an entry here is refused (docs/day-2.md).",
    ),
  settings: z
    .record(z.string(), appSettingsSchema)
    .default({})
    .describe("Per-app overrides by name."),
});

/** Where Helm charts come from. */
export const chartsSchema = z.strictObject({
  localDir: z
    .string()
    .min(1)
    .optional()
    .describe("Directory of chart folders used instead of repositories."),
});
