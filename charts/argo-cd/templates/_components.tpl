{{/* The stand-in's components: name (suffix of the full name), image, port, probe. */}}
{{- define "argo-cd.components" -}}
{{- $v := .Values -}}
{{- $image := printf "%s:%s" $v.global.image.repository ($v.global.image.tag | default .Chart.AppVersion) -}}
{{- $list := list
  (dict "key" "server" "image" $image "port" 8080 "probe" (dict "httpGet" (dict "path" "/healthz" "port" "http")))
  (dict "key" "repoServer" "image" $image "port" 8081 "probe" (dict "tcpSocket" (dict "port" "http")))
  (dict "key" "controller" "image" $image "port" 8082 "probe" (dict "httpGet" (dict "path" "/healthz" "port" "http"))) -}}
{{- if $v.redis.enabled -}}
{{- $list = append $list (dict "key" "redis" "image" (printf "%s:%s" $v.redis.image.repository $v.redis.image.tag) "port" 6379 "probe" (dict "tcpSocket" (dict "port" "http"))) -}}
{{- end -}}
{{- if $v.dex.enabled -}}
{{- $list = append $list (dict "key" "dex" "image" (printf "%s:%s" $v.dex.image.repository $v.dex.image.tag) "port" 5556 "probe" (dict "httpGet" (dict "path" "/healthz/ready" "port" "http"))) -}}
{{- end -}}
{{- toJson $list -}}
{{- end -}}
