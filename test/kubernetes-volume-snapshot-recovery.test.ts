// Volume snapshots of every volume of an instance, and recoveries from them, on a real
// kube-apiserver with real PostgreSQL run by the stand-in kubelet; the test plays the snapshot
// controller (support/snapshot-controller.ts), and a real S3 server holds the WAL archive. A Cluster
// with walStorage and a tablespace takes a snapshot Backup of its standby (the default target):
// one VolumeSnapshot per volume, with CloudNativePG's annotations. New Clusters are made from the three: one from the snapshots alone
// (the rows at the backup), one replaying the archive to a time after it (the rows up to then).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { installVolumeSnapshotCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { createHealthyCluster, podPsql, startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';
import { startS3Server, type S3Server } from './support/s3.js';
import { SnapshotControllerStandIn } from './support/snapshot-controller.js';

let env: KubeOperatorEnv;
let s3: S3Server;
let snapshots: SnapshotControllerStandIn;
const copies = mkdtempSync(join(tmpdir(), 'cnpg-kube-snapshot-recovery-'));
const BACKUPS = { group: 'postgresql.cnpg.io', version: 'v1', plural: 'backups', namespace: 'default' } as const;
const VOLUME_SNAPSHOTS = { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots', namespace: 'default' } as const;
const tablespaces = [{ name: 'facts_space', storage: { size: '1Gi' } }];
const storage = { size: '1Gi' };
const walStorage = { size: '1Gi' };

const store = () => ({
  destinationPath: 's3://snaps/origin',
  endpointURL: s3.endpoint,
  s3Credentials: { accessKeyId: { name: 's3-creds', key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: 's3-creds', key: 'SECRET_ACCESS_KEY' } },
  wal: { compression: 'gzip' },
});

interface VolumeSnapshot {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { source: { persistentVolumeClaimName: string } };
}

const psql = (pod: string, query: string) => podPsql(env, pod, query, 'app');
const api = () => env.kc.makeApiClient(CustomObjectsApi);

function diagnostics(pod?: string): string {
  return `snapshot stand-in: ${snapshots?.lastError ?? 'no error'}\nkubelet: ${env.kubelet.lastError ?? 'no error'}\noperator:\n${env.operator.output(4000)}${pod ? `\n${pod}:\n${env.kubelet.logs.get(pod)?.slice(-4000) ?? ''}` : ''}`;
}

let snapshotTaken = false;
let targetTime = '';

before(async () => {
  s3 = await startS3Server();
  await s3.createBucket('snaps');
  env = await startKubeOperatorEnv();
  await env.kc.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: 'default',
    body: { metadata: { name: 's3-creds' }, stringData: { ACCESS_KEY_ID: s3.accessKeyId, SECRET_ACCESS_KEY: s3.secretAccessKey } },
  });
  await installVolumeSnapshotCrds(env.kc);
  snapshots = new SnapshotControllerStandIn(env.kc, env.kubeletDir, copies);
  env.kubelet.provisioner = snapshots.provision;
  snapshots.start();
});

after(async () => {
  snapshots?.stop();
  await env?.stop();
  await s3?.stop();
  rmSync(copies, { recursive: true, force: true });
});

