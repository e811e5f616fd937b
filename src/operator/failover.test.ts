import test from 'node:test';
import assert from 'node:assert/strict';
import type { InstanceStatus } from '../instance/status.js';
import { chooseFailoverTarget, fencedInstances, fencingRefusal, primaryFailure, rankFailoverCandidates, resolveInstanceName, switchoverRefusal } from './failover.js';
import type { ObservedInstance } from './types.js';

function standby(name: string, receivedLsn?: string, replayLsn?: string, over: Partial<InstanceStatus> = {}, obs: Partial<ObservedInstance> = {}): ObservedInstance {
  return {
    name,
    serial: Number(name.split('-').pop()),
    running: true,
    status: { name, managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '', replicationInfo: [], isPrimary: false, receivedLsn, replayLsn, ...over },
    ...obs,
  };
}

test('the standby with the most WAL received wins, then the most replayed, then the name', () => {
  const cases: Array<[string, ObservedInstance[], string | undefined]> = [
    ['received first', [standby('pg-2', '0/3000000', '0/3000000'), standby('pg-3', '0/3000100', '0/2000000')], 'pg-3'],
    ['replayed breaks a tie', [standby('pg-2', '0/3000000', '0/2000000'), standby('pg-3', '0/3000000', '0/2500000')], 'pg-3'],
    ['name breaks a full tie', [standby('pg-10', '0/3', '0/3'), standby('pg-9', '0/3', '0/3')], 'pg-9'],
    ['unreachable standbys are never chosen', [standby('pg-2', '1/0', '1/0', {}, { statusError: 'timeout' }), standby('pg-3', '0/1', '0/1')], 'pg-3'],
    ['fenced standbys are never chosen', [standby('pg-2', '1/0', '1/0', { fenced: true }), standby('pg-3', '0/1', '0/1')], 'pg-3'],
    ['a stopped PostgreSQL is never chosen', [standby('pg-2', '1/0', '1/0', { postgresRunning: false })], undefined],
    ['a missing received LSN falls back to replayed', [standby('pg-2', undefined, '0/5'), standby('pg-3', '0/4', '0/4')], 'pg-2'],
  ];
  for (const [name, instances, want] of cases) assert.equal(chooseFailoverTarget(instances, new Set())?.name, want, name);
  assert.deepEqual(rankFailoverCandidates([standby('pg-2', '0/1'), standby('pg-3', '0/2')], new Set(['pg-3'])).map((i) => i.name), ['pg-2']);
});

test('a primary is certainly failed only on facts: its instance, manager or PostgreSQL gone', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  const settled = '2026-01-01T00:00:00Z';
  const healthy = standby('pg-1', undefined, undefined, { isPrimary: true });
  const certain = (o: ObservedInstance | undefined) => primaryFailure(o, now)?.certain;
  assert.equal(primaryFailure(healthy, now), undefined);
  assert.equal(certain(undefined), true);
  assert.equal(certain({ ...healthy, running: false }), true);
  assert.equal(certain({ ...healthy, statusError: 'refused', statusErrorKind: 'refused', managerStartedAt: settled }), true, 'nothing listens where a settled manager should');
  assert.equal(certain(standby('pg-1', undefined, undefined, { isPrimary: true, postgresRunning: false, phase: 'stopped' })), true);
  assert.equal(certain(standby('pg-1', undefined, undefined, { isPrimary: true, phase: 'isolated' })), true);
  assert.equal(certain(standby('pg-1', undefined, undefined, { postgresRunning: false, phase: 'failed' })), true);
  assert.equal(primaryFailure(standby('pg-1', undefined, undefined, { postgresRunning: false, phase: 'restarting' }), now), undefined, 'a restart in place is not a failure');
  assert.equal(primaryFailure(standby('pg-1', undefined, undefined, { postgresRunning: false, phase: 'starting' }), now), undefined, 'an unfenced primary starting is not a failure');
  assert.equal(primaryFailure(standby('pg-1', undefined, undefined, { postgresRunning: false, phase: 'fenced' }), now), undefined, 'fenced on purpose, or just unfenced');
});

