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
import { execFileSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { homedir, tmpdir } from "os";
import { delimiter, join } from "path";
import { parseAllDocuments } from "yaml";
import { catalogue } from "../apps";
import { chartYamlVersion } from "../components/app/chart-source";
import { CHARTS_DIR, parseServiceUrl, ReleasePlan, ROOT, stackReleasePlans } from "./charts-values";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function findHelm(): string | undefined {
  const cache = process.env.HEARTH_CACHE ?? join(homedir(), ".cache", "hearth");
  const candidates = [
    process.env.HEARTH_HELM,
    join(cache, "sandbox", "bin", "helm"),
    ...(process.env.PATH ?? "").split(delimiter).map((d) => join(d, "helm")),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

const helm = findHelm();
const renderIt = helm ? it : it.skip;
const needsHelm = helm
  ? ""
  : " (skipped: no helm binary; set HEARTH_HELM or build the sandbox's helm)";

const workDir = mkdtempSync(join(tmpdir(), "hearth-local-charts-"));

function runHelm(args: string[]): string {
  try {
    return execFileSync(helm as string, args, { encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string };
    throw new Error(`helm ${args.join(" ")} failed:\n${err.stderr ?? ""}${err.stdout ?? ""}`);
  }
}

/** `helm lint --strict` and `helm template` of a release's chart with the release's values. */
function render(plan: { release: string; namespace: string; values: unknown }, chartDir: string) {
  const valuesFile = join(workDir, `${plan.release}.values.json`);
  writeFileSync(valuesFile, JSON.stringify(plan.values));
  const common = ["--namespace", plan.namespace, "--values", valuesFile];
  runHelm(["lint", "--strict", chartDir, ...common]);
  const out = runHelm(["template", plan.release, chartDir, "--include-crds", ...common]);
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Doc)
    .filter((d) => d && typeof d === "object");
}

const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

function podTemplates(docs: Doc[]): { where: string; labels: Record<string, string>; spec: Doc }[] {
  return docs.flatMap((d) => {
    const where = `${d.kind}/${d.metadata?.name}`;
    if (WORKLOADS.has(d.kind))
      return [
        { where, labels: d.spec.template.metadata?.labels ?? {}, spec: d.spec.template.spec },
      ];
    if (d.kind === "CronJob") {
      const t = d.spec.jobTemplate.spec.template;
      return [{ where, labels: t.metadata?.labels ?? {}, spec: t.spec }];
    }
    if (d.kind === "Pod") return [{ where, labels: d.metadata?.labels ?? {}, spec: d.spec }];
    return [];
  });
}

const RESTRICTED_VOLUMES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

/** What the restricted Pod Security level (latest) would refuse in a pod spec. */
function restrictedViolations(spec: Doc): string[] {
  const out: string[] = [];
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) out.push("host namespaces");
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== "name");
    if (!type || !RESTRICTED_VOLUMES.includes(type)) out.push(`volume ${v.name} of type ${type}`);
  }
  const containers = [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
    ...(spec.ephemeralContainers ?? []),
  ];
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged) out.push(`${at}: privileged`);
    if (sc.allowPrivilegeEscalation !== false)
      out.push(`${at}: allowPrivilegeEscalation not false`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL"))
      out.push(`${at}: capabilities not drop ALL`);
    for (const cap of sc.capabilities?.add ?? [])
      if (cap !== "NET_BIND_SERVICE") out.push(`${at}: adds capability ${cap}`);
    const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    if (nonRoot !== true) out.push(`${at}: runAsNonRoot not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) out.push(`${at}: runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      out.push(`${at}: seccompProfile ${seccomp ?? "unset"}`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${at}: hostPort ${p.hostPort}`);
  }
  return out;
}

/** Names of the Secrets a pod spec reads. */
function secretsRead(spec: Doc): string[] {
  const names: string[] = [];
  for (const v of spec.volumes ?? []) if (v.secret) names.push(v.secret.secretName);
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c.env ?? [])
      if (e.valueFrom?.secretKeyRef) names.push(e.valueFrom.secretKeyRef.name);
    for (const f of c.envFrom ?? []) if (f.secretRef) names.push(f.secretRef.name);
  }
  return names;
}

/** Asserts a Service of that name serves the port and forwards it to a port a selected pod declares. */
function expectServicePort(docs: Doc[], route: { name: string; port: number; via: string }) {
  const services = docs.filter((d) => d.kind === "Service");
  const svc = services.find((s) => s.metadata.name === route.name);
  if (!svc) {
    throw new Error(
      `${route.via} routes to Service ${route.name}, which the chart does not render ` +
        `(it renders: ${services.map((s) => s.metadata.name).join(", ") || "none"})`,
    );
  }
  const port = (svc.spec.ports ?? []).find((p: Doc) => p.port === route.port);
  expect({ service: route.name, port: port?.port }).toEqual({
    service: route.name,
    port: route.port,
  });
  const selector: Record<string, string> = svc.spec.selector ?? {};
  const pods = podTemplates(docs).filter((t) =>
    Object.entries(selector).every(([k, v]) => t.labels[k] === v),
  );
  expect(pods.length).toBeGreaterThan(0);
  const target = port.targetPort ?? port.port;
  const declared = pods.flatMap((t) =>
    t.spec.containers.flatMap((c: Doc) =>
      (c.ports ?? []).flatMap((p: Doc) => [p.name, p.containerPort]),
    ),
  );
  expect(declared).toContain(target);
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
    ({ plans } = await stackReleasePlans(undefined, true));
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
      expect(p.releaseChart).toBe(p.chartDir);
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
      const crds = docsOf(app).filter((d) => d.kind === "CustomResourceDefinition");
      for (const cr of planOf(app).customResources) {
        const [group, version] = cr.apiVersion.split("/");
        const crd = crds.find((d) => d.spec.group === group && d.spec.names.kind === cr.kind);
        if (!crd) throw new Error(`no CRD for ${cr.kind}.${group} (custom resource ${cr.name})`);
        const served = crd.spec.versions.find((v: Doc) => v.name === version);
        expect({ kind: cr.kind, version: served?.name, served: served?.served }).toEqual({
          kind: cr.kind,
          version,
          served: true,
        });
        expect(crd.spec.scope).toBe(cr.namespace ? "Namespaced" : "Cluster");
        expect(crd.spec.versions.filter((v: Doc) => v.storage)).toHaveLength(1);
      }
    });

    renderIt(`runs pods that pass the restricted Pod Security level${needsHelm}`, () => {
      const pods = podTemplates(docsOf(app));
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) {
        expect({ pod: pod.where, violations: restrictedViolations(pod.spec) }).toEqual({
          pod: pod.where,
          violations: [],
        });
        for (const c of pod.spec.containers) {
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
      for (const pod of podTemplates(docsOf(app))) {
        for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
          const paths: string[] = (c.volumeMounts ?? []).map((m: Doc) => m.mountPath);
          const twice = paths.filter((p, i) => paths.indexOf(p) !== i);
          expect({ pod: pod.where, container: c.name, twice }).toEqual({
            pod: pod.where,
            container: c.name,
            twice: [],
          });
        }
      }
    });

    renderIt(`reads the Secrets the program creates for it, and no missing one${needsHelm}`, () => {
      const plan = planOf(app);
      const docs = docsOf(app);
      const read = new Set(podTemplates(docs).flatMap((t) => secretsRead(t.spec)));
      const renderedSecrets = docs.filter((d) => d.kind === "Secret").map((d) => d.metadata.name);
      for (const name of read) expect([...renderedSecrets, ...plan.programSecrets]).toContain(name);
      const crSpecs = JSON.stringify(plan.customResources);
      for (const name of plan.chartSecrets) {
        expect({ secret: name, read: read.has(name) || crSpecs.includes(name) }).toEqual({
          secret: name,
          read: true,
        });
      }
    });
  });

  renderIt(`woodpecker's agents find the server's gRPC Service${needsHelm}`, () => {
    const values = planOf("woodpecker").values as { agent: { env: { WOODPECKER_SERVER: string } } };
    const [name, port] = values.agent.env.WOODPECKER_SERVER.split(":");
    expectServicePort(docsOf("woodpecker"), {
      name,
      port: Number(port),
      via: "agent.env.WOODPECKER_SERVER",
    });
  });
});

describe("the Cloudflare tunnel's target (home example stack)", () => {
  // Was a known mismatch: stacks/platform.ts built `exposure.ingressService` from
  // `traefikIngressService(traefik.meta.name, ...)`, i.e. Service "traefik", while the release is
  // "<stack>-traefik" and the chart named its Service so. The recipe now pins fullnameOverride and the
  // URL is read from that one constant (apps/traefik.ts, TRAEFIK_INGRESS_SERVICE).
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
