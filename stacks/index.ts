/** The program (Pulumi.yaml's `main` is stacks/main.js, which loads this file through runtime/swc-register.js). */
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