test('a snapshot Backup of a Cluster with walStorage and a tablespace: one VolumeSnapshot per volume, with CloudNativePG’s annotations', { timeout: 400_000 }, async () => {
  await createHealthyCluster(env, 'origin', { instances: 2, storage, walStorage, tablespaces, backup: { barmanObjectStore: store(), volumeSnapshot: { className: 'standin' } } });
  await eventually('the tablespace created', async () => (await psql('origin-1', "SELECT count(*) FROM pg_tablespace WHERE spcname = 'facts_space'")) === '1', 60_000, 1000);
  await psql('origin-1', 'CREATE TABLE facts (n int PRIMARY KEY) TABLESPACE facts_space; INSERT INTO facts SELECT generate_series(1, 100)');
  await eventually('the standby has the rows', async () => (await psql('origin-2', 'SELECT count(*) FROM facts').catch(() => '')) === '100', 60_000, 500);

  await api().createNamespacedCustomObject({ ...BACKUPS, body: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: { name: 'snap' }, spec: { cluster: { name: 'origin' }, method: 'volumeSnapshot' } } });
  const phases = new Set<string>();
  const status = await eventually('Backup snap done', async () => {
    const s = ((await api().getNamespacedCustomObject({ ...BACKUPS, name: 'snap' })) as { status?: { phase?: string; error?: string; startedAt?: string; stoppedAt?: string; snapshotBackupStatus?: { elements: { name: string; type: string; tablespaceName?: string }[] } } }).status;
    if (s?.phase) phases.add(s.phase);
    return (s?.phase === 'completed' || s?.phase === 'failed') && s;
  }, 240_000, 50).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${diagnostics('origin-2')}`)));
  assert.equal(status.phase, 'completed', `${status.error}\n${diagnostics('origin-2')}`);
  snapshotTaken = true;
  assert.deepEqual(status.snapshotBackupStatus?.elements, [
    { name: 'snap', type: 'PG_DATA' },
    { name: 'snap-wal', type: 'PG_WAL' },
    { name: 'snap-tbs-facts-space', type: 'PG_TABLESPACE', tablespaceName: 'facts_space' },
  ]);
  // The stand-in makes a cut snapshot ready at once, so `finalizing` may be too short to be seen by polling; it is in the unit tests.
  assert.ok(!phases.has('failed'));

  const claims = { snap: ['origin-2', 'PG_DATA'], 'snap-wal': ['origin-2-wal', 'PG_WAL'], 'snap-tbs-facts-space': ['origin-2-tbs-facts-space', 'PG_TABLESPACE'] } as const;
  for (const [name, [claim, role]] of Object.entries(claims)) {
    const vs = (await api().getNamespacedCustomObject({ ...VOLUME_SNAPSHOTS, name })) as VolumeSnapshot;
    const a = vs.metadata.annotations ?? {};
    const l = vs.metadata.labels ?? {};
    assert.equal(vs.spec.source.persistentVolumeClaimName, claim, name);
    assert.equal(a['cnpg.io/pvcRole'], role, name);
    assert.equal(l['cnpg.io/backupName'], 'snap', name);
    assert.equal(l['cnpg.io/cluster'], 'origin', name);
    assert.match(l['cnpg.io/backupTimeline'] ?? '', /^\d+$/, `${name}: cnpg.io/backupTimeline`);
    assert.match(l['cnpg.io/majorVersion'] ?? '', /^\d+$/, `${name}: cnpg.io/majorVersion`);
    assert.match(a['cnpg.io/pgControldata'] ?? '', /Latest checkpoint's REDO WAL file: +[0-9A-F]{24}/, `${name}: cnpg.io/pgControldata`);
    assert.equal((JSON.parse(a['cnpg.io/clusterManifest'] ?? '{}') as { metadata?: { name?: string } }).metadata?.name, 'origin', `${name}: cnpg.io/clusterManifest`);
    for (const key of ['cnpg.io/snapshotStartTime', 'cnpg.io/snapshotEndTime', 'cnpg.io/backupStartTime', 'cnpg.io/backupEndTime']) {
      assert.match(a[key] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, `${name}: ${key}`);
    }
    assert.match(a['cnpg.io/backupStartWAL'] ?? '', /^[0-9A-F]{24}$/, name);
    assert.match(a['cnpg.io/backupEndWAL'] ?? '', /^[0-9A-F]{24}$/, name);
    assert.equal(a['cnpg.io/onlineBackup'], 'true', name);
    assert.match(Buffer.from(a['cnpg.io/backupLabelFile'] ?? '', 'base64').toString(), /BACKUP FROM: standby/, name);
    assert.match(Buffer.from(a['cnpg.io/backupTablespaceMapFile'] ?? '', 'base64').toString(), /^\d+ \S+/, name);
  }

  // Rows after the snapshot: 101..200 before the target time, 201..300 after it, all archived.
  await psql('origin-1', 'INSERT INTO facts SELECT generate_series(101, 200)');
  await sleep(1500);
  targetTime = await psql('origin-1', "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
  await sleep(1500);
  await psql('origin-1', 'INSERT INTO facts SELECT generate_series(201, 300)');
  const wal = await psql('origin-1', 'SELECT pg_walfile_name(pg_current_wal_lsn())');
  await psql('origin-1', 'SELECT pg_switch_wal()');
  await eventually(`WAL ${wal} archived`, async () => (await psql('origin-1', "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")) >= wal, 60_000, 500);
});

const fromSnapshots = { storage: { name: 'snap', kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' }, walStorage: { name: 'snap-wal', kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' }, tablespaceStorage: { facts_space: { name: 'snap-tbs-facts-space', kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' } } };

test('a Cluster recovered from the three VolumeSnapshots alone has the rows of the backup, on claims made from them', { timeout: 400_000 }, async (t) => {
  if (!snapshotTaken) return t.skip('no snapshot Backup');
  await createHealthyCluster(env, 'plain', { instances: 1, storage, walStorage, tablespaces, bootstrap: { recovery: { volumeSnapshots: fromSnapshots } } }).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${diagnostics('plain-1')}`)));
  const core = env.kc.makeApiClient(CoreV1Api);
  for (const [claim, source] of [['plain-1', 'snap'], ['plain-1-wal', 'snap-wal'], ['plain-1-tbs-facts-space', 'snap-tbs-facts-space']]) {
    const pvc = await core.readNamespacedPersistentVolumeClaim({ name: claim!, namespace: 'default' });
    assert.equal(pvc.spec?.dataSource?.name, source, claim);
  }
  assert.equal(await psql('plain-1', 'SELECT count(*) FROM facts'), '100');
  assert.match(await psql('plain-1', "SELECT pg_relation_filepath('facts')"), /^pg_tblspc\//);
});

