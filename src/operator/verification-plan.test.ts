import test from 'node:test';
import assert from 'node:assert/strict';
import { VERIFY_ANNOTATION, type BackupVerification } from '../api/backup-verification.js';
import type { BackupStatus, StoredBackup } from '../api/backup.js';
import { chooseBackupToVerify, planVerification, verificationCondition, verificationEvent, verificationFromOutcome, verificationSamples } from './verification-plan.js';

function backup(name: string, status: BackupStatus | undefined, o: { cluster?: string; annotation?: string; method?: 'barmanObjectStore' | 'volumeSnapshot'; namespace?: string } = {}): StoredBackup {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: o.namespace ?? 'default', ...(o.annotation ? { annotations: { [VERIFY_ANNOTATION]: o.annotation } } : {}) },
    spec: { cluster: { name: o.cluster ?? 'pg' }, method: o.method ?? 'barmanObjectStore' },
    ...(status ? { status } : {}),
  } as StoredBackup;
}

const done = (stoppedAt: string, extra: Partial<BackupStatus> = {}): BackupStatus => ({ phase: 'completed', backupId: stoppedAt, stoppedAt, ...extra });
const request = (at = '2026-12-06T08:00:00.000Z') => JSON.stringify({ requestedAt: at });

test('the default is the newest completed barmanObjectStore Backup of the cluster', () => {
  const all = [
    backup('old', done('2026-12-01T00:00:00Z')),
    backup('new', done('2026-12-03T00:00:00Z')),
    backup('running', { phase: 'running' }),
    backup('snap', done('2026-12-04T00:00:00Z'), { method: 'volumeSnapshot' }),
    backup('other', done('2026-12-05T00:00:00Z'), { cluster: 'other' }),
  ];
  const choice = chooseBackupToVerify(all, 'pg');
  assert.ok(choice.ok && choice.value.metadata.name === 'new');
  const none = chooseBackupToVerify([backup('running', { phase: 'running' })], 'pg');
  assert.ok(!none.ok && /no completed barmanObjectStore Backup .*backup pg --wait/.test(none.message));
});

test('a named Backup must exist, be the cluster\'s and have completed', () => {
  const all = [backup('a', done('2026-12-01T00:00:00Z')), backup('b', { phase: 'failed' }), backup('c', done('2026-12-01T00:00:00Z'), { cluster: 'other' })];
  assert.ok(chooseBackupToVerify(all, 'pg', 'a').ok);
  const failed = chooseBackupToVerify(all, 'pg', 'b');
  assert.ok(!failed.ok && /b is failed: only a completed backup/.test(failed.message));
  const foreign = chooseBackupToVerify(all, 'pg', 'c');
  assert.ok(!foreign.ok && /belongs to cluster other/.test(foreign.message));
  const missing = chooseBackupToVerify(all, 'pg', 'zz');
  assert.ok(!missing.ok && /zz does not exist/.test(missing.message));
});

test('a request runs once per requestedAt, waits for the backup, and is run again after a lost drill', () => {
  assert.deepEqual(planVerification(backup('a', done('t')), false), { kind: 'none' });
  assert.deepEqual(planVerification(backup('a', { phase: 'running' }, { annotation: request() }), false), { kind: 'wait' });
  assert.deepEqual(planVerification(backup('a', done('t'), { annotation: request() }), false), { kind: 'run', request: { requestedAt: '2026-12-06T08:00:00.000Z' } });
  const passed: BackupVerification = { phase: 'passed', requestedAt: '2026-12-06T08:00:00.000Z', stoppedAt: 'x' };
  assert.deepEqual(planVerification(backup('a', done('t', { verification: passed }), { annotation: request() }), false), { kind: 'none' });
  assert.equal(planVerification(backup('a', done('t', { verification: passed }), { annotation: request('2026-12-07T08:00:00.000Z') }), false).kind, 'run');
  const running: BackupVerification = { phase: 'running', requestedAt: '2026-12-06T08:00:00.000Z' };
  assert.deepEqual(planVerification(backup('a', done('t', { verification: running }), { annotation: request() }), true), { kind: 'none' });
  assert.equal(planVerification(backup('a', done('t', { verification: running }), { annotation: request() }), false).kind, 'run');
  assert.deepEqual(planVerification(backup('a', done('t', { verification: running }), { annotation: request('2026-12-07T08:00:00.000Z') }), true), { kind: 'none' }, 'a new request waits for the drill in flight');
});

