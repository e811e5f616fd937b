{{/* Labels on every object. Names are fixed on purpose (see values.yaml). */}}
{{- define "cnpg-ts.labels" -}}
app.kubernetes.io/name: cnpg-ts
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "cnpg-ts.selectorLabels" -}}
app.kubernetes.io/name: cnpg-ts
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cnpg-ts.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "cnpg-ts.operandImage" -}}
{{ .Values.operandImage.repository }}:{{ .Values.operandImage.tag | default (printf "%v-%s" .Values.operandImage.pgMajor .Chart.AppVersion) }}
{{- end }}

{{/* watchNamespace as a JSON list of trimmed, non-empty names. */}}
{{- define "cnpg-ts.watchNamespaces" -}}
{{- $out := list -}}
{{- range (splitList "," (.Values.watchNamespace | default "")) -}}
{{- $n := trim . -}}
{{- if $n }}{{ $out = append $out $n }}{{ end -}}
{{- end -}}
{{- $out | uniq | toJson -}}
{{- end }}

{{/*
RBAC rules for namespaced objects (ClusterRole when cluster-wide, one Role per watched namespace
otherwise). Keep in sync with config/rbac/cluster_role.yaml (test/packaging.test.ts compares them).
*/}}
{{- define "cnpg-ts.namespacedRules" -}}
- apiGroups: [""]
  resources: [pods, persistentvolumeclaims, services, secrets, configmaps, serviceaccounts]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [monitoring.coreos.com]
  resources: [podmonitors]
  verbs: [get, create, update, patch, delete]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch, list]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [postgresql.cnpg.io]
  resources: [clusters, backups, scheduledbackups, poolers, databases, imagecatalogs, publications, subscriptions]
  verbs: [get, list, watch, update, patch]
- apiGroups: [postgresql.cnpg.io]
  resources: [backups]
  verbs: [create]
- apiGroups: [postgresql.cnpg.io]
  resources: [clusters/status, backups/status, scheduledbackups/status, poolers/status, databases/status, publications/status, subscriptions/status]
  verbs: [get, update, patch]
- apiGroups: [postgresql.cnpg.io]
  resources: [clusters/finalizers, backups/finalizers, scheduledbackups/finalizers, poolers/finalizers, databases/finalizers, publications/finalizers, subscriptions/finalizers]
  verbs: [update, patch]
- apiGroups: [barmancloud.cnpg.io]
  resources: [objectstores]
  verbs: [get, list, watch]
- apiGroups: [barmancloud.cnpg.io]
  resources: [objectstores/status]
  verbs: [get, update, patch]
- apiGroups: [snapshot.storage.k8s.io]
  resources: [volumesnapshots]
  verbs: [get, list, watch, create, delete, patch]
{{- end }}

{{/* RBAC rules that are cluster-scoped whatever watchNamespace says. */}}
{{- define "cnpg-ts.clusterRules" -}}
- apiGroups: [postgresql.cnpg.io]
  resources: [clusterimagecatalogs]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list, watch]
- apiGroups: [snapshot.storage.k8s.io]
  resources: [volumesnapshotclasses]
  verbs: [get, list]
- apiGroups: [apiextensions.k8s.io]
  resources: [customresourcedefinitions]
  verbs: [get, list, watch]
- apiGroups: [admissionregistration.k8s.io]
  resources: [validatingwebhookconfigurations]
  resourceNames: [cnpg-validating-webhook-configuration]
  verbs: [get, update, patch]
- apiGroups: [admissionregistration.k8s.io]
  resources: [mutatingwebhookconfigurations]
  resourceNames: [cnpg-mutating-webhook-configuration]
  verbs: [get, update, patch]
{{- end }}
