/**
 * The policy pack's analyzer: a gRPC server of the engine's Analyzer service (pulumi/proto analyzer.proto) that
 * checks each resource against `rules.ts`. It is what @pulumi/policy's PolicyPack serves, on @pulumi/pulumi's own
 * generated stubs, because @pulumi/policy is not among the project's dependencies. The engine starts it with
 * `@pulumi/pulumi/cmd/run-policy-pack` through the language host's RunPlugin and reads its port from the first
 * line of stdout.
 */
import * as grpc from "@grpc/grpc-js";
import { POLICIES, violations } from "./rules";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const pluginPb = require("@pulumi/pulumi/proto/plugin_pb");
const emptyPb = require("google-protobuf/google/protobuf/empty_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

/** The pack's name and version, as PulumiPolicy.yaml says. */
export const PACK = { name: "hearth-security", version: "0.1.0" };

const LEVEL = (e: "mandatory" | "advisory") =>
  e === "mandatory" ? analyzerPb.EnforcementLevel.MANDATORY : analyzerPb.EnforcementLevel.ADVISORY;

/** The diagnostics of one resource, as the engine takes them. */
function diagnostics(type: string, urn: string, props: Record<string, unknown>): any[] {
  return violations(type, props).map(({ policy, message }) => {
    const d = new analyzerPb.AnalyzeDiagnostic();
    d.setPolicyname(policy.name);
    d.setPolicypackname(PACK.name);
    d.setPolicypackversion(PACK.version);
    d.setDescription(policy.description);
    d.setMessage(message);
    d.setEnforcementlevel(LEVEL(policy.enforcement));
    d.setUrn(urn);
    return d;
  });
}

const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
  callback(
    { code: grpc.status.UNIMPLEMENTED, details: "not implemented" } as grpc.ServiceError,
    null,
  );

const service = {
  analyze(call: any, callback: grpc.sendUnaryData<unknown>) {
    const req = call.request;
    const res = new analyzerPb.AnalyzeResponse();
    res.setDiagnosticsList(
      diagnostics(req.getType(), req.getUrn(), req.getProperties()?.toJavaScript() ?? {}),
    );
    callback(null, res);
  },
  analyzeStack(call: any, callback: grpc.sendUnaryData<unknown>) {
    // Each resource was checked on its own already; the stack as a whole adds nothing yet.
    void call;
    callback(null, new analyzerPb.AnalyzeResponse());
  },
  getAnalyzerInfo(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
    const info = new analyzerPb.AnalyzerInfo();
    info.setName(PACK.name);
    info.setDisplayname("Hearth security");
    info.setVersion(PACK.version);
    info.setSupportsconfig(false);
    info.setPoliciesList(
      POLICIES.map((p) => {
        const pi = new analyzerPb.PolicyInfo();
        pi.setName(p.name);
        pi.setDisplayname(p.name);
        pi.setDescription(p.description);
        pi.setEnforcementlevel(LEVEL(p.enforcement));
        return pi;
      }),
    );
    callback(null, info);
  },
  getPluginInfo(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
    const info = new pluginPb.PluginInfo();
    info.setVersion(PACK.version);
    callback(null, info);
  },
  configure(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
    callback(null, new emptyPb.Empty());
  },
  remediate: unimplemented,
  handshake: unimplemented,
  configureStack: unimplemented,
  cancel(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
    callback(null, new emptyPb.Empty());
  },
};

/** Serves the pack on a free loopback port and prints the port, as the engine expects. */
export function serve(): void {
  const server = new grpc.Server();
  server.addService(analyzerGrpc.AnalyzerService, service);
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      console.error(`hearth policy pack: cannot listen: ${err.message}`);
      process.exit(1);
    }
    console.log(port);
  });
}

serve();
