/** Pulumi entry point (`main: stacks/` in Pulumi.yaml). */
import * as pulumi from "@pulumi/pulumi";
import { program } from "./program";
import { ConfigError } from "./validate";

async function run() {
  try {
    return await program();
  } catch (e) {
    // A bad config is the operator's to fix: show the list of problems without a stack trace.
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
}

export = run();