test('a failed backup, a snapshot backup or a malformed request is recorded as a failed drill, once', () => {
  const onFailed = planVerification(backup('a', { phase: 'failed', error: 'boom' }, { annotation: request() }), false);
  assert.ok(onFailed.kind === 'record' && /the backup failed \(boom\)/.test(onFailed.verification.error ?? '') && onFailed.event.type === 'Warning');
  const snap = planVerification(backup('a', done('t'), { annotation: request(), method: 'volumeSnapshot' }), false);
  assert.ok(snap.kind === 'record' && /barmanObjectStore backups only/.test(snap.verification.error ?? ''));
  const bad = planVerification(backup('a', done('t'), { annotation: 'nope' }), false);
  assert.ok(bad.kind === 'record' && bad.verification.requestedAt === 'nope');
  assert.deepEqual(planVerification(backup('a', done('t', { verification: bad.verification }), { annotation: 'nope' }), false), { kind: 'none' });
});

test('an outcome becomes status.verification and an Event that says what to look at', () => {
  const req = { requestedAt: 'r' };
  const ok = verificationFromOutcome(req, 's', 'e', { ok: true, stage: 'count', backupId: 'b', recoveredToLSN: '0/6000000', recoveredToWal: 'W', archiveEndWal: 'W', restoredWalFiles: 3, amcheck: { ok: true }, rows: [{ check: 'public.t>=1', rows: 5, ok: true }] });
  assert.deepEqual(ok, { phase: 'passed', requestedAt: 'r', startedAt: 's', stoppedAt: 'e', recoveredToLSN: '0/6000000', recoveredToWal: 'W', archiveEndWal: 'W', restoredWalFiles: 3, amcheck: { ok: true }, rows: [{ check: 'public.t>=1', rows: 5, ok: true }] });
  assert.deepEqual(verificationEvent('b1', ok), { type: 'Normal', reason: 'BackupVerified', message: 'Restore drill of Backup b1 passed: replayed to 0/6000000, pg_amcheck clean, public.t>=1 (5)' });
  const bad = verificationFromOutcome(req, 's', 'e', { ok: false, stage: 'replay', backupId: 'b', error: 'replay stopped at 0/4000000' });
  assert.equal(bad.error, 'replay: replay stopped at 0/4000000');
  assert.deepEqual(verificationEvent('b1', bad), { type: 'Warning', reason: 'BackupVerificationFailed', message: 'Restore drill of Backup b1 failed: replay: replay stopped at 0/4000000' });
});

test('BackupVerified follows the newest finished drill and keeps its transition time while unchanged', () => {
  const now = '2026-12-06T09:00:00Z';
  assert.equal(verificationCondition([{ name: 'a' }], undefined, now), undefined);
  const failed = verificationCondition(
    [
      { name: 'a', verification: { phase: 'passed', stoppedAt: '2026-12-06T08:00:00Z' } },
      { name: 'b', verification: { phase: 'failed', stoppedAt: '2026-12-06T08:30:00Z', error: 'replay: x' } },
      { name: 'c', verification: { phase: 'running' } },
    ],
    undefined,
    now,
  );
  assert.deepEqual(failed, { type: 'BackupVerified', status: 'False', reason: 'RestoreDrillFailed', message: 'Restore drill of Backup b failed: replay: x', lastTransitionTime: now });
  const still = verificationCondition([{ name: 'b', verification: { phase: 'failed', stoppedAt: '2026-12-06T08:30:00Z', error: 'replay: x' } }], [failed!], '2026-12-06T10:00:00Z');
  assert.equal(still?.lastTransitionTime, now);
  assert.deepEqual(verificationCondition([], [failed!], now), failed);
});

test('metric samples: per cluster, the newest result and the newest success', () => {
  const v = (phase: 'passed' | 'failed', stoppedAt: string): Partial<BackupStatus> => ({ verification: { phase, requestedAt: 'r', stoppedAt } });
  const samples = verificationSamples([
    backup('a', done('t', v('passed', '2026-12-06T08:00:00Z'))),
    backup('b', done('t', v('failed', '2026-12-06T08:30:00Z'))),
    backup('c', done('t'), { cluster: 'quiet' }),
    backup('d', done('t', v('passed', '2026-12-06T07:00:00Z')), { namespace: 'prod' }),
  ]);
  assert.deepEqual(samples, [
    { namespace: 'default', cluster: 'pg', lastResult: 0, lastTimestamp: Date.parse('2026-12-06T08:30:00Z') / 1000, lastSuccessTimestamp: Date.parse('2026-12-06T08:00:00Z') / 1000 },
    { namespace: 'prod', cluster: 'pg', lastResult: 1, lastTimestamp: Date.parse('2026-12-06T07:00:00Z') / 1000, lastSuccessTimestamp: Date.parse('2026-12-06T07:00:00Z') / 1000 },
  ]);
});
