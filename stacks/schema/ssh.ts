/** hearth:ssh: how Hearth logs in to the machines it manages. */
import { z } from "zod";
import { sshPublicKey } from "./common";

/** How Hearth logs in to machines it manages. */
export const sshSchema = z.strictObject({
  user: z.string().min(1).default("hearth").describe("Admin user created on every node."),
  authorizedKeys: z
    .array(sshPublicKey)
    .default([])
    .describe(
      "Public keys allowed to log in as that user; planted by the installers (PXE, Hetzner), so at least one is needed when Hearth installs machines.",
    ),
  privateKeyPath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "File holding the private key, read at run time and kept secret (instead of hearth:sshPrivateKey).",
    ),
});
