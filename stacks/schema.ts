/**
 * The `hearth:` configuration schema: one zod schema per top-level key, with the description, default and
 * secretness that `docs/configuration.md` and `Pulumi.yaml` are generated from, one file a section under
 * schema/ (the `keys` table in schema/keys.ts). Pure: no Pulumi imports.
 */
export { sshPublicKey } from "./schema/common";
export * from "./schema/nodes";
export * from "./schema/ssh";
export * from "./schema/cluster";
export * from "./schema/edge";
export * from "./schema/hetzner";
export * from "./schema/apps";
export * from "./schema/identity";
export * from "./schema/gitea";
export * from "./schema/backup";
export * from "./schema/observability";
export * from "./schema/keys";
