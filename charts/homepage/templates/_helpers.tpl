{{/*
Hearth stand-in helpers. Names as upstream jameswynn/homepage 2.1.0 names them (read at tag
homepage-2.1.0, templates/common.yaml, and bjw-s common 1.5.1, templates/lib/chart/_names.tpl):
common.yaml sets global.nameOverride to the release name unless it is set, so the fullname is
fullnameOverride, else global.fullnameOverride, else the release name (or "<release>-<global.nameOverride>"
when that name is not part of the release name).
*/}}
{{- define "homepage.fullname" -}}
{{- $global := .Values.global | default dict -}}
{{- $name := $global.nameOverride | default .Release.Name -}}
{{- if or .Values.fullnameOverride $global.fullnameOverride -}}
{{- .Values.fullnameOverride | default $global.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The config files upstream's ConfigMap always carries and mounts under /app/config. */}}
{{- define "homepage.configFiles" -}}
bookmarks docker kubernetes services settings widgets
{{- end -}}

{{/* Selector labels of one component: (list $ "component"). */}}
{{- define "homepage.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Every object's labels: (list $ "component"). */}}
{{- define "homepage.labels" -}}
{{ include "homepage.selectorLabels" . }}
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
volumes, podAnnotations.
*/}}
{{- define "homepage.deployment" -}}
{{- $root := .root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  labels:
    {{- include "homepage.labels" (list $root .component) | nindent 4 }}
spec:
  replicas: {{ .replicas | default 1 }}
  {{- with .strategy }}
  strategy:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "homepage.selectorLabels" (list $root .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "homepage.selectorLabels" (list $root .component) | nindent 8 }}
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
