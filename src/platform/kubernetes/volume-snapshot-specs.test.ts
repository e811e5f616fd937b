import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCluster, validateObject, type Cluster } from '../../api/index.js';
import { snapshotElements, type SnapshotTake } from '../../operator/snapshot-types.js';
import { instancePvc } from './specs.js';
import { claimFromSnapshot, cutAnnotations, largerSize, sealAnnotations, snapshotClassFor, snapshotMetadata, snapshotState, volumeSnapshotObject } from './volume-snapshot-specs.js';

function cluster(spec: Record<string, unknown> = {}): Cluster {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'data', uid: 'cluster-uid' }, spec: { instances: 3, storage: { size: '1Gi' }, ...spec } }, 'kubernetes');
  assert.ok(isCluster(resource));
  return resource;
}

const withSnapshots = cluster({
  walStorage: { size: '2Gi' },
  tablespaces: [{ name: 'idx', storage: { size: '3Gi' } }],
  backup: {
    volumeSnapshot: {
      className: 'csi-snap',
      tablespaceClassName: { idx: 'csi-slow' },
      labels: { team: 'db' },
      annotations: { 'example.com/why': 'nightly' },
      snapshotOwnerReference: 'backup',
    },
  },
});
const elements = snapshotElements('b1', true, ['idx']);
const taking: SnapshotTake = { backupName: 'b1', online: true, owner: { policy: 'backup', backupUid: 'backup-uid', clusterUid: 'cluster-uid' } };
const now = new Date('2026-12-06T10:00:00Z');

test('the class: className for the data; the WAL and each tablespace default to it unless named', () => {
  const config = withSnapshots.spec.backup?.volumeSnapshot;
  assert.deepEqual(elements.map((e) => snapshotClassFor(config, e)), ['csi-snap', 'csi-snap', 'csi-slow']);
  assert.equal(snapshotClassFor({ ...config!, walClassName: 'csi-wal' }, elements[1]!), 'csi-wal');
  assert.equal(snapshotClassFor(undefined, elements[0]!), undefined);
});

test('one VolumeSnapshot per claim, named and labelled as CloudNativePG does, the instance and role moved to annotations', () => {
  const claim = instancePvc(withSnapshots, 'pg-2', 2, 'PG_TABLESPACE', 'idx');
  const vs = volumeSnapshotObject(withSnapshots, { instance: 'pg-2', element: elements[2]!, claim, taking, major: 16, now });
  assert.equal(vs.apiVersion, 'snapshot.storage.k8s.io/v1');
  assert.equal(vs.kind, 'VolumeSnapshot');
  assert.equal(vs.metadata.name, 'b1-tbs-idx');
  assert.equal(vs.metadata.namespace, 'data');
  assert.deepEqual(vs.spec, { source: { persistentVolumeClaimName: 'pg-2-tbs-idx' }, volumeSnapshotClassName: 'csi-slow' });
  assert.deepEqual(vs.metadata.labels, {
    'cnpg.io/cluster': 'pg',
    'cnpg.io/tablespaceName': 'idx',
    team: 'db',
    'cnpg.io/backupName': 'b1',
    'cnpg.io/backupDate': '20261206',
    'cnpg.io/backupMonth': '202612',
    'cnpg.io/backupYear': '2026',
    'app.kubernetes.io/name': 'postgresql',
    'app.kubernetes.io/instance': 'pg',
    'app.kubernetes.io/component': 'database',
    'app.kubernetes.io/managed-by': 'cloudnative-pg',
    'cnpg.io/majorVersion': '16',
    'app.kubernetes.io/version': '16',
  });
  assert.deepEqual(vs.metadata.annotations, {
    'cnpg.io/nodeSerial': '2',
    'example.com/why': 'nightly',
    'cnpg.io/instanceName': 'pg-2',
    'cnpg.io/pvcRole': 'PG_TABLESPACE',
    'cnpg.io/onlineBackup': 'true',
    'cnpg.io/clusterManifest': JSON.stringify(withSnapshots),
  });
  assert.deepEqual(vs.metadata.ownerReferences, [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', name: 'b1', uid: 'backup-uid', controller: true }]);
});

test('snapshotOwnerReference: cluster owns through the Cluster, none leaves the snapshot unowned', () => {
  const claim = instancePvc(withSnapshots, 'pg-2', 2, 'PG_DATA');
  const byCluster = volumeSnapshotObject(withSnapshots, { instance: 'pg-2', element: elements[0]!, claim, taking: { ...taking, owner: { policy: 'cluster', clusterUid: 'cluster-uid' } }, now });
  assert.deepEqual(byCluster.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]), [['Cluster', 'pg', 'cluster-uid']]);
  const unowned = volumeSnapshotObject(withSnapshots, { instance: 'pg-2', element: elements[0]!, claim, taking: { ...taking, online: false, owner: { policy: 'none' } }, now });
  assert.equal(unowned.metadata.ownerReferences, undefined);
  assert.equal(unowned.metadata.annotations?.['cnpg.io/onlineBackup'], 'false');
  assert.equal(unowned.metadata.labels?.['cnpg.io/majorVersion'], undefined);
});

