{{/* Names and labels shared by every template. */}}
{{- define "mcp-auth-server.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mcp-auth-server.fullname" -}}
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

{{- define "mcp-auth-server.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "mcp-auth-server.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "mcp-auth-server.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mcp-auth-server.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of the migration Job's pod: deliberately NOT the Deployment's selector labels, so the
     Service, the PodDisruptionBudget and the HPA never count it. */}}
{{- define "mcp-auth-server.migrateSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-migrate" (include "mcp-auth-server.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: migrate
{{- end -}}

{{/* The host of config.publicUrl (what the ingress must serve). */}}
{{- define "mcp-auth-server.publicHost" -}}
{{- regexReplaceAll ":[0-9]+$" (urlParse .Values.config.publicUrl).host "" -}}
{{- end -}}

{{- define "mcp-auth-server.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mcp-auth-server.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "mcp-auth-server.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The non-secret environment of every container of the app (the ConfigMap's data, and the migration
     Job's env). Values files are read as float64 by Helm, so every number goes through int64: `quote`
     alone would render 2592000 as "2.592e+06", which the app refuses. */}}
{{- define "mcp-auth-server.configDataChartOnly" -}}
{{- $c := .Values.config -}}
NODE_ENV: production
PORT: "3000"
PUBLIC_URL: {{ $c.publicUrl | quote }}
TRUST_PROXY: {{ $c.trustProxy | quote }}
LOG_LEVEL: {{ $c.logLevel | quote }}
ACCESS_TOKEN_TTL: {{ $c.accessTokenTtl | int64 | quote }}
REFRESH_TOKEN_TTL: {{ $c.refreshTokenTtl | int64 | quote }}
REFRESH_TOKEN_REUSE_GRACE: {{ $c.refreshTokenReuseGrace | int64 | quote }}
LOGIN_SESSION_TTL: {{ $c.loginSessionTtl | int64 | quote }}
DATABASE_POOL_SIZE: {{ $c.databasePoolSize | int64 | quote }}
DCR_CLIENT_TTL_DAYS: {{ $c.dcrClientTtlDays | int64 | quote }}
AUDIT_RETENTION_DAYS: {{ $c.auditRetentionDays | int64 | quote }}
RATE_LIMIT_REGISTER_PER_HOUR: {{ $c.rateLimits.registerPerHour | int64 | quote }}
RATE_LIMIT_AUTHORIZE_PER_MINUTE: {{ $c.rateLimits.authorizePerMinute | int64 | quote }}
RATE_LIMIT_TOKEN_PER_MINUTE: {{ $c.rateLimits.tokenPerMinute | int64 | quote }}
PRODUCT_NAME: {{ $c.productName | quote }}
SHUTDOWN_TIMEOUT: {{ .Values.shutdown.drainSeconds | int64 | quote }}
MIGRATE_ON_START: "false"
{{- if $c.allowedEmailDomains }}
ALLOWED_EMAIL_DOMAINS: {{ $c.allowedEmailDomains | quote }}
{{- end }}
{{- if $c.adminEmails }}
ADMIN_EMAILS: {{ $c.adminEmails | quote }}
{{- end }}
{{- if $c.githubAllowedOrgs }}
GITHUB_ALLOWED_ORGS: {{ $c.githubAllowedOrgs | quote }}
{{- end }}
{{- if $c.cimdAllowedHosts }}
CIMD_ALLOWED_HOSTS: {{ $c.cimdAllowedHosts | quote }}
{{- end }}
{{- if $c.productLogoUrl }}
PRODUCT_LOGO_URL: {{ $c.productLogoUrl | quote }}
{{- end }}
{{- if $c.primaryColor }}
PRIMARY_COLOR: {{ $c.primaryColor | quote }}
{{- end }}
{{- if $c.supportUrl }}
SUPPORT_URL: {{ $c.supportUrl | quote }}
{{- end }}
{{- if $c.mcpAllowedOrigins }}
MCP_ALLOWED_ORIGINS: {{ $c.mcpAllowedOrigins | quote }}
{{- end }}
{{- if .Values.metrics.enabled }}
METRICS_PORT: {{ .Values.metrics.port | int64 | quote }}
{{- end }}
{{- with .Values.secrets.oidc }}
{{- if .existingSecret }}
OIDC_ISSUER: {{ .issuer | quote }}
OIDC_DISPLAY_NAME: {{ .displayName | quote }}
{{- if .scopes }}
OIDC_SCOPES: {{ .scopes | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "mcp-auth-server.configData" -}}
{{ include "mcp-auth-server.configDataChartOnly" . }}
{{- range $name, $value := .Values.config.extraEnv }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Render-time checks that the values schema cannot express. Included by the ConfigMap. */}}
{{- define "mcp-auth-server.validate" -}}
{{- $chartKeys := include "mcp-auth-server.configDataChartOnly" . | fromYaml -}}
{{- $secretKeys := list "DATABASE_URL" "SESSION_SECRET" "SESSION_SECRET_PREVIOUS" "GITHUB_CLIENT_ID" "GITHUB_CLIENT_SECRET" "GOOGLE_CLIENT_ID" "GOOGLE_CLIENT_SECRET" "OIDC_CLIENT_ID" "OIDC_CLIENT_SECRET" "OIDC_ISSUER" "OIDC_DISPLAY_NAME" "OIDC_SCOPES" -}}
{{- range $name, $value := .Values.config.extraEnv }}
{{- if or (hasKey $chartKeys $name) (has $name $secretKeys) }}
{{- fail (printf "config.extraEnv.%s: the chart sets %s itself; set it through its own value (config.*, secrets.*, metrics.*, shutdown.*) instead of extraEnv" $name $name) }}
{{- end }}
{{- end }}
{{- if .Values.ingress.enabled }}
{{- $publicHost := include "mcp-auth-server.publicHost" . }}
{{- if and .Values.ingress.host (ne .Values.ingress.host $publicHost) }}
{{- fail (printf "ingress.host %q differs from the host of config.publicUrl (%q): clients and the issuer would disagree; set ingress.host to %q or leave it empty" .Values.ingress.host $publicHost $publicHost) }}
{{- end }}
{{- end }}
{{- if not (or .Values.secrets.github.existingSecret .Values.secrets.google.existingSecret .Values.secrets.oidc.existingSecret) }}
{{- fail "no sign-in provider: set secrets.github.existingSecret, secrets.google.existingSecret or secrets.oidc.existingSecret (the development login is refused in production, so nobody could sign in)" }}
{{- end }}
{{- if and .Values.secrets.oidc.existingSecret (not .Values.secrets.oidc.issuer) }}
{{- fail "secrets.oidc.issuer is required with secrets.oidc.existingSecret (the https issuer URL of your identity provider)" }}
{{- end }}
{{- end -}}

{{/* Environment every container of the app needs: secrets by reference only. */}}
{{- define "mcp-auth-server.secretEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.database.existingSecret | quote }}
      key: {{ .Values.secrets.database.key | quote }}
- name: SESSION_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.session.existingSecret | quote }}
      key: {{ .Values.secrets.session.key | quote }}
{{- if .Values.secrets.session.previousKey }}
- name: SESSION_SECRET_PREVIOUS
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.session.existingSecret | quote }}
      key: {{ .Values.secrets.session.previousKey | quote }}
{{- end }}
{{- with .Values.secrets.github }}
{{- if .existingSecret }}
- name: GITHUB_CLIENT_ID
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret | quote }}
      key: {{ .clientIdKey | quote }}
