// `kubectl cnpg report operator`: the operator's Deployment (found by its label in any namespace it
// may be seen in, else in -n), its Pods, the events and Secrets/ConfigMaps of its namespace, the
// webhook configurations and their Service, and (-l) its Pods' logs.
import { AdmissionregistrationV1Api, AppsV1Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/meta.js';
import { LABELS } from '../../api/names.js';
import { CliError } from '../client.js';
import type { OperatorReportSource } from '../commands/report-operator.js';
import type { KubeConnection } from './connection.js';
import { podLogs } from './report-source.js';

const OPERATOR = `${LABELS.appName}=cnpg-ts`;

const typed = (apiVersion: string, kind: string, items: unknown[]): KubeObject[] => items.map((o) => ({ apiVersion, kind, ...(o as object) }) as KubeObject);
const listOf = (items: KubeObject[]) => ({ apiVersion: 'v1', kind: 'List', items });

async function operatorDeployment(conn: KubeConnection): Promise<V1Deployment> {
  const apps = conn.kc.makeApiClient(AppsV1Api);
  const everywhere = await apps.listDeploymentForAllNamespaces({ labelSelector: OPERATOR }).catch(() => undefined);
  const found = everywhere?.items[0] ?? (await apps.listNamespacedDeployment({ namespace: conn.namespace, labelSelector: OPERATOR }).catch(() => undefined))?.items[0];
  if (!found) throw new CliError(`error: no operator Deployment (label ${OPERATOR}) found\nHINT: the operator may be installed in a namespace you cannot list everywhere; name it with -n`);
  return found;
}

export function kubeOperatorReportSource(conn: KubeConnection): OperatorReportSource {
  return async (want) => {
    const deployment = await operatorDeployment(conn);
    const namespace = deployment.metadata?.namespace ?? conn.namespace;
    const core = conn.kc.makeApiClient(CoreV1Api);
    const admission = conn.kc.makeApiClient(AdmissionregistrationV1Api);
    const ours = (hooks: Array<{ clientConfig?: { service?: { namespace?: string } } }> | undefined) => (hooks ?? []).some((h) => h.clientConfig?.service?.namespace === namespace);
    const [pods, events, secrets, configMaps, mutating, validating] = await Promise.all([
      conn.operatorPods().then((all) => all.filter((p) => p.metadata?.namespace === namespace)),
      core.listNamespacedEvent({ namespace }).then((l) => typed('v1', 'Event', l.items), () => []),
      core.listNamespacedSecret({ namespace }).then((l) => typed('v1', 'Secret', l.items), () => []),
      core.listNamespacedConfigMap({ namespace }).then((l) => typed('v1', 'ConfigMap', l.items), () => []),
      admission.listMutatingWebhookConfiguration().then((l) => typed('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', l.items.filter((w) => ours(w.webhooks))), () => []),
      admission.listValidatingWebhookConfiguration().then((l) => typed('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', l.items.filter((w) => ours(w.webhooks))), () => []),
    ]);
    const serviceName = ((mutating[0] ?? validating[0]) as { webhooks?: Array<{ clientConfig?: { service?: { name?: string } } }> } | undefined)?.webhooks?.[0]?.clientConfig?.service?.name;
    const service = serviceName ? await core.readNamespacedService({ name: serviceName, namespace }).catch(() => undefined) : undefined;
    return {
      manifests: [
        { name: 'deployment', object: { apiVersion: 'apps/v1', kind: 'Deployment', ...deployment } },
        { name: 'operator-pods', object: listOf(typed('v1', 'Pod', pods)) },
        { name: 'events', object: listOf(events) },
        ...(validating.length ? [{ name: 'validating-webhook-configuration', object: listOf(validating) }] : []),
        ...(mutating.length ? [{ name: 'mutating-webhook-configuration', object: listOf(mutating) }] : []),
        ...(service ? [{ name: 'webhook-service', object: { apiVersion: 'v1', kind: 'Service', ...service } }] : []),
        // ConfigMaps keep their keys only, as Secrets do (report-operator.ts).
        ...(configMaps.length ? [{ name: 'configmaps', object: listOf(configMaps.map(keysOnlyConfigMap)) }] : []),
      ],
      secrets,
      namespaceSecrets: secrets,
      ...(want.logs ? { logs: (await podLogs(conn, pods, want.timestamps)).map((l) => ({ ...l, name: l.name.replace(/\.jsonl$/, '-logs.jsonl') })) } : {}),
    };
  };
}

function keysOnlyConfigMap(cm: KubeObject): KubeObject {
  const { data, binaryData, ...rest } = cm as KubeObject & { data?: Record<string, string>; binaryData?: Record<string, string> };
  const keys = (field?: Record<string, string>) => (field ? Object.fromEntries(Object.keys(field).map((k) => [k, ''])) : undefined);
  return { ...rest, ...(data ? { data: keys(data) } : {}), ...(binaryData ? { binaryData: keys(binaryData) } : {}) } as KubeObject;
}
