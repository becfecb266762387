/**
 * `npm run check:charts` (scripts/check-charts.ts) against the stand-in charts, against copies of them
 * broken on purpose (a missing Service, a duplicate mount, a values key no chart reads, a missing chart),
 * and `npm run charts:mirror`'s helm commands. Renders need a helm binary, found as the tool finds it;
 * without one those tests are skipped and say so.
 */
import { execFileSync } from "child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { parse as parseYaml } from "yaml";
import { catalogue } from "../apps";
import {
  CHARTS_DIR,
  DEV_STACK,
  findHelm,
  portProblems,
  ROOT,
  runHelm,
  secretProblems,
  valuesProblems,
} from "../scripts/chart-checks";
import { ChartCheck, checkCharts, exitCode, formatResults } from "../scripts/check-charts";
import { pullArgs } from "../scripts/charts-mirror";

const helm = findHelm();
const renderIt = helm ? it : it.skip;
const needsHelm = helm ? "" : " (skipped: no helm binary; set HEARTH_HELM)";
const HOME = join(ROOT, "stacks/examples/Pulumi.home.yaml");

function only(results: ChartCheck[], app: string): ChartCheck {
  const found = results.filter((r) => r.app === app);
  expect(found).toHaveLength(1);
  return found[0];
}

/** A copy of the stand-in charts to break. */
function chartsCopy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "hearth-check-charts-")), "charts");
  cpSync(CHARTS_DIR, dir, { recursive: true });
  return dir;
}

describe("check:charts against the stand-in charts", () => {
  renderIt(
    `passes every app of the dev and home stacks${needsHelm}`,
    async () => {
      const results = await checkCharts({ stackFiles: [DEV_STACK, HOME], chartsDir: CHARTS_DIR });
      expect(results.map((r) => [r.stack, r.app, r.status, r.reasons])).toEqual(
        results.map((r) => [r.stack, r.app, "ok", []]),
      );
      // One line per app the dev stack file enables.
      const devApps = (
        parseYaml(readFileSync(DEV_STACK, "utf8")) as {
          config: { "hearth:apps": { enabled: string[] } };
        }
      ).config["hearth:apps"].enabled;
      expect(
        results
          .filter((r) => r.stack === "Pulumi.dev.yaml")
          .map((r) => r.app)
          .sort(),
      ).toEqual([...devApps].sort());
      expect(results.filter((r) => r.stack.endsWith("Pulumi.home.yaml"))).toHaveLength(
        Object.keys(catalogue).length,
      );
      expect(exitCode(results)).toBe(0);
      expect(formatResults(results)).toMatch(
        /^Pulumi\.dev\.yaml traefik \(traefik 41\.3\.0\): ok/m,
      );
    },
    120_000,
  );

  it("reports an app without helm as not checked, never ok", async () => {
    const results = await checkCharts({
      stackFiles: [DEV_STACK],
      chartsDir: CHARTS_DIR,
      helm: null,
    });
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(["not checked"]));
    expect(results[0].reasons[0]).toMatch(/^no helm/);
    expect(exitCode(results)).toBe(0);
  }, 120_000);
});

