// Volume snapshot backups and recovery on Kubernetes (snapshot.storage.k8s.io/v1), through a real
// kube-apiserver serving the external-snapshotter's CRDs, with real PostgreSQL run by the stand-in
// kubelet. There is no CSI driver here: the test plays the snapshot controller's part visibly
// (support/snapshot-controller.ts: a folder copy and readyToUse), so what this checks is the
// operator's sequencing and objects; the real driver is test/e2e/snapshots.test.ts on the real node.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import pg from 'pg';
import { installVolumeSnapshotCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { createHealthyCluster, startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';
import { readCluster } from './support/operator.js';
import { SnapshotControllerStandIn } from './support/snapshot-controller.js';

let env: KubeOperatorEnv;
let snapshots: SnapshotControllerStandIn;
const store = mkdtempSync(join(tmpdir(), 'cnpg-kube-snapshots-'));
const BACKUPS = { group: 'postgresql.cnpg.io', version: 'v1', plural: 'backups', namespace: 'default' } as const;
const VOLUME_SNAPSHOTS = { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots', namespace: 'default' } as const;

interface BackupStatus {
  phase?: string;
  error?: string;
  online?: boolean;
  beginLSN?: string;
  endLSN?: string;
  beginWal?: string;
  endWal?: string;
  instanceID?: { podName?: string };
  snapshotBackupStatus?: { elements: { name: string; type: string }[] };
  pluginMetadata?: Record<string, string>;
}

interface VolumeSnapshot {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  spec: { source: { persistentVolumeClaimName: string }; volumeSnapshotClassName?: string };
}

const api = () => env.kc.makeApiClient(CustomObjectsApi);

async function secretValue(name: string, key: string): Promise<string> {
  const secret = await env.kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name, namespace: 'default' });
  return Buffer.from(secret.data![key]!, 'base64').toString();
}

async function query(pod: string, cluster: string, sql: string): Promise<string> {
  const client = new pg.Client({ host: env.kubelet.ipOf(pod), port: 5432, user: 'app', database: 'app', password: await secretValue(`${cluster}-app`, 'password'), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const r = await client.query<Record<string, unknown>>(sql);
    return String(Object.values(r.rows[0] ?? {})[0] ?? '');
  } finally {
    await client.end();
  }
}

function diagnostics(): string {
  return `snapshot stand-in: ${snapshots?.lastError ?? 'no error'}\nkubelet: ${env.kubelet.lastError ?? 'no error'}\noperator:\n${env.operator.output(4000)}\nmanagers:\n${[...env.kubelet.logs].map(([k, v]) => `${k}: ${v.slice(-2000)}`).join('\n')}`;
}

/** Creates a Backup and waits for it to complete or fail. */
async function backup(name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): Promise<BackupStatus> {
  await api().createNamespacedCustomObject({ ...BACKUPS, body: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: { name, ...(annotations ? { annotations } : {}) }, spec: { cluster: { name: 'pg' }, method: 'volumeSnapshot', ...spec } } });
  return eventually(`Backup ${name} done`, async () => {
    const status = ((await api().getNamespacedCustomObject({ ...BACKUPS, name })) as { status?: BackupStatus }).status;
    return (status?.phase === 'completed' || status?.phase === 'failed') && status;
  }, 180_000, 300).catch((e: Error) => {
    throw new Error(`${e.message}\n${diagnostics()}`);
  });
}

async function volumeSnapshot(name: string): Promise<VolumeSnapshot | undefined> {
  return (api().getNamespacedCustomObject({ ...VOLUME_SNAPSHOTS, name }) as Promise<VolumeSnapshot>).catch(() => undefined);
}

before(async () => {
  env = await startKubeOperatorEnv();
  snapshots = new SnapshotControllerStandIn(env.kc, env.kubeletDir, store);
  env.kubelet.provisioner = snapshots.provision;
  await createHealthyCluster(env, 'pg', {
    instances: 2,
    storage: { size: '1Gi' },
    backup: {
      volumeSnapshot: {
        className: 'standin',
        snapshotOwnerReference: 'backup',
        labels: { team: 'db' },
        annotations: { 'example.com/purpose': 'test' },
      },
    },
  });
  await query('pg-1', 'pg', 'CREATE TABLE rows (n int PRIMARY KEY)');
  await query('pg-1', 'pg', 'INSERT INTO rows SELECT generate_series(1, 100)');
});

after(async () => {
  snapshots?.stop();
  await env?.stop();
  rmSync(store, { recursive: true, force: true });
});

test('without the VolumeSnapshot CRD a snapshot Backup fails saying the API is not served', { timeout: 120_000 }, async () => {
  const status = await backup('no-crd');
  assert.equal(status.phase, 'failed');
  assert.match(status.error ?? '', /the VolumeSnapshot API \(snapshot\.storage\.k8s\.io\/v1\) is not served by this Kubernetes cluster/);
  // The instance was let go: the standby is out of backup mode, the next Backup can start it.
  await installVolumeSnapshotCrds(env.kc);
  snapshots.start();
});

test('an online snapshot Backup of the standby (the test playing the snapshot controller): backup mode around the cut, CloudNativePG’s labels, the backup label kept, owned by the Backup', { timeout: 240_000 }, async () => {
  await eventually('the standby has the rows', async () => (await query('pg-2', 'pg', 'SELECT count(*) FROM rows')) === '100', 60_000, 300);
  const status = await backup('online-1');
  assert.equal(status.phase, 'completed', `${status.error}\n${diagnostics()}`);
  assert.equal(status.online, true);
  assert.equal(status.instanceID?.podName, 'pg-2');
  assert.match(status.beginLSN ?? '', /^[0-9A-F]+\/[0-9A-F]+$/);
  assert.match(status.endLSN ?? '', /^[0-9A-F]+\/[0-9A-F]+$/);
  assert.match(status.endWal ?? '', /^[0-9A-F]{24}$/);
  assert.deepEqual(status.snapshotBackupStatus?.elements, [{ name: 'online-1', type: 'PG_DATA' }]);

  assert.deepEqual(snapshots.cuts.find((c) => c.name === 'online-1'), { name: 'online-1', claim: 'pg-2', className: 'standin', postgresRunning: true });
  const vs = await volumeSnapshot('online-1');
  assert.ok(vs);
  assert.equal(vs.spec.source.persistentVolumeClaimName, 'pg-2');
  assert.equal(vs.spec.volumeSnapshotClassName, 'standin');
  assert.equal(vs.metadata.labels?.['cnpg.io/backupName'], 'online-1');
  assert.equal(vs.metadata.labels?.['cnpg.io/cluster'], 'pg');
  assert.equal(vs.metadata.labels?.team, 'db');
  assert.equal(vs.metadata.labels?.['cnpg.io/instanceName'], undefined);
  assert.equal(vs.metadata.annotations?.['cnpg.io/instanceName'], 'pg-2');
  assert.equal(vs.metadata.annotations?.['cnpg.io/pvcRole'], 'PG_DATA');
  assert.equal(vs.metadata.annotations?.['cnpg.io/onlineBackup'], 'true');
  assert.equal(vs.metadata.annotations?.['example.com/purpose'], 'test');
  assert.match(Buffer.from(vs.metadata.annotations?.['cnpg.io/backupLabelFile'] ?? '', 'base64').toString(), /BACKUP FROM: standby/);
  assert.deepEqual(vs.metadata.ownerReferences?.map((o) => [o.kind, o.name]), [['Backup', 'online-1']]);
  await query('pg-1', 'pg', 'INSERT INTO rows SELECT generate_series(101, 150)');
});

test('a cold snapshot Backup (online: false) fences the standby for the cut and lifts the fencing', { timeout: 240_000 }, async () => {
  await eventually('the standby has the rows', async () => (await query('pg-2', 'pg', 'SELECT count(*) FROM rows')) === '150', 60_000, 300);
  const status = await backup('cold-1', { online: false });
  assert.equal(status.phase, 'completed', `${status.error}\n${diagnostics()}`);
  assert.equal(status.online, false);
  assert.equal(status.instanceID?.podName, 'pg-2');
  assert.deepEqual(snapshots.cuts.find((c) => c.name === 'cold-1'), { name: 'cold-1', claim: 'pg-2', className: 'standin', postgresRunning: false });
  assert.equal((await volumeSnapshot('cold-1'))?.metadata.annotations?.['cnpg.io/backupLabelFile'], undefined);
  await eventually('pg unfenced and healthy again', async () => {
    const c = await readCluster(env.kc, 'pg');
    return c.metadata.annotations?.['cnpg.io/fencedInstances'] === undefined && c.status?.readyInstances === 2;
  }, 120_000, 500);
});

test('a driver error past cnpg.io/volumeSnapshotDeadline fails the Backup with the driver’s message; the partial snapshot is deleted and the standby let go', { timeout: 240_000 }, async () => {
  snapshots.failingClasses.set('standin', 'the stand-in driver refuses class standin');
  const failed = await backup('broken-1', {}, { 'cnpg.io/volumeSnapshotDeadline': '0' });
  snapshots.failingClasses.clear();
  assert.equal(failed.phase, 'failed');
  assert.match(failed.error ?? '', /deadline exceeded for error VolumeSnapshot default\/broken-1 failed: the stand-in driver refuses class standin/);
  assert.match(failed.pluginMetadata?.cnpg_volumesnapshot ?? '', /^\{"volumeSnapshotFirstFailure":\d+\}$/);
  assert.equal(await volumeSnapshot('broken-1'), undefined);
  const next = await backup('online-2');
  assert.equal(next.phase, 'completed', `${next.error}\n${diagnostics()}`);
});

test('a driver error within cnpg.io/volumeSnapshotDeadline is waited on: the driver succeeding on its retry completes the Backup', { timeout: 240_000 }, async () => {
  snapshots.failingClasses.set('standin', 'the stand-in driver is out of quota for a moment');
  await api().createNamespacedCustomObject({ ...BACKUPS, body: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Backup', metadata: { name: 'flaky-1', annotations: { 'cnpg.io/volumeSnapshotDeadline': '1' } }, spec: { cluster: { name: 'pg' }, method: 'volumeSnapshot' } } });
  const erring = await eventually('the first error recorded on the running Backup', async () => {
    const status = ((await api().getNamespacedCustomObject({ ...BACKUPS, name: 'flaky-1' })) as { status?: BackupStatus }).status;
    return status?.pluginMetadata?.cnpg_volumesnapshot ? status : undefined;
  }, 60_000, 200);
  assert.equal(erring.phase, 'running');
  await sleep(3000);
  snapshots.failingClasses.clear();
  const status = await eventually('Backup flaky-1 done', async () => {
    const s = ((await api().getNamespacedCustomObject({ ...BACKUPS, name: 'flaky-1' })) as { status?: BackupStatus }).status;
    return (s?.phase === 'completed' || s?.phase === 'failed') && s;
  }, 120_000, 300);
  assert.equal(status.phase, 'completed', `${status.error}\n${diagnostics()}`);
  const vs = await volumeSnapshot('flaky-1');
  assert.ok(vs?.metadata.annotations?.['cnpg.io/snapshotEndTime']);
});

test('new Clusters recovered from the online and the cold snapshot: claims made from them, the backup label written back, the rows of each', { timeout: 400_000 }, async () => {
  await createHealthyCluster(env, 'from-online', { instances: 1, storage: { size: '1Gi' }, bootstrap: { recovery: { volumeSnapshots: { storage: { name: 'online-1', kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' } } } } }).catch((e: Error) => {
    throw new Error(`${e.message}\n${diagnostics()}`);
  });
  const claim = await env.kc.makeApiClient(CoreV1Api).readNamespacedPersistentVolumeClaim({ name: 'from-online-1', namespace: 'default' });
  assert.deepEqual({ ...claim.spec?.dataSource }, { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'online-1' });
  assert.equal(await query('from-online-1', 'from-online', 'SELECT count(*) FROM rows'), '100');
  assert.match(env.kubelet.logs.get('from-online-1') ?? '', /staged the volumes made from volume snapshots.*"online":true/);

  await createHealthyCluster(env, 'from-cold', { instances: 1, storage: { size: '1Gi' }, bootstrap: { recovery: { volumeSnapshots: { storage: { name: 'cold-1' } } } } }).catch((e: Error) => {
    throw new Error(`${e.message}\n${diagnostics()}`);
  });
  assert.equal(await query('from-cold-1', 'from-cold', 'SELECT count(*) FROM rows'), '150');
  // The recovered primary writes; it is its own cluster now.
  await query('from-cold-1', 'from-cold', 'INSERT INTO rows VALUES (1000)');
});
