{{/* A component's name: its fullnameOverride, else "<release>-<component>" as upstream's sub-charts do. */}}
{{- define "woodpecker.componentName" -}}
{{- $root := index . 0 -}}
{{- $key := index . 1 -}}
{{- $c := index $root.Values $key -}}
{{- if $c.fullnameOverride -}}
{{- $c.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default $key $c.nameOverride -}}
{{- if contains $name $root.Release.Name -}}
{{- $root.Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" $root.Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Upstream's generated agent Secret. */}}
{{- define "woodpecker.defaultAgentSecret" -}}woodpecker-default-agent-secret{{- end -}}

{{/* A map of environment variables as a container env list, every value a string. */}}
{{- define "woodpecker.env" -}}
{{- $env := list -}}
{{- range $k, $v := . -}}
{{- $env = append $env (dict "name" $k "value" (toString $v)) -}}
{{- end -}}
{{- toJson $env -}}
{{- end -}}

{{/* envFrom entries for a list of Secret names. */}}
{{- define "woodpecker.envFrom" -}}
{{- $from := list -}}
{{- range . -}}
{{- $from = append $from (dict "secretRef" (dict "name" .)) -}}
{{- end -}}
{{- toJson $from -}}
{{- end -}}