describe("check:charts against broken charts", () => {
  let results: ChartCheck[] = [];
  let devResults: ChartCheck[] = [];
  let broken = "";

  beforeAll(async () => {
    if (!helm) return;
    broken = chartsCopy();
    // homepage: the Service the Ingress routes to is gone.
    rmSync(join(broken, "homepage/templates/service.yaml"));
    // zot: the data volume mounted a second time at its own path.
    const zot = join(broken, "zot/templates/deployment.yaml");
    const dataMount = '(dict "name" $claim "mountPath" "/var/lib/registry")';
    const deployment = readFileSync(zot, "utf8");
    if (!deployment.includes(dataMount)) throw new Error("the zot stand-in's data mount moved");
    writeFileSync(zot, deployment.replace(dataMount, `${dataMount} ${dataMount}`));
    // woodpecker: the schema no longer knows a key the recipe sets.
    const schemaFile = join(broken, "woodpecker/values.schema.json");
    const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
    delete schema.properties.agent;
    writeFileSync(schemaFile, JSON.stringify(schema));
    // argo-cd: no chart at all.
    rmSync(join(broken, "argo-cd"), { recursive: true });
    // The home stack sets no hearth:charts.localDir, the dev stack does (charts/).
    results = await checkCharts({ stackFiles: [HOME], chartsDir: broken, helm });
    devResults = await checkCharts({ stackFiles: [DEV_STACK], chartsDir: broken, helm });
  }, 120_000);

  renderIt(`fails a chart that lacks the Service the program routes to${needsHelm}`, () => {
    const r = only(results, "homepage");
    expect(r.status).toBe("fail");
    expect(r.reasons.join("\n")).toMatch(
      /routes to Service homepage, which the chart does not render/,
    );
  });

  renderIt(`fails two mounts at one path${needsHelm}`, () => {
    const r = only(results, "zot");
    expect(r.status).toBe("fail");
    expect(r.reasons.join("\n")).toMatch(/mounts two volumes at \/var\/lib\/registry/);
  });

  renderIt(`fails a values key the chart's schema refuses${needsHelm}`, () => {
    const r = only(results, "woodpecker");
    expect(r.status).toBe("fail");
    expect(r.reasons).toContain(
      "agent is not allowed by values.schema.json (additionalProperties: false)",
    );
  });

  renderIt(`reports a missing chart as not checked, naming where it looked${needsHelm}`, () => {
    const r = only(results, "argocd");
    expect(r.status).toBe("not checked");
    expect(r.reasons[0]).toBe(
      `no chart for argocd (argo-cd 10.1.1) in --charts ${broken}/argo-cd/ or argo-cd-10.1.1.tgz; ` +
        `run npm run charts:mirror -- DIR where the network allows`,
    );
    expect(formatResults(results)).toMatch(
      /^stacks\/examples\/Pulumi\.home\.yaml argocd \(argo-cd 10\.1\.1\): not checked: /m,
    );
  });

  renderIt(`falls back to the stack's hearth:charts.localDir${needsHelm}`, () => {
    const r = only(devResults, "argocd");
    expect({ status: r.status, source: r.source }).toEqual({
      status: "ok",
      source: join(CHARTS_DIR, "argo-cd"),
    });
  });

  renderIt(`passes the charts left intact, and exits 1${needsHelm}`, () => {
    expect(only(results, "traefik").status).toBe("ok");
    expect(only(results, "cert-manager").status).toBe("ok");
    expect(exitCode(results)).toBe(1);
  });
});

describe("the container port check", () => {
  it("fails one port number or name declared twice in a pod", () => {
    const pod = (ports: object[][]) => ({
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        template: {
          spec: { containers: ports.map((p, i) => ({ name: `c${i}`, ports: p })) },
        },
      },
    });
    expect(
      portProblems([pod([[{ name: "http", containerPort: 80 }], [{ containerPort: 81 }]])]),
    ).toEqual([]);
    expect(
      portProblems([
        pod([[{ name: "http", containerPort: 80 }], [{ name: "http", containerPort: 80 }]]),
      ]),
    ).toEqual([
      "Deployment/web declares port 80/TCP twice (containers c0 and c1)",
      'Deployment/web declares port name "http" twice (containers c0 and c1)',
    ]);
  });
});

