// spec.walStorage and spec.tablespaces through a real kube-apiserver: the operator makes each
// instance's data, WAL and tablespace claims with CloudNativePG's names and labels, mounts them in
// the Pod, and hands the manager a spec placing WAL and tablespaces on them; the webhook refuses a
// reserved tablespace name with its field path; a change of inheritedMetadata reaches every claim.
// No kubelet runs here: the Pods are only objects.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { installCrds, registerWebhooks } from './support/crds.js';
import { eventually } from './support/env.js';
import { freePort } from './support/s3.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { TestOperator, createCluster } from './support/operator.js';
import type { InstanceSpec } from '../src/instance/spec.js';

let cp: ControlPlane;
let kc: KubeConfig;
let operator: TestOperator;
const core = () => kc.makeApiClient(CoreV1Api);

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  await core().createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  const port = await freePort();
  await registerWebhooks(kc, port, ['cluster']);
  operator = new TestOperator(cp, { WEBHOOK_PORT: String(port), WEBHOOK_HOST: '127.0.0.1' });
  // The API server calls the webhook for every Cluster: nothing is created before it serves.
  await eventually('the webhook serving', () => listening(port), 60_000, 200).catch((e: Error) => {
    throw new Error(`${e.message}\noperator:\n${operator.output(4000)}`);
  });
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

after(async () => {
  operator?.kill();
  await cp?.stop();
});

const spec = {
  // The first instance never runs without a kubelet, so no second one is made.
  instances: 1,
  storage: { size: '1Gi' },
  walStorage: { size: '2Gi' },
  tablespaces: [
    { name: 'data_tbs', storage: { size: '3Gi' }, owner: { name: 'app' } },
    { name: 'tmp_tbs', temporary: true, storage: { size: '1Gi' } },
  ],
};

function summary(pvc: V1PersistentVolumeClaim) {
  const l = pvc.metadata?.labels ?? {};
  return [pvc.metadata?.name, l['cnpg.io/instanceName'], l['cnpg.io/pvcRole'], l['cnpg.io/tablespaceName'], pvc.spec?.resources?.requests?.storage];
}

test('an instance gets data, WAL and tablespace claims named and labelled as CloudNativePG names them', { timeout: 180_000 }, async () => {
  await createCluster(kc, 'pg', spec);
  const claims = await eventually('the instance’s claims', async () => {
    const items = (await core().listNamespacedPersistentVolumeClaim({ namespace: 'default', labelSelector: 'cnpg.io/cluster=pg' })).items;
    return items.length === 4 ? items : undefined;
  }, 120_000, 500).catch((e: Error) => {
    throw new Error(`${e.message}\noperator:\n${operator.output(4000)}`);
  });
  assert.deepEqual(claims.map(summary).sort((a, b) => String(a[0]).localeCompare(String(b[0]))), [
    ['pg-1', 'pg-1', 'PG_DATA', undefined, '1Gi'],
    ['pg-1-tbs-data-tbs', 'pg-1', 'PG_TABLESPACE', 'data_tbs', '3Gi'],
    ['pg-1-tbs-tmp-tbs', 'pg-1', 'PG_TABLESPACE', 'tmp_tbs', '1Gi'],
    ['pg-1-wal', 'pg-1', 'PG_WAL', undefined, '2Gi'],
  ]);
  for (const c of claims) assert.equal(c.metadata?.ownerReferences?.[0]?.kind, 'Cluster', `${c.metadata?.name} is owned by the Cluster`);
});

test('the Pod mounts them, and the manager is told WAL and tablespaces live there', async () => {
  const pod = await core().readNamespacedPod({ name: 'pg-1', namespace: 'default' });
  const mounts = pod.spec?.containers.find((c) => c.name === 'postgres')?.volumeMounts ?? [];
  const byName = Object.fromEntries((pod.spec?.volumes ?? []).map((v) => [v.name, v.persistentVolumeClaim?.claimName]));
  assert.deepEqual(
    mounts.filter((m) => /^(pg-wal|tbs-)/.test(m.name)).map((m) => [m.mountPath, byName[m.name]]),
    [
      ['/var/lib/postgresql/wal', 'pg-1-wal'],
      ['/var/lib/postgresql/tablespaces/data_tbs', 'pg-1-tbs-data-tbs'],
      ['/var/lib/postgresql/tablespaces/tmp_tbs', 'pg-1-tbs-tmp-tbs'],
    ],
  );
  const secret = await core().readNamespacedSecret({ name: 'pg-1-manager', namespace: 'default' });
  const instance = JSON.parse(Buffer.from(secret.data?.['instance.json'] ?? '', 'base64').toString()) as InstanceSpec;
  assert.deepEqual(instance.storage, {
    walDirectory: '/var/lib/postgresql/wal/pg_wal',
    tablespaces: [
      { name: 'data_tbs', owner: 'app', temporary: false, directory: '/var/lib/postgresql/tablespaces/data_tbs/data', location: '/var/lib/postgresql/tablespaces/data_tbs/data' },
      { name: 'tmp_tbs', owner: 'app', temporary: true, directory: '/var/lib/postgresql/tablespaces/tmp_tbs/data', location: '/var/lib/postgresql/tablespaces/tmp_tbs/data' },
    ],
  });
  assert.equal(instance.parameters['temp_tablespaces'], 'tmp_tbs');
});

test('the webhook refuses a tablespace name PostgreSQL reserves, naming the field', async () => {
  const message = await createCluster(kc, 'bad', { instances: 1, storage: { size: '1Gi' }, tablespaces: [{ name: 'pg_mine', storage: { size: '1Gi' } }] }).then(
    () => assert.fail('the API server accepted a tablespace named pg_mine'),
    (e: unknown) => String((e as { body?: unknown }).body ?? (e as Error).message),
  );
  assert.match(message, /spec\.tablespaces\[0\]\.name: tablespace name \\*"pg_mine\\*" is reserved/);
});

test('a change of inheritedMetadata reaches the WAL and tablespace claims too', async () => {
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    { group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'clusters', name: 'pg', body: { spec: { inheritedMetadata: { labels: { team: 'db' }, annotations: { 'example.com/owner': 'ops' } } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await eventually('every claim labelled and annotated', async () => {
    const items = (await core().listNamespacedPersistentVolumeClaim({ namespace: 'default', labelSelector: 'cnpg.io/cluster=pg' })).items;
    return items.length === 4 && items.every((c) => c.metadata?.labels?.team === 'db' && c.metadata.annotations?.['example.com/owner'] === 'ops');
  }, 60_000, 500).catch((e: Error) => {
    throw new Error(`${e.message}\noperator:\n${operator.output(4000)}`);
  });
});
