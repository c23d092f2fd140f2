{{- define "emailworker.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "emailworker.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "emailworker.labels" -}}
{{ include "emailworker.selector" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "emailworker.image" -}}
{{- $image := printf "%s/%s" .Values.image.registry .Values.image.repository -}}
{{- if and .Values.image.digest (not (regexMatch "^sha256:[0-9a-f]{64}$" .Values.image.digest)) -}}
{{- fail (printf "image.digest is %q: use sha256: and 64 lower-case hex digits, or leave it empty for image.tag" .Values.image.digest) -}}
{{- end -}}
{{- if .Values.image.digest -}}{{ printf "%s@%s" $image .Values.image.digest }}{{- else -}}{{ printf "%s:%s" $image .Values.image.tag }}{{- end -}}
{{- end -}}

{{- define "emailworker.sqlite" -}}
{{- if eq .Values.deadLetters.store "sqlite" -}}true{{- else if eq .Values.deadLetters.store "postgres" -}}{{- else -}}{{ fail (printf "deadLetters.store is %q: use postgres or sqlite" .Values.deadLetters.store) }}{{- end -}}
{{- end -}}

{{/* The memory limit from what the worker can hold: its base plus prefetch × the largest body, twice (bytes and decoded). */}}
{{- define "emailworker.workerMemoryLimit" -}}
{{- $bodies := div (mul .Values.delivery.prefetchCount .Values.delivery.maxMessageBytes .Values.worker.bodyFactor) 1048576 -}}
{{- printf "%dMi" (add .Values.worker.baseMemoryMiB $bodies) -}}
{{- end -}}

{{- define "emailworker.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.existingSecret }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/* Everything a container that talks to the broker needs: the ConfigMap, the broker user, the store's secret. */}}
{{- define "emailworker.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "emailworker.fullname" .root }}
env:
  {{- include "emailworker.secretEnv" (dict "root" .root "name" "EMAILWORKER__RABBITMQ__USERNAME" "key" (index .root.Values.secretKeys (printf "%sUsername" .user))) | nindent 2 }}
  {{- include "emailworker.secretEnv" (dict "root" .root "name" "EMAILWORKER__RABBITMQ__PASSWORD" "key" (index .root.Values.secretKeys (printf "%sPassword" .user))) | nindent 2 }}
  {{- if not (include "emailworker.sqlite" .root) }}
  {{- include "emailworker.secretEnv" (dict "root" .root "name" "EMAILWORKER__DEADLETTERS__CONNECTIONSTRING" "key" .root.Values.secretKeys.postgresConnectionString) | nindent 2 }}
  {{- end }}
  {{- if eq .user "worker" }}
  {{- include "emailworker.secretEnv" (dict "root" .root "name" "EMAILWORKER__SMTP__USERNAME" "key" .root.Values.secretKeys.smtpUsername "optional" true) | nindent 2 }}
  {{- include "emailworker.secretEnv" (dict "root" .root "name" "EMAILWORKER__SMTP__PASSWORD" "key" .root.Values.secretKeys.smtpPassword "optional" true) | nindent 2 }}
  {{- end }}
  {{- range $name, $value := .extra }}
  - name: {{ $name }}
    value: {{ $value | quote }}
  {{- end }}
{{- end -}}

{{- define "emailworker.brokerCaVolume" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 16Mi
{{- if .Values.broker.tls.enabled }}
- name: broker-ca
  secret:
    secretName: {{ .Values.broker.tls.caSecret }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- end -}}

{{- define "emailworker.brokerCaMount" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.broker.tls.enabled }}
- name: broker-ca
  mountPath: /etc/emailworker/tls
  readOnly: true
{{- end }}
{{- end -}}

{{/* live = the process is up (the listener answers); ready = consuming the work queue (docs/monitoring.md). */}}
{{- define "emailworker.probes" -}}
startupProbe:
  httpGet:
    path: /healthz/live
    port: metrics
  periodSeconds: 2
  failureThreshold: 30
livenessProbe:
  httpGet:
    path: /healthz/live
    port: metrics
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /healthz/ready
    port: metrics
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{/* The dashboard container; takes (dict "root" $ "metricsUrl" URL). */}}
{{- define "emailworker.dashboardContainer" -}}
{{- $r := .root -}}
{{- $extra := dict "EMAILWORKER__DASHBOARD__URLS" "http://[::]:9470" "EMAILWORKER__DASHBOARD__METRICSURL" .metricsUrl "EMAILWORKER__DEADLETTERS__INGEST" "false" -}}
{{- with $r.Values.dashboard.knownProxies -}}
{{- range . -}}
{{- if not (regexMatch "^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$" (toString .)) -}}
{{- fail (printf "dashboard.knownProxies has %q: use IP addresses or networks, e.g. [10.244.0.0/16]" (toString .)) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $extra "EMAILWORKER__DASHBOARD__KNOWNPROXIES" (join ";" .) -}}
{{- end -}}
- name: dashboard
  image: {{ include "emailworker.image" $r }}
  imagePullPolicy: {{ $r.Values.image.pullPolicy }}
  args: ["dashboard", "--config", "/etc/emailworker/dashboard/users.json"]
  {{- include "emailworker.env" (dict "root" $r "user" "operator" "extra" $extra) | nindent 2 }}
  ports:
    - name: dashboard
      containerPort: 9470
  readinessProbe:
    tcpSocket:
      port: dashboard
    periodSeconds: 10
  livenessProbe:
    tcpSocket:
      port: dashboard
    periodSeconds: 20
  resources:
    {{- toYaml $r.Values.dashboard.resources | nindent 4 }}
  securityContext:
    {{- toYaml $r.Values.containerSecurityContext | nindent 4 }}
  volumeMounts:
    {{- include "emailworker.brokerCaMount" $r | nindent 4 }}
    - name: dashboard-users
      mountPath: /etc/emailworker/dashboard
      readOnly: true
    {{- if include "emailworker.sqlite" $r }}
    - name: store
      mountPath: /var/lib/emailworker
    {{- end }}
{{- end -}}

{{- define "emailworker.dashboardUsersVolume" -}}
- name: dashboard-users
  secret:
    secretName: {{ .Values.existingSecret }}
    items:
      - key: {{ .Values.secretKeys.dashboardUsers }}
        path: users.json
{{- end -}}
