// Volume snapshots on the local platform: an online snapshot backup of a 3-instance cluster taken
// from a standby under writes; new Clusters bootstrapped from it by
// bootstrap.recovery.volumeSnapshots, on the snapshot's own WAL and to a point in time after it
// with the object store archive as source; a cold snapshot (the instance stopped and started
// again, the cluster writable throughout) and a Cluster made from it; snapshots deleted with
// their Backup (snapshotOwnerReference: backup).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { archiveCurrentWal, sql, status, waitReady } from './support/backup.js';
import { Writer } from './support/writer.js';

const env = new TestEnv();
const storeDir = mkdtempSync(join(tmpdir(), 'cnpg-store-'));
chmodSync(storeDir, 0o777);
const destination = `file://${storeDir}`;
const snapshots = join(env.home, 'snapshots', 'default');
let ackedBeforeBackup = 0;
let afterLsn = '';

interface SnapshotBackup {
  status?: {
    phase?: string;
    error?: string;
    method?: string;
    online?: boolean;
    instanceID?: { podName: string };
    beginLSN?: string;
    endLSN?: string;
    beginWal?: string;
    endWal?: string;
    snapshotBackupStatus?: { elements: { name: string; type: string }[] };
  };
}

const backupOf = (name: string) => env.json<SnapshotBackup>(['get', 'backup', name]);

function restoredCluster(name: string, snapshot: string, extra = ''): string {
  return `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: 1
  storage:
    size: 1Gi
  bootstrap:
    recovery:
      volumeSnapshots:
        storage:
          name: ${snapshot}
          kind: VolumeSnapshot
          apiGroup: snapshot.storage.k8s.io
${extra}`;
}

