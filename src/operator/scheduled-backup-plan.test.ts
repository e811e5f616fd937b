import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/meta.js';
import { fixture } from '../api/testing.js';
import { planScheduledBackup, type StoredScheduledBackup } from './scheduled-backup-plan.js';

const cluster: KubeObject = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', uid: 'cluster-uid' } };

function sb(spec: Partial<StoredScheduledBackup['spec']> = {}, status?: StoredScheduledBackup['status']): StoredScheduledBackup {
  const metadata = { name: 'daily', namespace: 'default', uid: 'sb-uid', creationTimestamp: '2026-11-23T00:30:00Z' };
  return { ...fixture('ScheduledBackup', { schedule: '0 0 2 * * *', cluster: { name: 'pg' }, ...spec }, metadata), status };
}

test('waits for the next firing after creation, then creates one Backup named after the time', () => {
  const early = planScheduledBackup(sb(), cluster, new Date('2026-11-23T01:00:00Z'));
  assert.equal(early.create, undefined);
  assert.equal(early.status.nextScheduleTime, '2026-11-23T02:00:00.000Z');
  assert.equal(early.requeueAfterMs, 3_600_000);

  const due = planScheduledBackup(sb(), cluster, new Date('2026-11-23T02:00:01Z'));
  assert.equal(due.create?.metadata.name, 'daily-20261123020001');
  assert.deepEqual(due.create?.metadata.labels, { 'cnpg.io/scheduled-backup': 'daily' });
  assert.equal(due.create?.metadata.ownerReferences, undefined);
  assert.equal(due.status.lastScheduleTime, '2026-11-23T02:00:01.000Z');
  assert.equal(due.status.nextScheduleTime, '2026-11-24T02:00:00.000Z');
});

test('runs missed while the operator was down collapse into one', () => {
  const plan = planScheduledBackup(sb({}, { lastScheduleTime: '2026-11-20T02:00:00Z' }), cluster, new Date('2026-11-23T05:00:00Z'));
  assert.ok(plan.create);
  assert.equal(plan.status.nextScheduleTime, '2026-11-24T02:00:00.000Z');
});

test('immediate takes the first backup at once and labels it', () => {
  const plan = planScheduledBackup(sb({ immediate: true }), cluster, new Date('2026-11-23T01:00:00Z'));
  assert.equal(plan.create?.metadata.labels?.['cnpg.io/immediateBackup'], 'true');
  const later = planScheduledBackup(sb({ immediate: true }, plan.status), cluster, new Date('2026-11-23T01:00:05Z'));
  assert.equal(later.create, undefined, 'only the first one is immediate');
});

test('suspend creates nothing; a missing cluster is reported', () => {
  assert.equal(planScheduledBackup(sb({ suspend: true }), cluster, new Date('2026-11-23T03:00:00Z')).create, undefined);
  const orphan = planScheduledBackup(sb(), undefined, new Date('2026-11-23T03:00:00Z'));
  assert.equal(orphan.create, undefined);
  assert.match(orphan.status.error ?? '', /cluster pg does not exist/);
});

test('backupOwnerReference self or cluster sets the owner; target and method are copied', () => {
  const now = new Date('2026-11-23T02:00:01Z');
  const self = planScheduledBackup(sb({ backupOwnerReference: 'self', target: 'primary' }), cluster, now).create!;
  assert.deepEqual(self.metadata.ownerReferences, [{ apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', name: 'daily', uid: 'sb-uid', controller: true }]);
  assert.equal(self.spec.target, 'primary');
  assert.equal(self.spec.method, 'barmanObjectStore');
  const owned = planScheduledBackup(sb({ backupOwnerReference: 'cluster' }), cluster, now).create!;
  assert.equal(owned.metadata.ownerReferences?.[0]?.uid, 'cluster-uid');
});

test('a pass that creates nothing leaves the status as it was, so it is not written again', () => {
  const first = planScheduledBackup(sb(), cluster, new Date('2026-11-23T01:00:00Z'));
  const second = planScheduledBackup(sb({}, first.status), cluster, new Date('2026-11-23T01:00:07Z'));
  assert.deepEqual(second.status, first.status);
  const orphan = planScheduledBackup(sb(), undefined, new Date('2026-11-23T01:00:00Z'));
  assert.deepEqual(planScheduledBackup(sb({}, orphan.status), undefined, new Date('2026-11-23T01:00:09Z')).status, orphan.status);
  // Validation refuses a schedule that never fires; the planner does not rely on it.
  const neverFires = (status?: StoredScheduledBackup['status']) => {
    const stored = sb({}, status);
    stored.spec.schedule = '0 0 0 30 2 *';
    return stored;
  };
  const never = planScheduledBackup(neverFires(), cluster, new Date('2026-11-23T01:00:00Z'));
  assert.match(never.status.error ?? '', /never fires/);
  assert.deepEqual(planScheduledBackup(neverFires(never.status), cluster, new Date('2026-11-23T01:00:09Z')).status, never.status);
});

test('verify (cnpg-ts\'s own field) asks for a restore drill of each Backup made; without it none is asked', () => {
  const plan = planScheduledBackup(sb({ immediate: true, verify: true }), cluster, new Date('2026-11-23T01:00:00Z'));
  assert.deepEqual(plan.create?.metadata.annotations, { 'cnpg-ts.io/verifyRequest': '{"requestedAt":"2026-11-23T01:00:00.000Z"}' });
  assert.equal(planScheduledBackup(sb({ immediate: true }), cluster, new Date('2026-11-23T01:00:00Z')).create?.metadata.annotations, undefined);
});

test('a volumeSnapshot schedule stamps out snapshot Backups with its online settings', () => {
  const plan = planScheduledBackup(sb({ method: 'volumeSnapshot', online: false, onlineConfiguration: { waitForArchive: false, immediateCheckpoint: true } }), cluster, new Date('2026-11-23T02:00:01Z'));
  assert.deepEqual(plan.create?.spec, { cluster: { name: 'pg' }, method: 'volumeSnapshot', online: false, onlineConfiguration: { waitForArchive: false, immediateCheckpoint: true } });
});
