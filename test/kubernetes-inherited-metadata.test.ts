// A change of spec.inheritedMetadata on a running Cluster, through a real kube-apiserver with real
// PostgreSQL (stand-in kubelet): the objects the operator made before the change follow it on the
// next reconcile, as in CloudNativePG: the Pod in place (no restart), its PVC, the Services, the
// credential and certificate Secrets, the PodDisruptionBudget and the ServiceAccount. What a user
// put on them (a PVC, the X-app Secret) stays, and so does an entry no longer inherited (CloudNativePG removes none either).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { eventually } from './support/env.js';
import { startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';
import type { KubeletStandIn } from './support/kubelet.js';
import { createCluster, readCluster, type TestOperator } from './support/operator.js';

let k: KubeOperatorEnv;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
let operator: TestOperator;

const core = () => kc.makeApiClient(CoreV1Api);

before(async () => {
  k = await startKubeOperatorEnv();
  ({ kc, kubelet, operator } = k);
});

after(async () => {
  await k?.stop();
});

const failure = (e: Error) => new Error(`${e.message}\nkubelet: ${kubelet.lastError ?? 'no error'}\noperator:\n${operator.output(4000)}`);

/** The objects the operator made for Cluster pg, by kind/name. */
const OBJECTS: [apiVersion: string, kind: string, name: string][] = [
  ['v1', 'Pod', 'pg-1'],
  ['v1', 'PersistentVolumeClaim', 'pg-1'],
  ['v1', 'Service', 'pg-rw'],
  ['v1', 'Service', 'pg-ro'],
  ['v1', 'Service', 'pg-r'],
  ['v1', 'Secret', 'pg-ca'],
  ['v1', 'Secret', 'pg-server'],
  ['v1', 'Secret', 'pg-app'],
  ['v1', 'Secret', 'pg-replication'],
  ['v1', 'Secret', 'pg-1-manager'],
  ['v1', 'ServiceAccount', 'pg'],
  ['policy/v1', 'PodDisruptionBudget', 'pg-primary'],
];

async function metadataOf(apiVersion: string, kind: string, name: string) {
  const obj = await KubernetesObjectApi.makeApiClient(kc).read({ apiVersion, kind, metadata: { name, namespace: 'default' } });
  return { labels: obj.metadata?.labels ?? {}, annotations: obj.metadata?.annotations ?? {}, uid: obj.metadata?.uid };
}

/** Every object lacking what `wanted` says, as `Kind/name: key`; empty once all follow. */
async function lagging(wanted: { labels: Record<string, string>; annotations: Record<string, string> }): Promise<string[]> {
  const out: string[] = [];
  for (const [apiVersion, kind, name] of OBJECTS) {
    const m = await metadataOf(apiVersion, kind, name);
    for (const [k, v] of Object.entries(wanted.labels)) if (m.labels[k] !== v) out.push(`${kind}/${name}: label ${k}=${m.labels[k]}`);
    for (const [k, v] of Object.entries(wanted.annotations)) if (m.annotations[k] !== v) out.push(`${kind}/${name}: annotation ${k}=${m.annotations[k]}`);
  }
  return out;
}

test('a change of inheritedMetadata reaches the objects the Cluster made before it', { timeout: 600_000 }, async () => {
  const first = { labels: { team: 'db', retired: 'soon' }, annotations: { 'example.com/owner': 'data' } };
  await createCluster(kc, 'pg', { instances: 1, storage: { size: '1Gi' }, inheritedMetadata: first });
  await eventually('a healthy cluster of 1', async () => {
    const s = (await readCluster(kc, 'pg')).status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 1;
  }, 300_000, 500).catch((e: Error) => {
    throw failure(e);
  });
  assert.deepEqual(await lagging(first), [], 'made with the first inheritedMetadata');

  // What a user puts on an object is theirs.
  await core().patchNamespacedPersistentVolumeClaim({ name: 'pg-1', namespace: 'default', body: { metadata: { labels: { mine: 'kept' }, annotations: { 'example.com/mine': 'kept' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await core().patchNamespacedSecret({ name: 'pg-app', namespace: 'default', body: { metadata: { labels: { mine: 'kept' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  const podUid = (await metadataOf('v1', 'Pod', 'pg-1')).uid;

  const second = { labels: { team: 'platform', tier: 'gold' }, annotations: { 'example.com/owner': 'ops', 'example.com/cost-center': '42' } };
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    { group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'clusters', name: 'pg', body: { spec: { inheritedMetadata: { labels: { ...second.labels, retired: null }, annotations: second.annotations } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  let last: string[] = [];
  await eventually('every object following the new inheritedMetadata', async () => {
    last = await lagging(second);
    return last.length === 0;
  }, 60_000, 500).catch((e: Error) => {
    throw failure(new Error(`${e.message}\nstill lagging:\n${last.join('\n')}`));
  });

  const pvc = await metadataOf('v1', 'PersistentVolumeClaim', 'pg-1');
  assert.equal(pvc.labels.mine, 'kept');
  assert.equal(pvc.annotations['example.com/mine'], 'kept');
  assert.equal(pvc.labels.retired, 'soon', 'an entry no longer inherited is left, as CloudNativePG leaves it');
  assert.equal(pvc.labels['cnpg.io/pvcRole'], 'PG_DATA');
  // The credential Secrets merge like the rest: an inherited change is no drift to put back.
  const app = await metadataOf('v1', 'Secret', 'pg-app');
  assert.equal(app.labels.mine, 'kept', JSON.stringify(app.labels));
  assert.equal(app.labels.retired, 'soon');
  const events = await core().listNamespacedEvent({ namespace: 'default' });
  assert.deepEqual(events.items.filter((e) => e.reason === 'SecretReconciled').map((e) => e.message), []);
  const pod = await metadataOf('v1', 'Pod', 'pg-1');
  assert.equal(pod.uid, podUid, 'the Pod is updated in place, not recreated');
  assert.equal(pod.labels['cnpg.io/instanceRole'], 'primary');
});