test('a Cluster recovered from the snapshots and the archive to a time after them has the rows up to that time and none after', { timeout: 400_000 }, async (t) => {
  if (!snapshotTaken) return t.skip('no snapshot Backup');
  await createHealthyCluster(env, 'pitr', {
    instances: 1,
    storage,
    walStorage,
    tablespaces,
    bootstrap: { recovery: { volumeSnapshots: fromSnapshots, source: 'origin', recoveryTarget: { targetTime } } },
    externalClusters: [{ name: 'origin', barmanObjectStore: store() }],
  }).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${diagnostics('pitr-1')}`)));
  assert.equal(await psql('pitr-1', 'SELECT count(*) FROM facts'), '200', `recovered to ${targetTime}`);
  assert.equal(await psql('pitr-1', 'SELECT max(n) FROM facts'), '200');
});

test('a WAL snapshot named as the data (or data and WAL of different backups) is refused, saying which', { timeout: 120_000 }, async (t) => {
  if (!snapshotTaken) return t.skip('no snapshot Backup');
  await api().createNamespacedCustomObject({
    group: 'postgresql.cnpg.io',
    version: 'v1',
    namespace: 'default',
    plural: 'clusters',
    body: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'mixed' }, spec: { instances: 1, storage, walStorage, bootstrap: { recovery: { volumeSnapshots: { storage: { name: 'snap-wal', kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' }, walStorage: fromSnapshots.walStorage } } } } },
  });
  await eventually('the refusal told', async () => env.operator.output(20_000).includes('VolumeSnapshot snap-wal (bootstrap.recovery.volumeSnapshots.storage) is a snapshot of a PG_WAL volume, not of a PG_DATA one'), 60_000, 500).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${diagnostics()}`)));
  const core = env.kc.makeApiClient(CoreV1Api);
  await assert.rejects(core.readNamespacedPersistentVolumeClaim({ name: 'mixed-1', namespace: 'default' }), 'no claim made from the wrong snapshot');
});
