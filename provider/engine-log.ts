/**
 * Log lines attached to a resource, sent to the engine's `Log` RPC at the address the engine gave the plugin,
 * so `pulumi up` shows each node's progress under its own resource as it happens.
 */
import * as grpc from "@grpc/grpc-js";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import type { CommandLog } from "./remote-command";

/** A log that sends to the engine, or to stderr when the plugin runs without one (tests). */
export function engineLog(
  engineAddress: string | undefined,
): CommandLog & { flush(): Promise<void> } {
  if (!engineAddress) {
    return {
      info: (urn, message) => process.stderr.write(`[${urn}] ${message}\n`),
      flush: async () => {},
    };
  }
  const client = new engrpc.EngineClient(engineAddress, grpc.credentials.createInsecure());
  // Lines are sent one after another so they show in the order they were printed.
  let last: Promise<void> = Promise.resolve();
  return {
    info(urn, message, ephemeral = false) {
      const req = new engproto.LogRequest();
      req.setSeverity(engproto.LogSeverity.INFO);
      req.setMessage(message);
      req.setUrn(urn);
      req.setEphemeral(ephemeral);
      last = last.then(() => new Promise<void>((resolve) => client.log(req, () => resolve())));
    },
    flush: () => last,
  };
}