before(async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: origin
spec:
  instances: 3
  storage:
    size: 1Gi
  backup:
    barmanObjectStore:
      destinationPath: ${destination}
    volumeSnapshot:
      snapshotOwnerReference: backup
`);
  await waitReady(env, 'origin', 240);
  await sql(env, 'origin-1', "CREATE TABLE marks (label text PRIMARY KEY); INSERT INTO marks VALUES ('before')");
});

after(async () => {
  await env.cleanup();
  rmSync(storeDir, { recursive: true, force: true });
});

test('an online snapshot backup is taken from a standby under writes, with its WAL range and elements', { timeout: 300_000 }, async () => {
  const uri = Buffer.from((await env.ok(['get', 'secret', 'origin-app', '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
  await Writer.prepare(uri);
  const writer = new Writer(uri);
  writer.start();
  try {
    await eventually('the writer committing', async () => writer.acked.length > 20, 30_000, 100);
    ackedBeforeBackup = writer.acked.length;
    const out = await env.ok(['backup', 'origin', '-m', 'volumeSnapshot', '--backup-name', 'snap-online', '--immediate-checkpoint', '--wait', '--timeout', '4m'], undefined, 270_000);
    assert.match(out, /completed: volume snapshots snap-online/);
  } finally {
    await writer.stop();
  }
  const b = (await backupOf('snap-online')).status!;
  assert.equal(b.phase, 'completed', b.error);
  assert.equal(b.method, 'volumeSnapshot');
  assert.equal(b.online, true);
  const primary = (await status(env, 'origin')).instancesStatus.find((i) => i.isPrimary)?.name;
  assert.notEqual(b.instanceID?.podName, primary, 'taken from a standby');
  assert.match(b.beginLSN ?? '', /^[0-9A-F]+\/[0-9A-F]+$/);
  assert.match(b.endLSN ?? '', /^[0-9A-F]+\/[0-9A-F]+$/);
  assert.match(b.beginWal ?? '', /^[0-9A-F]{24}$/);
  assert.deepEqual(b.snapshotBackupStatus?.elements, [{ name: 'snap-online', type: 'PG_DATA' }]);
  assert.match(await env.ok(['get', 'backup', 'snap-online', '-o', 'yaml']), /snapshotBackupStatus:\n\s+elements:\n\s+- name: snap-online\n\s+type: PG_DATA/);

  const folder = join(snapshots, 'snap-online');
  assert.equal(statSync(snapshots).mode & 0o777, 0o700);
  assert.ok(existsSync(join(folder, 'data', 'PG_VERSION')));
  const meta = JSON.parse(readFileSync(join(folder, 'snapshot.json'), 'utf8')) as { online: boolean; backupLabel: string; endLSN: string };
  assert.equal(meta.online, true);
  assert.match(meta.backupLabel, /BACKUP FROM: standby/);
  assert.equal(meta.endLSN, b.endLSN);

  // After the snapshot: a row a point-in-time recovery from the archive reaches, then one it must not.
  await sql(env, 'origin-1', "INSERT INTO marks VALUES ('after')");
  afterLsn = await sql(env, 'origin-1', 'SELECT pg_current_wal_lsn()', 'postgres');
  await sql(env, 'origin-1', "INSERT INTO marks VALUES ('later')");
  await archiveCurrentWal(env, 'origin', 'origin-1');
});

test('a Cluster bootstrapped from the online snapshot alone reads the data of the snapshot', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', '-'], restoredCluster('from-snap', 'snap-online'));
  await waitReady(env, 'from-snap', 240);
  assert.equal(await sql(env, 'from-snap-1', "SELECT string_agg(label, ',' ORDER BY label) FROM marks"), 'before');
  const rows = Number(await sql(env, 'from-snap-1', 'SELECT count(*) FROM ha_writes'));
  assert.ok(rows >= ackedBeforeBackup, `${rows} rows restored, ${ackedBeforeBackup} acknowledged before the backup started`);
  // A primary of its own: it takes writes.
  await sql(env, 'from-snap-1', "INSERT INTO marks VALUES ('mine')");
});

test('with the archive as source, the snapshot recovers to a point in time after it', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', '-'], restoredCluster('from-snap-pitr', 'snap-online', `      source: origin
      recoveryTarget:
        targetLSN: "${afterLsn}"
  externalClusters:
    - name: origin
      barmanObjectStore:
        destinationPath: ${destination}
`));
  await waitReady(env, 'from-snap-pitr', 240);
  assert.equal(await sql(env, 'from-snap-pitr-1', "SELECT string_agg(label, ',' ORDER BY label) FROM marks"), 'after,before');
});

test('a cold snapshot stops its instance and starts it again; the cluster stays writable; a Cluster is made from it', { timeout: 300_000 }, async () => {
  const startedBefore: Record<string, string> = {};
  for (const i of (await status(env, 'origin')).instancesStatus) startedBefore[i.name] = await sql(env, i.name, 'SELECT pg_postmaster_start_time()', 'postgres');
  await env.ok(['apply', '-f', '-'], 'apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: snap-cold\nspec:\n  cluster:\n    name: origin\n  method: volumeSnapshot\n  online: false\n');
  const b = await eventually('snap-cold finishing', async () => {
    const s = (await backupOf('snap-cold')).status;
    return s?.phase === 'completed' || s?.phase === 'failed' ? s : undefined;
  }, 180_000, 500);
  assert.equal(b.phase, 'completed', b.error);
  assert.equal(b.online, false);
  await sql(env, 'origin-1', "INSERT INTO marks VALUES ('cold-done')");
  await waitReady(env, 'origin', 120);
  const cluster = await env.json<{ metadata: { annotations?: Record<string, string> } }>(['get', 'cluster', 'origin']);
  assert.equal(cluster.metadata.annotations?.['cnpg.io/fencedInstances'], undefined, 'the fencing is lifted');
  const snapped = b.instanceID!.podName;
  assert.ok(startedBefore[snapped], `${snapped} ran before the backup`);
  assert.notEqual(await sql(env, snapped, 'SELECT pg_postmaster_start_time()', 'postgres'), startedBefore[snapped], 'PostgreSQL was stopped for the snapshot');
  const meta = JSON.parse(readFileSync(join(snapshots, 'snap-cold', 'snapshot.json'), 'utf8')) as { online: boolean; backupLabel?: string };
  assert.equal(meta.online, false);
  assert.equal(meta.backupLabel, undefined);

  await env.ok(['apply', '-f', '-'], restoredCluster('from-cold', 'snap-cold'));
  await waitReady(env, 'from-cold', 240);
  assert.equal(await sql(env, 'from-cold-1', "SELECT string_agg(label, ',' ORDER BY label) FROM marks"), 'after,before,later');
});

test('snapshots go with their Backup (snapshotOwnerReference: backup)', { timeout: 60_000 }, async () => {
  await env.ok(['delete', 'backup', 'snap-cold']);
  await eventually('snap-cold deleted', async () => !existsSync(join(snapshots, 'snap-cold')), 30_000, 500);
  assert.ok(existsSync(join(snapshots, 'snap-online')));
});

test('WAL and a tablespace on their own volumes: one snapshot each, restored into the new cluster\'s own folders', { timeout: 400_000 }, async () => {
  const storage = `  walStorage:
    size: 1Gi
  tablespaces:
    - name: data_tbs
      owner:
        name: app
      storage:
        size: 1Gi
`;
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: apart
spec:
  instances: 1
  storage:
    size: 1Gi
${storage}  backup:
    volumeSnapshot: {}
`);
  await waitReady(env, 'apart', 240);
  await sql(env, 'apart-1', "CREATE TABLE spaced (v text) TABLESPACE data_tbs; INSERT INTO spaced VALUES ('in a tablespace')");
  await env.ok(['backup', 'apart', '-m', 'volumeSnapshot', '--backup-name', 'apart-snap', '--wait', '--timeout', '3m'], undefined, 200_000);
  const b = (await backupOf('apart-snap')).status!;
  assert.equal(b.phase, 'completed', b.error);
  assert.deepEqual(b.snapshotBackupStatus?.elements, [
    { name: 'apart-snap', type: 'PG_DATA' },
    { name: 'apart-snap-wal', type: 'PG_WAL' },
    { name: 'apart-snap-tbs-data-tbs', type: 'PG_TABLESPACE', tablespaceName: 'data_tbs' },
  ]);
  await sql(env, 'apart-1', "INSERT INTO spaced VALUES ('after the snapshot')");

  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: apart-restored
spec:
  instances: 1
  storage:
    size: 1Gi
${storage}  bootstrap:
    recovery:
      volumeSnapshots:
        storage:
          name: apart-snap
        walStorage:
          name: apart-snap-wal
        tablespaceStorage:
          data_tbs:
            name: apart-snap-tbs-data-tbs
`);
  await waitReady(env, 'apart-restored', 240);
  assert.equal(await sql(env, 'apart-restored-1', 'SELECT string_agg(v, \',\') FROM spaced'), 'in a tablespace');
  const dir = join(env.home, 'instances', 'default', 'apart-restored', 'apart-restored-1');
  assert.ok(lstatSync(join(dir, 'pgdata', 'pg_wal')).isSymbolicLink(), 'pg_wal links to the new instance\'s WAL folder');
  assert.equal(readlinkSync(join(dir, 'pgdata', 'pg_wal')), join(dir, 'wal'));
  assert.ok(readdirSync(join(dir, 'tablespaces', 'data_tbs')).length > 0, 'the tablespace files are in the new instance\'s folder');
});