describe("the Secret check", () => {
  const noProgram = { chartSecrets: [], programSecrets: [], customResources: [] };
  const pod = (spec: object) => ({
    kind: "Deployment",
    metadata: { name: "server" },
    spec: { template: { metadata: { labels: {} }, spec } },
  });

  it("asks only for the Secrets a pod cannot start without", () => {
    // argo-cd 10.1.1 mounts argocd-repo-server-tls with `optional: true` and renders no such Secret.
    const docs = [
      pod({
        volumes: [
          { name: "tls", secret: { secretName: "server-tls", optional: true } },
          { name: "keys", secret: { secretName: "server-keys" } },
        ],
        containers: [
          {
            name: "app",
            env: [
              {
                name: "A",
                valueFrom: { secretKeyRef: { name: "maybe", key: "a", optional: true } },
              },
              { name: "B", valueFrom: { secretKeyRef: { name: "needed", key: "b" } } },
            ],
          },
        ],
      }),
    ];
    expect(secretProblems(docs, noProgram)).toEqual([
      "a pod reads Secret server-keys, which neither the chart nor the program creates",
      "a pod reads Secret needed, which neither the chart nor the program creates",
    ]);
  });

  it("counts a Secret that a pre-install hook may create and names, as argo-cd's redis-secret-init does", () => {
    const reads = pod({
      containers: [
        {
          name: "app",
          env: [{ name: "P", valueFrom: { secretKeyRef: { name: "app-redis", key: "auth" } } }],
        },
      ],
    });
    const role = (annotations: object, verbs: string[]) => ({
      kind: "Role",
      metadata: { name: "init", annotations },
      rules: [
        { apiGroups: [""], resources: ["secrets"], resourceNames: ["app-redis"], verbs: ["get"] },
        { apiGroups: [""], resources: ["secrets"], verbs },
      ],
    });
    const hook = { "helm.sh/hook": "pre-install,pre-upgrade" };
    expect(secretProblems([reads, role(hook, ["create"])], noProgram)).toEqual([]);
    const missing = [
      "a pod reads Secret app-redis, which neither the chart nor the program creates",
    ];
    // Not a hook, or a hook that may not create Secrets: nothing makes it before the pod starts.
    expect(secretProblems([reads, role({}, ["create"])], noProgram)).toEqual(missing);
    expect(secretProblems([reads, role(hook, ["list"])], noProgram)).toEqual(missing);
  });
});

describe("helm's output", () => {
  it("is read whole past Node's 1 MiB default buffer (argo-cd 10.1.1 with CRDs renders 1.9 MB)", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-big-helm-"));
    const fake = join(dir, "helm");
    writeFileSync(fake, "#!/bin/sh\nhead -c 3000000 /dev/zero | tr '\\0' x\n", { mode: 0o755 });
    expect(runHelm(fake, ["template"])).toHaveLength(3_000_000);
  });
});