test('timeouts, errors, a young manager and an unanswering PostgreSQL are only uncertain evidence', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  const healthy = standby('pg-1', undefined, undefined, { isPrimary: true });
  const certain = (o: ObservedInstance) => primaryFailure(o, now)?.certain;
  assert.equal(certain({ ...healthy, status: undefined, statusError: 'no answer in time', statusErrorKind: 'timeout', managerStartedAt: '2026-01-01T00:00:00Z' }), false);
  assert.equal(certain({ ...healthy, status: undefined, statusError: 'fetch failed (UND_ERR_SOCKET)', statusErrorKind: 'error' }), false);
  assert.equal(certain({ ...healthy, status: undefined, statusError: 'refused', statusErrorKind: 'refused', managerStartedAt: '2026-01-01T00:00:58Z' }), false, 'a manager 2 s old may not listen yet');
  assert.equal(certain({ ...healthy, status: undefined, statusError: 'refused', statusErrorKind: 'refused' }), false, 'a manager of unknown age');
  assert.equal(certain({ ...healthy, running: false, postmasterRunning: true }), false, 'the manager was killed, its PostgreSQL runs on');
  assert.equal(certain(standby('pg-1', undefined, undefined, { isPrimary: undefined, lastError: 'timeout expired' })), false, 'PostgreSQL runs but does not answer its manager');
});

test('fenced instances come from the annotation; "*" fences all; junk fences nothing', () => {
  const all = ['pg-1', 'pg-2'];
  assert.deepEqual([...fencedInstances({ 'cnpg.io/fencedInstances': '["pg-2"]' }, all)], ['pg-2']);
  assert.deepEqual([...fencedInstances({ 'cnpg.io/fencedInstances': '["*"]' }, all)], all);
  assert.deepEqual([...fencedInstances({ 'cnpg.io/fencedInstances': 'nope' }, all)], []);
  assert.deepEqual([...fencedInstances(undefined, all)], []);
});

test('a switchover names an instance of the cluster, not the primary, and not during a failover', () => {
  assert.equal(resolveInstanceName('pg', '2'), 'pg-2');
  assert.equal(resolveInstanceName('pg', 'pg-3'), 'pg-3');
  const names = ['pg-1', 'pg-2'];
  assert.equal(switchoverRefusal('pg', 'pg-2', names, { currentPrimary: 'pg-1' }), undefined);
  assert.deepEqual(switchoverRefusal('pg', 'pg-7', names, {}), { unknown: true, message: 'instance pg-7 is not part of cluster pg (instances: pg-1, pg-2)' });
  assert.deepEqual(switchoverRefusal('pg', 'pg-1', names, { currentPrimary: 'pg-1' }), { unknown: false, message: 'pg-1 is already the primary of pg' });
  assert.equal(switchoverRefusal('pg', 'pg-2', names, { currentPrimary: 'pg-1', targetPrimary: 'pending' })?.message, 'cluster pg is failing over; try again when it is healthy');
});

test('a fencing annotation naming an instance the cluster does not have is refused', () => {
  const none = undefined;
  const fenced = (list: string) => ({ 'cnpg.io/fencedInstances': list });
  assert.equal(fencingRefusal(none, fenced('["pg-2"]'), ['pg-1', 'pg-2']), undefined);
  assert.equal(fencingRefusal(none, fenced('["*"]'), []), undefined);
  assert.equal(fencingRefusal(fenced('["pg-3"]'), fenced('["pg-3"]'), ['pg-1']), undefined, 'an instance scaled away may stay listed');
  assert.equal(fencingRefusal(none, fenced('["pg-9"]'), ['pg-1', 'pg-2']), '"pg-9" is not an instance of this cluster (instances: pg-1, pg-2; "*" stands for all of them)');
  assert.equal(fencingRefusal(none, fenced('pg-1'), ['pg-1']), 'must be a JSON list of instance names, e.g. ["pg-1"] or ["*"] (it fences nothing otherwise)');
});
