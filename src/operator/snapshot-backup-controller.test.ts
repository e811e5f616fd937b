import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredBackup } from '../api/backup.js';
import type { StoredCluster } from '../api/cluster-status.js';
import { fixture } from '../api/testing.js';
import type { Platform } from './platform.js';
import { reconcileSnapshotBackup } from './snapshot-backup-controller.js';

test('a platform without volume snapshots (Kubernetes, so far) fails a snapshot Backup saying so, with an Event', async () => {
  const statuses: unknown[] = [];
  const events: string[] = [];
  const platform = {
    store: { updateStatus: (_k: string, _n: string, _name: string, s: unknown) => (statuses.push(s), Promise.resolve()) },
    events: { record: (_o: unknown, type: string, reason: string, message: string) => (events.push(`${type} ${reason} ${message}`), Promise.resolve()) },
    instances: {},
  } as unknown as Platform;
  const backup = fixture('Backup', { cluster: { name: 'pg' }, method: 'volumeSnapshot' }, { name: 'snap1' }) as StoredBackup;
  const cluster = fixture('Cluster', { instances: 1, backup: { volumeSnapshot: {} } }) as StoredCluster;
  let requeued = 0;
  await reconcileSnapshotBackup(platform, backup, cluster, [], () => requeued++);
  assert.equal((statuses[0] as { phase: string }).phase, 'failed');
  assert.match((statuses[0] as { error: string }).error, /volume snapshots are not available on this platform yet/);
  assert.match(events[0] ?? '', /^Warning BackupFailed volume snapshots are not available/);
  assert.equal(requeued, 1);
});
