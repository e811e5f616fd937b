import test from 'node:test';
import assert from 'node:assert/strict';
import type { InstanceStatus } from '../instance/status.js';
import { chooseFailoverTarget, fencedInstances, primaryFailed, rankFailoverCandidates, resolveInstanceName, switchoverRefusal } from './failover.js';
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

test('a primary fails when its manager, its status or its PostgreSQL is gone', () => {
  const healthy = standby('pg-1', undefined, undefined, { isPrimary: true });
  assert.equal(primaryFailed(healthy), false);
  assert.equal(primaryFailed(undefined), true);
  assert.equal(primaryFailed({ ...healthy, running: false }), true);
  assert.equal(primaryFailed({ ...healthy, statusError: 'ECONNREFUSED' }), true);
  assert.equal(primaryFailed(standby('pg-1', undefined, undefined, { isPrimary: true, postgresRunning: false })), true);
  assert.equal(primaryFailed(standby('pg-1', undefined, undefined, { isPrimary: true, phase: 'isolated' })), true);
  assert.equal(primaryFailed(standby('pg-1', undefined, undefined, { postgresRunning: false, phase: 'restarting' })), false, 'a restart in place is not a failure');
  assert.equal(primaryFailed(standby('pg-1', undefined, undefined, { postgresRunning: false, phase: 'starting' })), false, 'an unfenced primary starting is not a failure');
  assert.equal(primaryFailed(standby('pg-1', undefined, undefined, { postgresRunning: false, phase: 'fenced' })), false, 'fenced on purpose, or just unfenced');
  assert.equal(primaryFailed(standby('pg-1', undefined, undefined, { postgresRunning: false, phase: 'failed' })), true);
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