test('sealed: the backup label and tablespace map in base64, read back as they were written', () => {
  const label = 'START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nBACKUP FROM: standby\n';
  const annotations = sealAnnotations({ cluster: 'pg', backup: 'b1', instance: 'pg-2', online: true, elements, backupLabel: label, tablespaceMap: '16385 /var/lib/postgresql/tablespaces/idx/data\n', beginLSN: '0/2000028', endLSN: '0/2000100', beginWal: '000000010000000000000002', endWal: '000000010000000000000002', takenAt: '2026-12-06T10:01:00.123Z', startedAt: '2026-12-06T10:00:00.456Z', owner: { policy: 'none' } });
  assert.deepEqual([annotations['cnpg.io/backupStartTime'], annotations['cnpg.io/backupEndTime']], ['2026-12-06T10:00:00Z', '2026-12-06T10:01:00Z'], 'RFC 3339 in whole seconds, as CloudNativePG writes them');
  assert.equal(annotations['cnpg.io/backupLabelFile'], Buffer.from(label).toString('base64'));
  const claim = instancePvc(withSnapshots, 'pg-2', 2, 'PG_DATA');
  const vs = volumeSnapshotObject(withSnapshots, { instance: 'pg-2', element: elements[0]!, claim, taking, now });
  vs.metadata.annotations = { ...vs.metadata.annotations, ...annotations };
  const read = snapshotMetadata(vs);
  assert.equal(read?.backupLabel, label);
  assert.equal(read?.tablespaceMap, '16385 /var/lib/postgresql/tablespaces/idx/data\n');
  assert.deepEqual([read?.cluster, read?.backup, read?.instance, read?.online, read?.beginLSN, read?.endWal], ['pg', 'b1', 'pg-2', true, '0/2000028', '000000010000000000000002']);
  assert.deepEqual(read?.owner, { policy: 'backup', backupUid: 'backup-uid' });
  assert.equal(snapshotMetadata({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'mine' } }), undefined);
});

test('state: cut once bound with a creation time, ready with readyToUse, the driver’s error as its message', () => {
  const vs = (status: unknown) => ({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'b1' }, status });
  assert.deepEqual(snapshotState(vs(undefined)), { cut: false, ready: false });
  assert.deepEqual(snapshotState(vs({ boundVolumeSnapshotContentName: 'c', readyToUse: true })), { cut: false, ready: false });
  assert.deepEqual(snapshotState(vs({ boundVolumeSnapshotContentName: 'c', creationTime: '2026-12-06T10:00:00Z', readyToUse: false, restoreSize: '1Gi' })), { cut: true, ready: false, restoreSize: '1Gi' });
  assert.deepEqual(snapshotState(vs({ boundVolumeSnapshotContentName: 'c', creationTime: '2026-12-06T10:00:00Z', readyToUse: true })), { cut: true, ready: true });
  assert.deepEqual(snapshotState(vs({ error: { message: 'no such class' } })), { error: 'no such class', cut: false, ready: false });
});

test('a claim from a snapshot: its dataSource, and the larger of the Cluster’s size and the restoreSize', () => {
  const claim = instancePvc(withSnapshots, 'pg-1', 1, 'PG_DATA');
  const bigger = claimFromSnapshot(claim, 'b1', '1536Mi');
  assert.deepEqual((bigger.spec as Record<string, unknown>).dataSource, { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'b1' });
  assert.deepEqual((bigger.spec as Record<string, unknown>).resources, { requests: { storage: '1536Mi' } });
  assert.deepEqual((claimFromSnapshot(claim, 'b1', '512Mi').spec as Record<string, unknown>).resources, { requests: { storage: '1Gi' } });
  assert.deepEqual((claimFromSnapshot(claim, 'b1', undefined).spec as Record<string, unknown>).resources, { requests: { storage: '1Gi' } });
  assert.equal(bigger.metadata.name, 'pg-1');
  assert.equal(largerSize(undefined, '2Gi'), '2Gi');
  assert.equal(largerSize('2Gi', '2147483648'), '2Gi');
});

test('CloudNativePG’s annotations at the cut: pg_controldata with the timeline label and the redo WAL, the Cluster manifest; the cut times once cut', () => {
  const controlData = "Latest checkpoint's TimeLineID:       3\nLatest checkpoint's REDO location:    0/7000028\nLatest checkpoint's REDO WAL file:    000000030000000000000007\n";
  const claim = instancePvc(withSnapshots, 'pg-2', 2, 'PG_DATA');
  const vs = volumeSnapshotObject(withSnapshots, { instance: 'pg-2', element: elements[0]!, claim, taking: { ...taking, controlData }, now });
  assert.equal(vs.metadata.annotations?.['cnpg.io/pgControldata'], controlData);
  assert.equal(vs.metadata.labels?.['cnpg.io/backupTimeline'], '3');
  assert.equal(vs.metadata.annotations?.['cnpg.io/backupStartWAL'], '000000030000000000000007');
  assert.equal(vs.metadata.annotations?.['cnpg.io/backupEndWAL'], '000000030000000000000007');
  assert.equal((JSON.parse(vs.metadata.annotations?.['cnpg.io/clusterManifest'] ?? '{}') as Cluster).metadata.name, 'pg');
  const without = volumeSnapshotObject(withSnapshots, { instance: 'pg-2', element: elements[0]!, claim, taking, now });
  assert.equal(without.metadata.annotations?.['cnpg.io/pgControldata'], undefined);
  assert.equal(without.metadata.labels?.['cnpg.io/backupTimeline'], undefined);

  const cut = { ...vs, status: { boundVolumeSnapshotContentName: 'c', creationTime: '2026-12-06T10:00:01.5Z' } };
  assert.deepEqual(cutAnnotations(cut, new Date('2026-12-06T10:00:03.9Z')), { 'cnpg.io/snapshotStartTime': '2026-12-06T10:00:01Z', 'cnpg.io/snapshotEndTime': '2026-12-06T10:00:03Z' });
  assert.equal(cutAnnotations({ ...cut, metadata: { ...cut.metadata, annotations: { 'cnpg.io/snapshotEndTime': 'x' } } }, now), undefined);
});
