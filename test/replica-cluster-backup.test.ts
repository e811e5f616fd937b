// A replica cluster with a store of its own, with real PostgreSQL: its designated primary archives
// the WAL it receives from the source into that store (archive_mode=always), a Backup of the replica
// cluster completes on the designated primary, and a new Cluster recovered from the replica
// cluster's store alone has every row the source wrote before its last archived segment.
import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { sql, status, waitBackup, waitReady } from './support/backup.js';

interface ClusterJson {
  status?: { localEndpoints?: { rw: { host: string; port: number } } };
}

const env = new TestEnv();
const storeDir = mkdtempSync(join(tmpdir(), 'cnpg-replica-backup-store-'));
// The instances run as postgres when the tests run as root.
chmodSync(storeDir, 0o777);

after(async () => {
  await env.cleanup();
  rmSync(storeDir, { recursive: true, force: true });
});

const count = (pod: string) => sql(env, pod, 'SELECT count(*) FROM rows');
const store = (server: string) => `
    barmanObjectStore:
      destinationPath: file://${storeDir}
      serverName: ${server}`;

/** WAL segment names (no history files) the store holds for a server, uncompressed or not. */
function archivedSegments(server: string): string[] {
  const root = join(storeDir, server, 'wals');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((dir) => readdirSync(join(root, dir))).filter((f) => /^[0-9A-F]{24}$/.test(f.split('.')[0]!)).map((f) => f.split('.')[0]!);
}

test('a replica cluster archives into its own store, is backed up on its designated primary, and that backup restores', { timeout: 600_000 }, async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: src
spec:
  instances: 1
  storage:
    size: 1Gi
`);
  await waitReady(env, 'src');
  await sql(env, 'src-1', 'CREATE TABLE rows (n int PRIMARY KEY); INSERT INTO rows SELECT generate_series(1, 100)');
  const port = (await env.json<ClusterJson>(['get', 'cluster', 'src'])).status?.localEndpoints?.rw.port ?? assert.fail('src has no -rw endpoint');

  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: follower
spec:
  instances: 2
  storage:
    size: 1Gi
  backup:${store('follower')}
  bootstrap:
    pg_basebackup:
      source: src
  replica:
    enabled: true
    source: src
  externalClusters:
    - name: src
      connectionParameters:
        host: 127.0.0.1
        port: "${port}"
        user: streaming_replica
        dbname: postgres
      password:
        name: src-replication
        key: password
`);
  await waitReady(env, 'follower', 300);
  assert.equal(await sql(env, 'follower-1', 'SHOW archive_mode', 'postgres'), 'always', 'the designated primary archives in recovery');
  assert.equal(await sql(env, 'follower-2', 'SHOW archive_mode', 'postgres'), 'on', 'a cascading standby leaves archiving to the designated primary');

  // A segment the source closes reaches the follower's own store through its designated primary.
  await sql(env, 'src-1', 'INSERT INTO rows SELECT generate_series(101, 150)');
  const closed = await sql(env, 'src-1', 'SELECT pg_walfile_name(pg_current_wal_lsn())', 'postgres');
  await sql(env, 'src-1', 'SELECT pg_switch_wal()', 'postgres');
  await eventually(`${closed} in the follower's store`, async () => archivedSegments('follower').includes(closed), 90_000, 300);
  const archiving = (await status(env, 'follower')).instancesStatus.find((i) => i.name === 'follower-1')?.archiving;
  assert.ok(archiving?.lastArchivedWal, 'the designated primary reports its archiving');

  // prefer-standby (the default) still backs up on the designated primary in a replica cluster.
  await env.ok(['apply', '-f', '-'], 'apiVersion: postgresql.cnpg.io/v1\nkind: Backup\nmetadata:\n  name: follower-base\nspec:\n  cluster:\n    name: follower\n');
  const backup = await waitBackup(env, 'follower-base', ['completed', 'failed'], 180_000);
  assert.equal(backup.status?.phase, 'completed', backup.status?.error);
  assert.equal(backup.status?.instanceID?.podName, 'follower-1');

  // More rows after the backup, archived through the follower; the restore replays them too.
  await sql(env, 'src-1', 'INSERT INTO rows SELECT generate_series(151, 175)');
  const last = await sql(env, 'src-1', 'SELECT pg_walfile_name(pg_current_wal_lsn())', 'postgres');
  await sql(env, 'src-1', 'SELECT pg_switch_wal()', 'postgres');
  await eventually(`${last} in the follower's store`, async () => archivedSegments('follower').includes(last), 90_000, 300);

  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: restored
spec:
  instances: 1
  storage:
    size: 1Gi
  bootstrap:
    recovery:
      source: follower
  externalClusters:
    - name: follower
${store('follower').replace(/^ {4}/gm, '      ')}
`);
  await waitReady(env, 'restored', 300);
  assert.equal(await count('restored-1'), '175', 'the restore from the replica cluster\'s store has every archived row');
  assert.equal(await sql(env, 'restored-1', 'SELECT pg_is_in_recovery()'), 'f');
});
