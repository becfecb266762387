/**
 * The project's stand-in charts (`charts/`, used by the dev stack) against what the program expects of
 * them: each carries its recipe's pinned name and version, and rendered with the values the program
 * gives its release it has every Service and port the program routes to, every CRD the program's custom
 * resources need, the Secrets it reads, and pods that pass the restricted Pod Security level.
 *
 * Rendering needs a helm binary: $HEARTH_HELM, else the sandbox's
 * `${HEARTH_CACHE:-~/.cache/hearth}/sandbox/bin/helm`, else `helm` on PATH. Without one, the render
 * tests are skipped and say so.
 */
import { readFileSync } from "fs";
import { join, resolve } from "path";
import { parseAllDocuments } from "yaml";
import { catalogue } from "../apps";
import { chartYamlVersion } from "../components/app/chart-source";
import { Doc, findHelm, renderChart } from "../cli/charts/helm";
import {
  CHARTS_DIR,
  parseServiceUrl,
  ReleasePlan,
  stackReleasePlans,
} from "../cli/charts/release-plans";
import {
  mountProblems,
  podTemplates,
  portProblems,
  restrictedViolations,
} from "../cli/charts/pod-checks";
import { crdProblems, secretProblems, serviceProblems } from "../cli/charts/render-checks";
import { ROOT } from "../cli/pulumi";

const helm = findHelm();
const renderIt = helm ? it : it.skip;
const needsHelm = helm
  ? ""
  : " (skipped: no helm binary; set HEARTH_HELM or build the sandbox's helm)";

/** `helm lint --strict` and `helm template` of a release's chart with the release's values. */
function render(plan: ReleasePlan, chartDir: string): Doc[] {
  return renderChart(helm as string, plan, chartDir, { lint: true });
}

/** Asserts a Service of that name serves the port and forwards it to a port a selected pod declares. */
function expectServicePort(docs: Doc[], route: { name: string; port: number; via: string }) {
  expect({ route: route.via, problems: serviceProblems(docs, route) }).toEqual({
    route: route.via,
    problems: [],
  });
}

const apps = Object.keys(catalogue).sort();

describe("the stand-in charts under charts/", () => {
  it("has a README", () => {
    expect(readFileSync(join(CHARTS_DIR, "README.md"), "utf8")).toMatch(/stand-in/);
  });

  describe.each(apps)("%s", (app) => {
    const pin = catalogue[app].chart;
    const chartDir = join(CHARTS_DIR, pin.name);

    it("Chart.yaml carries the recipe's chart name and pinned version", () => {
      const chartYaml = readFileSync(join(chartDir, "Chart.yaml"), "utf8");
      const doc = parseAllDocuments(chartYaml)[0].toJS() as Doc;
      expect(doc.apiVersion).toBe("v2");
      expect(doc.name).toBe(pin.name);
      expect(String(doc.version)).toBe(pin.version);
      // The check HelmApp runs on a local chart folder reads the same version.
      expect(chartYamlVersion(chartYaml)?.replace(/^v/, "")).toBe(pin.version.replace(/^v/, ""));
      expect(String(doc.appVersion)).toBe(catalogue[app].appVersion);
      expect(doc.description).toMatch(/stand-in/);
      // The stand-in's own claims name the same pin, so moving a pin (woodpecker 3.4.3, a tag that
      // never existed, to 3.4.2) moves them all.
      expect(doc.annotations?.["hearth.dev/stand-in-for"]).toBe(
        `${pin.repository} ${pin.name} ${pin.version}`,
      );
      const readme = readFileSync(join(CHARTS_DIR, "README.md"), "utf8");
      expect(readme).toMatch(new RegExp(`/${pin.name} ${pin.version.replace(/\./g, "\\.")}\\s`));
    });
  });
});

