// Installs the generated CRDs (config/crd/bases) into a test API server and waits until they serve.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdmissionregistrationV1Api, ApiextensionsV1Api, type KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
// Not re-exported by the package's index in 1.4; it maps wire names (x-kubernetes-*) to model names.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { parse } from 'yaml';
import { eventually } from './env.js';

const CRD_DIR = fileURLToPath(new URL('../../../config/crd/bases/', import.meta.url));

export async function installCrds(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const files = readdirSync(CRD_DIR);
  // The client's models name x-kubernetes-* fields in camelCase: read the YAML into the model first.
  for (const file of files) {
    const body = ObjectSerializer.deserialize(parse(readFileSync(join(CRD_DIR, file), 'utf8')), 'V1CustomResourceDefinition', '') as V1CustomResourceDefinition;
    await ext.createCustomResourceDefinition({ body });
  }
  await eventually('CRDs established', async () => {
    const list = await ext.listCustomResourceDefinition();
    return list.items.filter((c) => c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')).length === files.length;
  }, 30_000);
}

/** Points the API server's validating and mutating admission at a webhook server on 127.0.0.1:`port`, for `kinds` (singular, lower case). */
export async function registerWebhooks(kc: KubeConfig, port: number, kinds: string[], caBundle?: string): Promise<void> {
  const hook = (prefix: 'validate' | 'mutate', kind: string) => ({
    name: `${prefix[0]}${kind}.cnpg.io`,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    timeoutSeconds: 10,
    clientConfig: { url: `https://127.0.0.1:${port}/${prefix}-postgresql-cnpg-io-v1-${kind}`, ...(caBundle ? { caBundle } : {}) },
    rules: [{ apiGroups: ['postgresql.cnpg.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: [`${kind}s`] }],
  });
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  await admission.createValidatingWebhookConfiguration({ body: { metadata: { name: 'cnpg-validating-webhook-configuration' }, webhooks: kinds.map((k) => hook('validate', k)) } });
  await admission.createMutatingWebhookConfiguration({ body: { metadata: { name: 'cnpg-mutating-webhook-configuration' }, webhooks: kinds.map((k) => hook('mutate', k)) } });
}

/** A stand-in for the Prometheus operator's CRD: the PodMonitor kind, served, with any content. */
export async function installPodMonitorCrd(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const name = 'podmonitors.monitoring.coreos.com';
  await ext.createCustomResourceDefinition({
    body: {
      metadata: { name },
      spec: {
        group: 'monitoring.coreos.com',
        scope: 'Namespaced',
        names: { plural: 'podmonitors', singular: 'podmonitor', kind: 'PodMonitor', listKind: 'PodMonitorList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
      },
    },
  });
  await eventually('the PodMonitor kind served', async () => ((await ext.readCustomResourceDefinition({ name })).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined), 30_000);
}

const SNAPSHOT_CRD_DIR = fileURLToPath(new URL('../../../test/fixtures/external-snapshotter/', import.meta.url));

/** The external-snapshotter's VolumeSnapshot and VolumeSnapshotClass CRDs (copies in test/fixtures), served. */
export async function installVolumeSnapshotCrds(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const files = readdirSync(SNAPSHOT_CRD_DIR);
  for (const file of files) {
    const body = ObjectSerializer.deserialize(parse(readFileSync(join(SNAPSHOT_CRD_DIR, file), 'utf8')), 'V1CustomResourceDefinition', '') as V1CustomResourceDefinition;
    await ext.createCustomResourceDefinition({ body });
  }
  const names = new Set(files.map((f) => f.replace(/^snapshot\.storage\.k8s\.io_(.*)\.yaml$/, '$1.snapshot.storage.k8s.io')));
  await eventually('VolumeSnapshot CRDs established', async () => {
    const list = await ext.listCustomResourceDefinition();
    return list.items.filter((c) => names.has(c.metadata?.name ?? '') && c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')).length === names.size;
  }, 30_000);
}
