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
- name: OIDC_ISSUER
  value: {{ .issuer | quote }}
- name: OIDC_DISPLAY_NAME
  value: {{ .displayName | quote }}
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
