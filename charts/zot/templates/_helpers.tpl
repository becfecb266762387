{{/*
Hearth stand-in helpers. Names follow Helm's usual fullname rule: fullnameOverride, else the release
name when it already contains the chart name, else "<release>-<chart>".
*/}}
{{- define "zot.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Selector labels of one component: (list $ "component"). */}}
{{- define "zot.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Every object's labels: (list $ "component"). */}}
{{- define "zot.labels" -}}
{{ include "zot.selectorLabels" . }}
{{- $root := index . 0 }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" }}
hearth.dev/stand-in: "true"
{{- end -}}

{{/*
One Deployment of a stand-in component: a single container that kwok reports Running and Ready.
dict: root, name, component, image, podSecurityContext, securityContext, resources, ports (list of
name/containerPort), readinessProbe, and optional replicas, strategy, args, env, envFrom, volumeMounts,
volumes, podAnnotations, and claims (list of name/size: a StatefulSet with those volumeClaimTemplates, as
upstream charts do for data volumes; the sandbox's kwok volume stages bind them).
*/}}
{{- define "zot.deployment" -}}
{{- $root := .root -}}
apiVersion: apps/v1
kind: {{ if .claims }}StatefulSet{{ else }}Deployment{{ end }}
metadata:
  name: {{ .name }}
  labels:
    {{- include "zot.labels" (list $root .component) | nindent 4 }}
spec:
  replicas: {{ .replicas | default 1 }}
  {{- if .claims }}
  serviceName: {{ .name }}
  volumeClaimTemplates:
    {{- range .claims }}
    - metadata:
        name: {{ .name }}
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: {{ .size }}
    {{- end }}
  {{- end }}
  {{- with (and (not .claims) .strategy) }}
  strategy:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "zot.selectorLabels" (list $root .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "zot.selectorLabels" (list $root .component) | nindent 8 }}
      {{- with .podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      automountServiceAccountToken: false
      {{- with .serviceAccountName }}
      serviceAccountName: {{ . }}
      {{- end }}
      securityContext:
        {{- toYaml .podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: {{ .image | quote }}
          {{- with .args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .env }}
          env:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .envFrom }}
          envFrom:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            {{- range .ports }}
            - name: {{ .name }}
              containerPort: {{ .containerPort }}
              protocol: TCP
            {{- end }}
          readinessProbe:
            {{- toYaml .readinessProbe | nindent 12 }}
          resources:
            {{- toYaml .resources | nindent 12 }}
          securityContext:
            {{- toYaml .securityContext | nindent 12 }}
          {{- with .volumeMounts }}
          volumeMounts:
            {{- toYaml . | nindent 12 }}
          {{- end }}
      {{- with .volumes }}
      volumes:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
