/** The values keys a chart would ignore, on charts written here (no helm needed). */
import { mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { valuesProblems } from "./values-keys";

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
