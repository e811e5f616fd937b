import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredCluster } from '../api/cluster-status.js';
import { fixture } from '../api/testing.js';
import { backupConditions } from './backup-status.js';

test('a Cluster backed up only by volume snapshots gets LastBackupSucceeded from its Backups', () => {
  const cluster = fixture('Cluster', { instances: 1, backup: { volumeSnapshot: {} } }) as StoredCluster;
  const now = '2026-12-06T08:00:00Z';
  const failed = backupConditions(cluster, undefined, [{ name: 'snap1', phase: 'failed', error: 'could not snapshot the volumes' }], {}, now);
  assert.deepEqual(failed.conditions.map((c) => [c.type, c.status, c.message]), [['LastBackupSucceeded', 'False', 'Backup snap1 failed: could not snapshot the volumes']]);
  const none = backupConditions(fixture('Cluster', { instances: 1 }) as StoredCluster, undefined, [{ name: 'snap1', phase: 'failed' }], {}, now);
  assert.deepEqual(none.conditions, []);
});
