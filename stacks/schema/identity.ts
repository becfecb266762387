/** hearth:identity: the users and groups of the identity provider. */
import { z } from "zod";
import { given } from "./common";

/** A user or group name: what Authelia, Gitea and Argo CD all accept as a login or group. */
const principal = (what: string) =>
  z.string().regex(/^[a-z][a-z0-9._-]{0,38}$/, {
    error: (i) =>
      `${JSON.stringify(i.input)} is not a ${what} name; use lowercase letters, digits, ".", "_" or "-", starting with a letter (at most 39)`,
  });

/** One person who signs in through the identity provider. */
export const identityUserSchema = z.strictObject({
  name: principal("user").describe("Login name."),
  displayName: z.string().min(1).optional().describe("Shown name. @default the login name"),
  email: z.email({
    error: (i) => given(i.input, `${JSON.stringify(i.input)} is not an email address`),
  }),
  groups: z.array(z.string()).default([]).describe("Declared groups the user belongs to."),
});

/** Users and groups of the identity provider: declared here, never clicked together in a UI. */
export const identitySchema = z.strictObject({
  groups: z.array(principal("group")).min(1).describe("Every group users and apps may name."),
  users: z
    .array(identityUserSchema)
    .min(1)
    .describe("Each gets a generated initial password (stack output identityLogins)."),
  adminGroup: z
    .string()
    .default("admins")
    .describe("The declared group whose members are admins in Gitea, Argo CD and Zot."),
  secondFactor: z
    .boolean()
    .default(true)
    .describe("Ask for TOTP or WebAuthn after the password (Authelia two_factor)."),
  passwordRotateAfterDays: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe("Days after which the next up makes new initial passwords; 0 never."),
});
