import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCluster, validateObject, type Cluster } from '../../api/index.js';
import { instancePod, instancePvc } from './specs.js';
import { instanceClaims, podStorage } from './storage-specs.js';

function cluster(spec: Record<string, unknown> = {}): Cluster {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'data', uid: 'u-1' }, spec: { instances: 3, storage: { size: '1Gi' }, ...spec } }, 'kubernetes');
  assert.ok(isCluster(resource));
  return resource;
}

const withStorage = cluster({
  walStorage: { size: '2Gi', storageClass: 'fast' },
  tablespaces: [
    { name: 'tmp_tbs', temporary: true, storage: { size: '3Gi' } },
    { name: 'Idx$1', storage: { size: '4Gi' } },
  ],
});

test('claims: data, WAL and one per tablespace, with CloudNativePG’s names, roles and tablespace labels', () => {
  const claims = instanceClaims(withStorage).map(({ role, tablespace }) => instancePvc(withStorage, 'pg-2', 2, role, tablespace));
  const summary = claims.map((c) => ({
    name: c.metadata.name,
    labels: c.metadata.labels,
    size: (c.spec as { resources?: { requests?: { storage?: string } } }).resources?.requests?.storage,
    storageClassName: (c.spec as { storageClassName?: string }).storageClassName,
  }));
  const labels = (role: string, extra: Record<string, string> = {}) => ({ 'cnpg.io/cluster': 'pg', 'cnpg.io/instanceName': 'pg-2', 'cnpg.io/pvcRole': role, ...extra });
  assert.deepEqual(summary, [
    { name: 'pg-2', labels: labels('PG_DATA'), size: '1Gi', storageClassName: undefined },
    { name: 'pg-2-wal', labels: labels('PG_WAL'), size: '2Gi', storageClassName: 'fast' },
    { name: 'pg-2-tbs-idx-1', labels: labels('PG_TABLESPACE', { 'cnpg.io/tablespaceName': 'idx-1' }), size: '4Gi', storageClassName: undefined },
    { name: 'pg-2-tbs-tmp-tbs', labels: labels('PG_TABLESPACE', { 'cnpg.io/tablespaceName': 'tmp_tbs' }), size: '3Gi', storageClassName: undefined },
  ]);
  assert.deepEqual(instanceClaims(cluster()), [{ role: 'PG_DATA' }]);
});

test('the Pod mounts the WAL claim and each tablespace claim where CloudNativePG does', () => {
  const pod = instancePod(withStorage, { instance: 'pg-2', serial: 2, image: 'i:15', operatorImage: 'o:1', role: 'replica', configHash: '', credentialsHash: '' });
  const spec = pod.spec as { containers: { name: string; volumeMounts: { name: string; mountPath: string }[] }[]; volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] };
  const mounts = spec.containers.find((c) => c.name === 'postgres')!.volumeMounts;
  assert.deepEqual(
    mounts.filter((m) => m.mountPath.startsWith('/var/lib/postgresql/')),
    [
      { name: 'pgdata', mountPath: '/var/lib/postgresql/data' },
      { name: 'pg-wal', mountPath: '/var/lib/postgresql/wal' },
      { name: 'tbs-idx-1', mountPath: '/var/lib/postgresql/tablespaces/Idx$1' },
      { name: 'tbs-tmp-tbs', mountPath: '/var/lib/postgresql/tablespaces/tmp_tbs' },
    ],
  );
  const claims = spec.volumes.flatMap((v) => (v.persistentVolumeClaim ? [[v.name, v.persistentVolumeClaim.claimName]] : []));
  assert.deepEqual(claims, [['pgdata', 'pg-2'], ['pg-wal', 'pg-2-wal'], ['tbs-idx-1', 'pg-2-tbs-idx-1'], ['tbs-tmp-tbs', 'pg-2-tbs-tmp-tbs']]);
});

test('in a Pod, WAL is pg_wal on the WAL volume and a tablespace’s location is its volume’s data folder', () => {
  assert.deepEqual(podStorage({ wal: true, tablespaces: [{ name: 'idx', owner: 'app', temporary: false }] }), {
    walDirectory: '/var/lib/postgresql/wal/pg_wal',
    tablespaces: [{ name: 'idx', owner: 'app', temporary: false, directory: '/var/lib/postgresql/tablespaces/idx/data', location: '/var/lib/postgresql/tablespaces/idx/data' }],
  });
  assert.equal(podStorage(undefined), undefined);
});
