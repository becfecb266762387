/**
 * The node preparation of `npm run test:metal`, as the stack runs it: one `MetalNode` for the machine the run
 * installed, reached at its address with the operator key and the pinned host key. The run sets the config
 * (`metal:*`), runs `pulumi up`, then `pulumi up --expect-no-changes`.
 */
import * as pulumi from "@pulumi/pulumi";
import { MetalNode } from "../../../components/metal/node";

const c = new pulumi.Config("metal");
const host = c.require("host");
const node = new MetalNode("metal-vm", {
  name: c.require("name"),
  role: "server",
  arch: "amd64",
  os: "debian",
  address: host,
  connection: {
    host,
    port: 22,
    user: c.require("user"),
    privateKey: c.requireSecret("privateKey"),
    hostKey: c.require("hostKey"),
  },
  timezone: c.require("timezone"),
  packages: c.requireObject<string[]>("packages"),
});

export const address = node.handle.address;
export const steps = node.handle.ready.length;
