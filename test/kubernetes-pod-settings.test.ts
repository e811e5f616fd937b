// Pod-level fields through a real kube-apiserver with real PostgreSQL (stand-in kubelet): the API
// server accepts the Pods the builder makes, inheritedMetadata reaches every object the operator
// creates, a grown storage.size expands the PVCs under running Pods, and a Pod-level change rolls
// the instances, the standby first and the primary last, without a failover.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, StorageV1Api, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { installCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import type { ClusterStatus } from '../src/api/cluster-status.js';
import { KubeletStandIn } from './support/kubelet.js';
import { TestOperator, createCluster, readCluster } from './support/operator.js';

let cp: ControlPlane;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
let operator: TestOperator;

const core = () => kc.makeApiClient(CoreV1Api);
const clusterStatus = async (): Promise<ClusterStatus> => (await readCluster(kc, 'pg')).status ?? {};

async function healthy(what: string, check: (s: ClusterStatus) => Promise<boolean> | boolean = () => true): Promise<ClusterStatus> {
  return eventually(what, async () => {
    const s = await clusterStatus();
    return s.phase === 'Cluster in healthy state' && s.readyInstances === 2 && (await check(s)) ? s : undefined;
  }, 300_000, 500).catch(async (e: Error) => {
    const s = await clusterStatus().catch(() => ({}));
    throw new Error(`${e.message}\nstatus: ${JSON.stringify(s)}\nkubelet: ${kubelet.lastError ?? 'no error'}\noperator:\n${operator.output(4000)}`);
  });
}

const pod = (name: string): Promise<V1Pod> => core().readNamespacedPod({ name, namespace: 'default' });

async function patchCluster(spec: Record<string, unknown>): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    { group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'clusters', name: 'pg', body: { spec } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  await core().createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  // Expansion is allowed only for claims of a class that says so (the PersistentVolumeClaimResize admission).
  await kc.makeApiClient(StorageV1Api).createStorageClass({ body: { metadata: { name: 'expandable' }, provisioner: 'example.com/none', allowVolumeExpansion: true } });
  kubelet = new KubeletStandIn(kc, mkdtempSync(join(tmpdir(), 'cnpg-kubelet-')));
  kubelet.start();
  operator = new TestOperator(cp);
});

after(async () => {
  operator?.kill();
  await kubelet?.stop();
  await cp?.stop();
});

test('inheritedMetadata, PVC expansion in use, and a rolling update on a Pod-level change', { timeout: 900_000 }, async () => {
  await createCluster(kc, 'pg', {
    instances: 2,
    storage: { size: '1Gi', storageClass: 'expandable' },
    inheritedMetadata: { labels: { team: 'db' }, annotations: { 'example.com/owner': 'data' } },
    affinity: { podAntiAffinityType: 'preferred', topologyKey: 'kubernetes.io/hostname' },
    ephemeralVolumesSizeLimit: { shm: '64Mi', temporaryData: '256Mi' },
    env: [{ name: 'TZ', value: 'UTC' }],
  });
  await healthy('a healthy cluster of 2');

  const objects = [
    ...(await core().listNamespacedPod({ namespace: 'default', labelSelector: 'cnpg.io/cluster=pg' })).items.map((o) => ['Pod', o.metadata] as const),
    ...(await core().listNamespacedPersistentVolumeClaim({ namespace: 'default', labelSelector: 'cnpg.io/cluster=pg' })).items.map((o) => ['PVC', o.metadata] as const),
    ...(await core().listNamespacedService({ namespace: 'default', labelSelector: 'cnpg.io/cluster=pg' })).items.map((o) => ['Service', o.metadata] as const),
    ...(await core().listNamespacedSecret({ namespace: 'default', labelSelector: 'cnpg.io/cluster=pg' })).items.map((o) => ['Secret', o.metadata] as const),
  ];
  assert.deepEqual(new Set(objects.map(([kind]) => kind)), new Set(['Pod', 'PVC', 'Service', 'Secret']));
  for (const [kind, meta] of objects) {
    assert.equal(meta?.labels?.team, 'db', `${kind}/${meta?.name} inherits the labels`);
    assert.equal(meta?.annotations?.['example.com/owner'], 'data', `${kind}/${meta?.name} inherits the annotations`);
  }
  for (const name of ['pg-app', 'pg-ca', 'pg-server', 'pg-replication']) assert.ok(objects.some(([kind, m]) => kind === 'Secret' && m?.name === name), name);
  const first = await pod('pg-1');
  assert.equal(first.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.weight, 100);
  assert.equal(first.spec?.volumes?.find((v) => v.name === 'shm')?.emptyDir?.sizeLimit, '64Mi');
  assert.equal(first.spec?.containers[0]?.startupProbe?.failureThreshold, 360);

  // A real PV controller would bind the claims; only a bound claim may grow.
  for (const name of ['pg-1', 'pg-2']) {
    const pvc = await core().readNamespacedPersistentVolumeClaim({ name, namespace: 'default' });
    await core().replaceNamespacedPersistentVolumeClaimStatus({ name, namespace: 'default', body: { ...pvc, status: { phase: 'Bound', capacity: { storage: '1Gi' } } } });
  }
  const uids = { 'pg-1': first.metadata?.uid, 'pg-2': (await pod('pg-2')).metadata?.uid };
  await patchCluster({ storage: { size: '2Gi', storageClass: 'expandable' } });
  await eventually('both PVCs asking for 2Gi', async () => {
    const sizes = await Promise.all(['pg-1', 'pg-2'].map(async (name) => (await core().readNamespacedPersistentVolumeClaim({ name, namespace: 'default' })).spec?.resources?.requests?.storage));
    return sizes.every((s) => s === '2Gi');
  }, 60_000, 500);
  for (const [name, uid] of Object.entries(uids)) assert.equal((await pod(name)).metadata?.uid, uid, `${name} keeps running while its volume grows`);

  await patchCluster({ env: [{ name: 'TZ', value: 'Europe/Rome' }] });
  const rolled = await healthy('both instances recreated with the new env', async () => {
    const pods = await Promise.all(['pg-1', 'pg-2'].map(pod));
    return pods.every((p, i) => p.metadata?.uid !== Object.values(uids)[i] && p.spec?.containers[0]?.env?.some((e) => e.name === 'TZ' && e.value === 'Europe/Rome'));
  });
  assert.equal(rolled.currentPrimary, 'pg-1', 'the primary was recreated in place, not failed over');
  const [primary, standby] = await Promise.all(['pg-1', 'pg-2'].map(pod));
  assert.ok(new Date(standby!.metadata!.creationTimestamp!) < new Date(primary!.metadata!.creationTimestamp!), 'the standby first, the primary last');
  const events = (await core().listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=pg' })).items.map((e) => `${e.reason}: ${e.message}`);
  assert.ok(!events.some((e) => e.startsWith('FailingOver')), events.join('\n'));
  assert.ok(events.some((e) => e.startsWith('RollingUpdate')), events.join('\n'));
});