- name: GITHUB_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret | quote }}
      key: {{ .clientSecretKey | quote }}
{{- end }}
{{- end }}
{{- with .Values.secrets.google }}
{{- if .existingSecret }}
- name: GOOGLE_CLIENT_ID
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret | quote }}
      key: {{ .clientIdKey | quote }}
- name: GOOGLE_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret | quote }}
      key: {{ .clientSecretKey | quote }}
{{- end }}
{{- end }}
{{- with .Values.secrets.oidc }}
{{- if .existingSecret }}
- name: OIDC_CLIENT_ID
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret | quote }}
      key: {{ .clientIdKey | quote }}
- name: OIDC_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret | quote }}
      key: {{ .clientSecretKey | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Names of the existing Secrets the pods read. */}}
{{- define "mcp-auth-server.secretNames" -}}
{{- $names := list .Values.secrets.database.existingSecret .Values.secrets.session.existingSecret -}}
{{- range $p := list .Values.secrets.github .Values.secrets.google .Values.secrets.oidc -}}
{{- if $p.existingSecret }}{{- $names = append $names $p.existingSecret -}}{{- end -}}
{{- end -}}
{{- $names | uniq | sortAlpha | join "," -}}
{{- end -}}

{{/* Fingerprint of the referenced Secrets' current versions (uid + resourceVersion, never their data),
     read from the cluster at install/upgrade time: `helm upgrade` after a Secret changed rolls the pods.
     Empty under `helm template` or --dry-run, where nothing can be looked up. */}}
{{- define "mcp-auth-server.secretsVersion" -}}
{{- $ns := .Release.Namespace -}}
{{- $versions := list -}}
{{- range $name := splitList "," (include "mcp-auth-server.secretNames" .) -}}
{{- $secret := lookup "v1" "Secret" $ns $name -}}
{{- if $secret }}{{- $versions = append $versions (printf "%s:%s:%s" $name $secret.metadata.uid $secret.metadata.resourceVersion) -}}{{- end -}}
{{- end -}}
{{- $versions | join "," | sha256sum -}}
{{- end -}}
