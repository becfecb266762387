/**
 * Static analysis of every manifest the home example renders (every catalogue app: each release from the
 * stand-in charts, or the real ones under HEARTH_CHARTS, and every object the program makes itself), with
 * checkov's Kubernetes checks. Each finding must be triaged in checkov-baseline.json with a reason; a new one
 * fails, and so does a triaged one that no longer occurs. Needs checkov (scripts/test-setup.sh) and helm;
 * without them the test is skipped and says so.
 */
import { findHelm } from "../../cli/charts/helm";
import {
  BaselineEntry,
  checkStack,
  compareWithBaseline,
  findCheckov,
  Finding,
  readBaseline,
} from "./checkov";
import { apiVersionKind, programManifests } from "./manifests";
import type { Registration } from "../mocks";

const checkov = findCheckov();
const helm = findHelm();
const runIt = checkov && helm ? it : it.skip;

describe("checkov over every rendered manifest", () => {
  if (!checkov || !helm)
    it.todo(
      `runs when checkov and helm are installed (missing: ${[!checkov && "checkov (bash scripts/test-setup.sh)", !helm && "helm"].filter(Boolean).join(", ")})`,
    );

  runIt(
    "finds nothing that the baseline does not triage, and everything it does",
    async () => {
      const findings = await checkStack(checkov!);
      const { unexpected, stale } = compareWithBaseline(findings, readBaseline());
      expect({ unexpected, stale }).toEqual({ unexpected: [], stale: [] });
    },
    300_000,
  );
});

describe("the baseline", () => {
  const baseline = readBaseline();
  it("gives every accepted check a reason, and names the tool and stack", () => {
    expect(baseline.tool).toMatch(/^checkov \d+\.\d+\.\d+$/);
    for (const [check, e] of Object.entries(baseline.checks) as [string, BaselineEntry][]) {
      expect([check, e.reason.length > 40, /TODO/.test(e.reason)]).toEqual([check, true, false]);
      expect(e.resources.length).toBeGreaterThan(0);
    }
  });

  // What the security review fixed must never be accepted here: privileged pods, host namespaces or
  // writable service-account tokens belong to the log collector alone.
  it("accepts privilege only for the log collector", () => {
    const privileged = [
      "CKV_K8S_16",
      "CKV_K8S_17",
      "CKV_K8S_18",
      "CKV_K8S_19",
      "CKV_K8S_20",
      "CKV_K8S_23",
    ];
    for (const check of privileged)
      for (const r of baseline.checks[check]?.resources ?? [])
        expect(r).toMatch(/^DaemonSet\.victoria-logs-collector\./);
  });
});

describe("compareWithBaseline", () => {
  const baseline = {
    tool: "checkov 1.0.0",
    stack: "x",
    checks: { CKV_K8S_11: { name: "CPU limits", reason: "r", resources: ["Deployment.a.a"] } },
  };
  const f = (check: string, resource: string): Finding => ({ check, name: check, resource });
  it("passes what is triaged, fails what is new and what went away", () => {
    expect(compareWithBaseline([f("CKV_K8S_11", "Deployment.a.a")], baseline)).toEqual({
      unexpected: [],
      stale: [],
    });
    expect(compareWithBaseline([f("CKV_K8S_20", "Deployment.a.a")], baseline)).toEqual({
      unexpected: [f("CKV_K8S_20", "Deployment.a.a")],
      stale: [{ check: "CKV_K8S_11", resource: "Deployment.a.a" }],
    });
  });
});

describe("programManifests", () => {
  it("turns the program's Kubernetes registrations into objects, leaving out releases and providers", () => {
    expect(apiVersionKind("kubernetes:core/v1:Namespace")).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
    });
    expect(apiVersionKind("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
    });
    expect(apiVersionKind("kubernetes:helm.sh/v3:Release")).toBeUndefined();
    expect(apiVersionKind("pulumi:providers:kubernetes")).toBeUndefined();
    const reg = {
      type: "kubernetes:core/v1:ConfigMap",
      custom: true,
      inputs: { metadata: { name: "c", namespace: "n" }, data: { a: "b" }, immutable: undefined },
    } as unknown as Registration;
    expect(programManifests([reg])).toEqual([
      {
        source: "program",
        doc: {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "c", namespace: "n" },
          data: { a: "b" },
        },
      },
    ]);
  });
});