describe("the dev stack's releases rendered from charts/ (every catalogue app enabled)", () => {
  let plans: ReleasePlan[] = [];
  const rendered = new Map<string, Doc[]>();

  beforeAll(async () => {
    ({ plans } = await stackReleasePlans(undefined, { everyApp: true }));
  }, 120_000);

  function planOf(app: string): ReleasePlan {
    const plan = plans.find((p) => p.app === app);
    if (!plan) throw new Error(`the dev stack registers no release for ${app}`);
    return plan;
  }

  function docsOf(app: string): Doc[] {
    const plan = planOf(app);
    if (!rendered.has(app)) rendered.set(app, render(plan, plan.chartDir));
    return rendered.get(app) as Doc[];
  }

  it("installs every release from the local chart folder of its recipe's pin", () => {
    expect(plans.map((p) => p.app).sort()).toEqual(apps);
    for (const p of plans) {
      // The release names the folder relative to the working directory (no absolute path in the state).
      expect(resolve(p.releaseChart)).toBe(p.chartDir);
      expect(p.chartDir.startsWith(ROOT)).toBe(true);
    }
  });

  describe.each(apps)("%s", (app) => {
    renderIt(`lints and renders with the release's values${needsHelm}`, () => {
      expect(docsOf(app).length).toBeGreaterThan(0);
    });

    renderIt(`has every Service and port the program routes to${needsHelm}`, () => {
      const plan = planOf(app);
      for (const route of plan.routes) {
        expect(route.namespace).toBe(plan.namespace);
        expectServicePort(docsOf(app), route);
      }
    });

    renderIt(`defines the CRD of every custom resource the program creates${needsHelm}`, () => {
      expect(crdProblems(docsOf(app), planOf(app).customResources)).toEqual([]);
    });

    renderIt(`runs pods that pass their namespace's Pod Security level${needsHelm}`, () => {
      const pods = podTemplates(docsOf(app));
      expect(pods.length).toBeGreaterThan(0);
      // Restricted, whatever the namespace enforces, unless it is privileged (the log collector's hostPath
      // volumes need that level).
      const level = planOf(app).podSecurity;
      for (const pod of pods) {
        if (level !== "privileged")
          expect({ pod: pod.where, violations: restrictedViolations(pod.spec) }).toEqual({
            pod: pod.where,
            violations: [],
          });
        for (const c of pod.spec.containers) {
          // A node agent's DaemonSet may ship no probe (victoria-logs-collector 0.3.7 has none and no key
          // for one): Helm then counts a running pod as ready.
          if (!pod.where.startsWith("DaemonSet/"))
            expect({ pod: pod.where, container: c.name, probe: !!c.readinessProbe }).toEqual({
              pod: pod.where,
              container: c.name,
              probe: true,
            });
          expect(c.resources?.requests).toBeDefined();
        }
      }
      for (const d of docsOf(app).filter((x) => x.kind === "Deployment"))
        expect({ deployment: d.metadata.name, replicas: d.spec.replicas }).toEqual({
          deployment: d.metadata.name,
          replicas: 1,
        });
    });

    renderIt(`mounts one volume per path in each container${needsHelm}`, () => {
      // Kubernetes refuses a pod with two volume mounts at one path; the homepage chart mounts its own
      // emptyDir at /app/config, so a recipe that adds one there is caught here.
      expect(mountProblems(docsOf(app))).toEqual([]);
    });

    renderIt(`declares each container port once per pod${needsHelm}`, () => {
      expect(portProblems(docsOf(app))).toEqual([]);
    });

    renderIt(`reads the Secrets the program creates for it, and no missing one${needsHelm}`, () => {
      expect(secretProblems(docsOf(app), planOf(app))).toEqual([]);
    });
  });

  it("routes woodpecker's agents to the server's gRPC Service", () => {
    expect(planOf("woodpecker").routes.map((r) => r.via)).toContain("agent.env.WOODPECKER_SERVER");
  });
});

describe("the Cloudflare tunnel's target (home example stack)", () => {
  // Was a known mismatch: stacks/platform.ts built `exposure.ingressService` from
  // `traefikIngressService(traefik.meta.name, ...)`, i.e. Service "traefik", while the release is
  // "<stack>-traefik" and the chart named its Service so. The recipe now pins fullnameOverride and the
  // URL is read from that one constant (apps/traefik/, TRAEFIK_INGRESS_SERVICE).
  const tunnelIt = helm ? it : it.skip;
  tunnelIt(
    `forwards to a Service and port the traefik chart renders${needsHelm}`,
    async () => {
      const { plans, registrations } = await stackReleasePlans(
        join(ROOT, "stacks/examples/Pulumi.home.yaml"),
      );
      const traefik = plans.find((p) => p.app === "traefik") as ReleasePlan;
      const config = registrations.find((r) =>
        r.type.endsWith(":ZeroTrustTunnelCloudflaredConfig"),
      );
      const ingresses = (config?.inputs.config as { ingresses: { service: string }[] }).ingresses;
      const targets = ingresses
        .map((i) => i.service)
        .filter((s) => /^https?:\/\//.test(s))
        .map((s) => parseServiceUrl(s, "the tunnel's ingress rule"));
      expect(targets.length).toBeGreaterThan(0);
      const docs = render(traefik, join(CHARTS_DIR, traefik.pin.name));
      for (const t of targets) {
        expect(t.namespace).toBe(traefik.namespace);
        expectServicePort(docs, t);
        // Behind the tunnel nothing else reaches Traefik: its Service stays ClusterIP (since chart
        // v40 the type is `service.spec.type`; the stand-in refuses the old `service.type`).
        const svc = docs.find((d) => d.kind === "Service" && d.metadata.name === t.name);
        expect({ service: t.name, type: svc.spec.type }).toEqual({
          service: t.name,
          type: "ClusterIP",
        });
      }
    },
    120_000,
  );
});
