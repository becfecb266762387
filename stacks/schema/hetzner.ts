/** hearth:hetzner: nodes rented from Hetzner Cloud. */
import { z } from "zod";
import { cidr, hostname, ipv4 } from "./common";

/** A Hetzner Cloud server that becomes a node. */
export const hetznerServerSchema = z.strictObject({
  name: hostname,
  role: z.enum(["server", "agent"]),
  serverType: z.string().min(1).default("cx22").describe("Hetzner server type."),
  privateIp: ipv4.describe("Address in `hearth:hetzner.networkCidr`."),
});

/** Nodes rented from Hetzner Cloud instead of (or beside) metal. */
export const hetznerSchema = z.strictObject({
  location: z.string().min(1).default("fsn1").describe("Hetzner location, e.g. fsn1, nbg1, hel1."),
  extraServerTypes: z
    .array(z.string().regex(/^[a-z0-9-]+$/))
    .default([])
    .describe(
      "Server types Hetzner added after Hearth's list (stacks/hetzner-catalogue.ts) was made.",
    ),
  networkCidr: cidr.default("10.44.0.0/16"),
  image: z.string().min(1).default("debian-12"),
  adminCidrs: z
    .array(cidr)
    .min(1, {
      error: "names no network; give the addresses you administer from, e.g. [203.0.113.7/32]",
    })
    .describe(
      "Who may reach SSH and the API server: required, as the servers have public addresses (0.0.0.0/0 opens both to the internet, which you then have to say).",
    ),
  servers: z.array(hetznerServerSchema).min(1),
});