describe("the values check of a chart without values.schema.json", () => {
  it("knows values.yaml's keys, the templates' .Values reads, and free-form maps", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-values-keys-"));
    mkdirSync(join(dir, "templates"));
    writeFileSync(join(dir, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 1.0.0\n");
    writeFileSync(
      join(dir, "values.yaml"),
      "image:\n  repository: demo\n  tag: ''\npodAnnotations: {}\nservice:\n  port: 80\n",
    );
    writeFileSync(
      join(dir, "templates/deploy.yaml"),
      [
        '{{ .Values.extra.flag }} {{ index .Values "named" "key" }}',
        "{{- range $name, $v := .Values.volumes }}{{ $name }}{{ end }}",
        "env: {{ toYaml .Values.env }}",
        // argo-cd 10.1.1's "argo-cd.config.cm": every key but the two named is rendered into argocd-cm.
        '{{- $config := omit .Values.cm "create" "annotations" }}{{ range $k, $v := $config }}{{ $k }}{{ end }}',
        "{{- $copy := deepCopy .Values.params }}",
      ].join("\n"),
    );
    const problems = valuesProblems(dir, {
      image: { repository: "x", tag: "1", pullPolicy: "Always" },
      podAnnotations: { a: "b" },
      service: { port: 8080, type: "ClusterIP" },
      extra: { flag: true },
      named: { key: 1 },
      volumes: { data: { mountPath: "/data" } },
      env: { A: "1" },
      cm: { "oidc.config": "name: idp" },
      params: { "server.insecure": true },
      global: { anything: 1 },
      unknown: 1,
    });
    expect(problems).toEqual([
      "values key image.pullPolicy is neither in the chart's values.yaml nor read by its templates",
      "values key service.type is neither in the chart's values.yaml nor read by its templates",
      "values key unknown is neither in the chart's values.yaml nor read by its templates",
    ]);
  });
});

describe("the values check through aliases and helpers (the VictoriaMetrics charts' style)", () => {
  // Modelled on victoria-metrics-single-0.45.0: `$app := .Values.server` in each define, extraArgs merged
  // whole, and a library helper taking `.securityContext` whole while naming `.app.http` by key.
  function chart(): string {
    const dir = mkdtempSync(join(tmpdir(), "hearth-values-aliases-"));
    mkdirSync(join(dir, "templates"));
    mkdirSync(join(dir, "charts/common/templates"), { recursive: true });
    writeFileSync(join(dir, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 1.0.0\n");
    writeFileSync(
      join(dir, "values.yaml"),
      "server:\n  podSecurityContext:\n    enabled: true\n  extraArgs:\n    envflag.enable: true\n  http: {}\n",
    );
    writeFileSync(
      join(dir, "charts/common/Chart.yaml"),
      "apiVersion: v2\nname: common\nversion: 0.1.0\ntype: library\n",
    );
    writeFileSync(
      join(dir, "charts/common/templates/_pod.tpl"),
      [
        '{{- define "c.securityContext" -}}',
        '  {{- toYaml (omit .securityContext "enabled") -}}',
        "{{- end -}}",
        '{{- define "c.probe" -}}',
        "  {{- with ((.app).http).port }}{{ . }}{{ end -}}",
        "{{- end -}}",
        '{{- define "c.generic" -}}',
        "  {{- $Values := (.helm).Values | default .Values -}}",
        "  {{- $app := index $Values .appKey -}}{{ toYaml $Values.service }}",
        "{{- end -}}",
      ].join("\n"),
    );
    writeFileSync(
      join(dir, "templates/_helpers.tpl"),
      [
        '{{- define "demo.args" -}}',
        "  {{- $Values := (.helm).Values | default .Values }}",
        "  {{- $app := $Values.server -}}",
        "  {{- $args := dict -}}",
        "  {{- $args = mergeOverwrite $args $app.extraArgs -}}",
        "{{- end -}}",
        '{{- define "demo.other" -}}',
        "  {{- $app := .Values.sidecar -}}{{ $app.image }}",
        "{{- end -}}",
      ].join("\n"),
    );
    writeFileSync(
      join(dir, "templates/server.yaml"),
      [
        "{{- $app := .Values.server }}",
        "{{- if $app.podSecurityContext.enabled }}",
        '{{ include "c.securityContext" (dict "securityContext" $app.podSecurityContext "helm" .) }}',
        "{{- end }}",
        '{{ include "c.probe" (dict "app" $app "type" "readiness") }}',
      ].join("\n"),
    );
    return dir;
  }

  it("reads through $app and helper arguments, and still refuses keys nothing reads", () => {
    expect(
      valuesProblems(chart(), {
        server: {
          podSecurityContext: { runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
          extraArgs: { "promscrape.configCheckInterval": "30s" },
          http: { port: 1 },
          bogus: 1,
        },
        sidecar: { image: "x", tag: "1" },
        service: { type: "ClusterIP" },
      }),
    ).toEqual([
      "values key server.bogus is neither in the chart's values.yaml nor read by its templates",
      "values key sidecar.tag is neither in the chart's values.yaml nor read by its templates",
      // The library's generic helper reads whichever chart's values: it vouches for nothing.
      "values key service.type is neither in the chart's values.yaml nor read by its templates",
    ]);
  });
});

describe("the command line", () => {
  it("reports every app of a stack whose charts are missing as not checked and exits 0", () => {
    const empty = mkdtempSync(join(tmpdir(), "hearth-no-charts-"));
    const out = execFileSync(
      join(ROOT, "node_modules/.bin/ts-node"),
      [
        "--transpile-only",
        "scripts/check-charts.ts",
        "--charts",
        empty,
        "--json",
        "stacks/examples/Pulumi.hetzner.yaml",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    const report = JSON.parse(out) as { results: ChartCheck[]; exitCode: number };
    expect(report.exitCode).toBe(0);
    expect(report.results.map((r) => r.app).sort()).toEqual(
      ["cert-manager", "gitea", "traefik", "woodpecker"].sort(),
    );
    for (const r of report.results) {
      expect(r.status).toBe("not checked");
      expect(r.reasons[0]).toMatch(helm ? /^no chart for / : /^no helm/);
    }
  }, 120_000);
});

describe("charts:mirror", () => {
  it("pulls classic repositories with --repo and OCI registries by reference", () => {
    expect(pullArgs(catalogue.traefik.chart, "/m")).toEqual([
      "pull",
      "traefik",
      "--repo",
      "https://traefik.github.io/charts",
      "--version",
      "41.3.0",
      "-d",
      "/m",
    ]);
    expect(pullArgs(catalogue.woodpecker.chart, "/m")).toEqual([
      "pull",
      "oci://ghcr.io/woodpecker-ci/helm/woodpecker",
      "--version",
      "3.4.2",
      "-d",
      "/m",
    ]);
  });
});
