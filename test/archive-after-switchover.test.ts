// A switchover, then a backup store added, then a switchover back: the instance that bootstrapped
// the cluster, primary again after another instance archived first, archives into the cluster's
// own archive instead of taking it for another cluster's.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { archiveCurrentWal, sql, waitBackup, waitReady } from './support/backup.js';
import { manifest } from './support/manifests.js';

const env = new TestEnv();
const storeDir = mkdtempSync(join(tmpdir(), 'cnpg-store-'));
// The instances run as postgres when the tests run as root.
chmodSync(storeDir, 0o777);
const CLUSTER = 'late';

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster.yaml', { name: CLUSTER, spec: { instances: 2 } }));
  await waitReady(env, CLUSTER);
});

after(async () => {
  await env.cleanup();
  rmSync(storeDir, { recursive: true, force: true });
});

async function switchoverTo(target: string, standby: string): Promise<void> {
  await env.ok(['promote', CLUSTER, target]);
  await eventually(`${target} primary of a healthy cluster, ${standby} streaming from it`, async () => {
    const s = (await env.json<{ status?: { phase?: string; readyInstances?: number; currentPrimary?: string } }>(['get', 'cluster', CLUSTER])).status;
    if (s?.phase !== 'Cluster in healthy state' || s.readyInstances !== 2 || s.currentPrimary !== target) return false;
    const streaming = await sql(env, target, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", 'postgres');
    return streaming === '1';
  }, 90_000, 300);
}

test('instance 1 primary again after instance 2 archived first into a store added later: archiving and backups work', { timeout: 300_000 }, async () => {
  await switchoverTo(`${CLUSTER}-2`, `${CLUSTER}-1`);
  await env.ok(['patch', 'cluster', CLUSTER, '--type', 'merge', '-p', JSON.stringify({ spec: { backup: { barmanObjectStore: { destinationPath: `file://${storeDir}` } } } })]);
  await archiveCurrentWal(env, CLUSTER, `${CLUSTER}-2`);
  await switchoverTo(`${CLUSTER}-1`, `${CLUSTER}-2`);
  await archiveCurrentWal(env, CLUSTER, `${CLUSTER}-1`);
  await env.ok(['apply', '-f', '-'], manifest('backup.yaml', { name: `${CLUSTER}-after`, spec: { cluster: { name: CLUSTER } } }));
  const b = await waitBackup(env, `${CLUSTER}-after`);
  assert.equal(b.status?.phase, 'completed', b.status?.error);
});
