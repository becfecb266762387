/** hearth:gitea: the Gitea that holds the GitOps repository. */
import { z } from "zod";
import { given, hostname } from "./common";

/** The Gitea that holds the GitOps repository. */
export const giteaSchema = z.strictObject({
  url: z
    .url({
      protocol: /^https?$/,
      error: (i) =>
        given(
          i.input,
          `${JSON.stringify(i.input)} is not an http(s):// URL; give Gitea's base URL, e.g. https://git.example.org`,
        ),
    })
    .optional()
    .describe("An existing Gitea's URL. @default the in-cluster app at https://git.<domain>"),
  org: hostname.default("hearth").describe("Organisation that owns the GitOps repository."),
  repo: hostname.default("gitops").describe("GitOps repository name."),
  username: z
    .string()
    // Gitea's own rule (user names: letters, digits, and single "-", "_" or "." between them).
    .regex(/^(?=.{1,40}$)[A-Za-z0-9]+([-._][A-Za-z0-9]+)*$/, {
      error: (i) =>
        `${JSON.stringify(i.input)} is not a Gitea user name; use letters and digits with single "-", "_" or "." between them (at most 40)`,
    })
    .default("hearth-admin")
    .describe("Admin user of the in-cluster Gitea."),
  tokenPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "File holding the API token of the existing Gitea, read at run time and kept secret (instead of hearth:giteaToken).",
    ),
  caPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "PEM file of a home CA that Gitea's https:// URL is signed by; Hearth's Gitea calls trust it besides the system's CAs.",
    ),
});
