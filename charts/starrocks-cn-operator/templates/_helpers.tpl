{{/* The release's full name: names every object, so two releases never collide on cluster-scoped objects. */}}
{{- define "starrocks-cn-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "starrocks-cn-operator.serviceAccountName" -}}
{{- default (include "starrocks-cn-operator.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "starrocks-cn-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion (toString .Values.image.tag)) -}}
{{- end -}}

{{/* Labels of every object; the selector labels also pick the manager's pods. */}}
{{- define "starrocks-cn-operator.selectorLabels" -}}
app.kubernetes.io/name: starrocks-cn-operator
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end -}}

{{- define "starrocks-cn-operator.labels" -}}
{{ include "starrocks-cn-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The Secret with the custom metrics API's serving certificate: the user's, or the one the chart generates. */}}
{{- define "starrocks-cn-operator.customMetricsSecret" -}}
{{- default (printf "%s-custom-metrics-tls" (include "starrocks-cn-operator.fullname" .)) .Values.customMetrics.tlsSecret -}}
{{- end -}}
