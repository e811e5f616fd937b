import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/meta.js';
import { snapshotIncoherence } from './snapshot-coherence.js';

const vs = (name: string, role?: string, backup?: string): KubeObject => ({
  apiVersion: 'snapshot.storage.k8s.io/v1',
  kind: 'VolumeSnapshot',
  metadata: { name, ...(backup ? { labels: { 'cnpg.io/backupName': backup } } : {}), ...(role ? { annotations: { 'cnpg.io/pvcRole': role } } : {}) },
});

test('a snapshot fills only the kind of volume it was taken of; data and WAL from one backup; hand-made ones pass', () => {
  assert.equal(snapshotIncoherence(vs('b1', 'PG_DATA', 'b1'), 'storage', 'PG_DATA'), undefined);
  assert.match(snapshotIncoherence(vs('b1-wal', 'PG_WAL', 'b1'), 'storage', 'PG_DATA') ?? '', /b1-wal \(storage\) is a snapshot of a PG_WAL volume, not of a PG_DATA one/);
  assert.equal(snapshotIncoherence(vs('b1-wal', 'PG_WAL', 'b1'), 'walStorage', 'PG_WAL', vs('b1', 'PG_DATA', 'b1')), undefined);
  assert.match(snapshotIncoherence(vs('b2-wal', 'PG_WAL', 'b2'), 'walStorage', 'PG_WAL', vs('b1', 'PG_DATA', 'b1')) ?? '', /belongs to backup 'b2' and b1 \(storage\) to backup 'b1'/);
  assert.equal(snapshotIncoherence(vs('manual'), 'storage', 'PG_DATA'), undefined);
  const label: KubeObject = { ...vs('claim-copy'), metadata: { name: 'claim-copy', labels: { 'cnpg.io/pvcRole': 'PG_TABLESPACE' } } };
  assert.match(snapshotIncoherence(label, 'walStorage', 'PG_WAL') ?? '', /PG_TABLESPACE/);
});
