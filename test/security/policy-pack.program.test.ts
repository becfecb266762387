/**
 * Hearth's policy pack (policy/): each policy against the resource it guards (the security review's findings
 * as they were before the fixes, and as they are now), every example stack's resources under mocks passing the
 * whole pack, and the analyzer's gRPC server answering as the engine calls it (GetAnalyzerInfo, Analyze).
 * `pulumi preview --policy-pack policy` against a real engine is in test/e2e (docs/security.md).
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { POLICIES, violations } from "../../policy/rules";
import { stackReleasePlans } from "../../cli/charts/release-plans";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const emptyPb = require("google-protobuf/google/protobuf/empty_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

const ROOT = join(__dirname, "..", "..");
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const names = (type: string, props: Record<string, unknown>) =>
  violations(type, props).map((v) => v.policy.name);

describe("each policy against what it guards", () => {
  it("refuses the old ports-only cluster egress and the old internet egress; passes today's", () => {
    const oldCluster = {
      spec: { egress: [{ to: [{ namespaceSelector: {} }] }, { ports: [{ port: 443 }] }] },
    };
    expect(names(NP, oldCluster)).toEqual(["egress-names-its-destination"]);
    const oldInternet = {
      spec: {
        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }] }],
      },
    };
    expect(names(NP, oldInternet)).toEqual(["no-egress-to-metadata-service"]);
    const now = {
      spec: {
        egress: [
          {
            to: [
              { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.0.0/16"] } },
              { ipBlock: { cidr: "::/0", except: ["fc00::/7", "fe80::/10"] } },
            ],
          },
        ],
      },
    };
    expect(names(NP, now)).toEqual([]);
    expect(
      names(NP, { spec: { egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }] }] } }),
    ).toEqual(["no-egress-to-metadata-service"]);
  });

  it("refuses an Argo CD Application in the default project", () => {
    const app = "kubernetes:argoproj.io/v1alpha1:Application";
    expect(names(app, { metadata: { name: "root" }, spec: { project: "default" } })).toEqual([
      "argocd-application-not-in-default-project",
    ]);
    expect(names(app, { metadata: { name: "root" }, spec: {} })).toHaveLength(1);
    expect(names(app, { spec: { project: "hearth-root" } })).toEqual([]);
  });

  it("refuses an absolute chart path, and reads through secret wrappers", () => {
    const rel = "kubernetes:helm.sh/v3:Release";
    expect(names(rel, { chart: "/home/ann/homelab/charts/gitea" })).toEqual([
      "no-absolute-chart-path",
    ]);
    const secret = {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: "/x",
    };
    expect(names(rel, { chart: secret })).toEqual(["no-absolute-chart-path"]);
    expect(names(rel, { chart: "../charts/gitea" })).toEqual([]);
    expect(names(rel, { chart: "gitea" })).toEqual([]);
  });

  it("refuses a namespace without Pod Security, or privileged but the collector's", () => {
    const ns = "kubernetes:core/v1:Namespace";
    const label = (name: string, level?: string) => ({
      metadata: { name, labels: level ? { "pod-security.kubernetes.io/enforce": level } : {} },
    });
    expect(names(ns, label("gitea"))).toEqual(["namespace-enforces-pod-security"]);
    expect(names(ns, label("gitea", "privileged"))).toEqual(["namespace-enforces-pod-security"]);
    expect(names(ns, label("victoria-logs-collector", "privileged"))).toEqual([]);
    expect(names(ns, label("gitea", "baseline"))).toEqual([]);
  });

  it("warns when a Hetzner firewall opens SSH or the API to the internet", () => {
    const fw = "hcloud:index/firewall:Firewall";
    const open = { rules: [{ direction: "in", port: "22", sourceIps: ["0.0.0.0/0"] }] };
    const v = violations(fw, open);
    expect(v.map((x) => [x.policy.name, x.policy.enforcement])).toEqual([
      ["admin-ports-not-open-to-the-internet", "advisory"],
    ]);
    expect(
      violations(fw, { rules: [{ direction: "in", port: "22", sourceIps: ["198.51.100.7/32"] }] }),
    ).toEqual([]);
  });
});

describe("every example stack passes the pack", () => {
  it.each([
    "stacks/examples/Pulumi.home.yaml",
    "stacks/examples/Pulumi.hetzner.yaml",
    "Pulumi.dev.yaml",
  ])(
    "%s",
    async (file) => {
      // The dev stack's sandbox files are made in a throwaway fake sandbox (scripts/chart-checks.ts).
      const { registrations } = await stackReleasePlans(join(ROOT, file));
      const found = registrations.flatMap((r) =>
        violations(r.type, r.inputs).map(
          (v) => `${r.type} ${r.name}: ${v.policy.name}: ${v.message}`,
        ),
      );
      expect(found).toEqual([]);
    },
    120_000,
  );
});

describe("the analyzer server", () => {
  let child: ChildProcess;
  let client: any;

  beforeAll(async () => {
    child = spawn(
      join(ROOT, "node_modules/.bin/ts-node"),
      ["--transpile-only", "policy/index.ts"],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim().split("\n")[0]));
      child.once("exit", (code) => reject(new Error(`policy pack exited with ${code}`)));
    });
    client = new analyzerGrpc.AnalyzerClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
  }, 60_000);
  afterAll(() => {
    client?.close();
    child?.kill();
  });

  const call = <T>(method: string, req: unknown): Promise<T> =>
    new Promise((resolve, reject) =>
      client[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))),
    );

  it("prints its port first, and lists every policy with its enforcement", async () => {
    const info: any = await call("getAnalyzerInfo", new emptyPb.Empty());
    expect(info.getName()).toBe("hearth-security");
    expect(info.getPoliciesList().map((p: any) => p.getName())).toEqual(
      POLICIES.map((p) => p.name),
    );
    const mandatory = info
      .getPoliciesList()
      .filter((p: any) => p.getEnforcementlevel() === analyzerPb.EnforcementLevel.MANDATORY);
    expect(mandatory.length).toBe(POLICIES.filter((p) => p.enforcement === "mandatory").length);
  });

  it("answers Analyze with a mandatory diagnostic for a violation, and none for a compliant resource", async () => {
    const req = new analyzerPb.AnalyzeRequest();
    req.setType("kubernetes:argoproj.io/v1alpha1:Application");
    req.setUrn("urn:pulumi:dev::hearth::kubernetes:argoproj.io/v1alpha1:Application::root");
    req.setName("root");
    req.setProperties(
      Struct.fromJavaScript({ metadata: { name: "root" }, spec: { project: "default" } }),
    );
    const res: any = await call("analyze", req);
    const d = res.getDiagnosticsList();
    expect(d.map((x: any) => [x.getPolicyname(), x.getEnforcementlevel(), x.getUrn()])).toEqual([
      [
        "argocd-application-not-in-default-project",
        analyzerPb.EnforcementLevel.MANDATORY,
        "urn:pulumi:dev::hearth::kubernetes:argoproj.io/v1alpha1:Application::root",
      ],
    ]);
    req.setProperties(Struct.fromJavaScript({ spec: { project: "hearth-root" } }));
    expect((await call<any>("analyze", req)).getDiagnosticsList()).toEqual([]);
  });
});
