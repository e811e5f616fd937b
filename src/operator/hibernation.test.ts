import test from 'node:test';
import assert from 'node:assert/strict';
import type { Condition, StoredCluster as Cluster } from '../api/cluster-status.js';
import { fixture } from '../api/testing.js';
import type { InstanceStatus } from '../instance/status.js';
import { PHASE, planCluster } from './decide.js';
import { HIBERNATION_CONDITION } from './hibernation.js';
import type { Action, ObservedInstance } from './types.js';

const NOW = new Date('2026-01-01T00:00:00Z');

function cluster(hibernation: string | undefined, status: Cluster['status'], spec: Partial<Cluster['spec']> = {}): Cluster {
  const c = fixture('Cluster', { instances: 3, bootstrap: { initdb: { database: 'app', owner: 'app' } }, ...spec }, { namespace: 'default', generation: 1 });
  if (hibernation) c.metadata.annotations = { 'cnpg.io/hibernation': hibernation };
  return { ...c, status };
}

function inst(serial: number, primary: number, running = true, over: Partial<InstanceStatus> = {}): ObservedInstance {
  const name = `pg-${serial}`;
  const status: InstanceStatus = { name, managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/d', replicationInfo: [], isPrimary: serial === primary, ...over };
  return { name, serial, running, configHash: 'given', role: serial === primary ? 'primary' : 'replica', ...(running ? { status } : {}) };
}

const observed = (instances: ObservedInstance[], now = NOW) => ({ instances, secrets: new Set<string>(), now });
const instanceActions = (actions: Action[]) =>
  actions.filter((a) => ['stopInstance', 'startInstance', 'createInstance', 'removeInstance', 'promoteInstance', 'switchover', 'isolateInstance'].includes(a.kind)).map((a) => `${a.kind}:${'name' in a ? a.name : ''}`);
const hibernationCondition = (c: Condition[] | undefined) => c?.find((x) => x.type === HIBERNATION_CONDITION);
const healthy = { phase: PHASE.healthy, currentPrimary: 'pg-2', targetPrimary: 'pg-2' };

test('hibernation on: the primary is stopped first and alone, out of every endpoint at once', () => {
  const plan = planCluster(cluster('on', healthy), observed([inst(1, 2), inst(2, 2), inst(3, 2)]), 15);
  assert.deepEqual(instanceActions(plan.actions), ['stopInstance:pg-2']);
  assert.equal(plan.status.phase, PHASE.hibernating);
  assert.equal(hibernationCondition(plan.status.conditions)?.reason, 'DeletingPods');
  const route = plan.actions.find((a) => a.kind === 'routeEndpoints');
  assert.deepEqual(route?.kind === 'routeEndpoints' && route.rw, []);
  assert.ok(plan.requeueAfterMs);
});

test('hibernation on: once the primary is down the standbys stop, and nothing fails over', () => {
  const prev = { ...healthy, phase: PHASE.hibernating, conditions: [{ type: HIBERNATION_CONDITION, status: 'False' as const, reason: 'DeletingPods', message: '', lastTransitionTime: NOW.toISOString() }] };
  const plan = planCluster(cluster('on', prev), observed([inst(1, 2), inst(2, 2, false), inst(3, 2)]), 15);
  assert.deepEqual(instanceActions(plan.actions), ['stopInstance:pg-1', 'stopInstance:pg-3']);
  assert.equal(plan.status.currentPrimary, 'pg-2');
  assert.equal(plan.status.targetPrimary, 'pg-2');
});

test('hibernated: every instance stopped, the last primary kept, the condition True, nothing started', () => {
  const prev = { ...healthy, phase: PHASE.hibernating, conditions: [{ type: HIBERNATION_CONDITION, status: 'False' as const, reason: 'DeletingPods', message: '', lastTransitionTime: NOW.toISOString() }] };
  const plan = planCluster(cluster('on', prev), observed([inst(1, 2, false), inst(2, 2, false), inst(3, 2, false)]), 15);
  assert.deepEqual(instanceActions(plan.actions), []);
  assert.equal(plan.status.phase, PHASE.hibernated);
  assert.equal(plan.status.currentPrimary, 'pg-2');
  const c = hibernationCondition(plan.status.conditions);
  assert.deepEqual([c?.status, c?.reason, c?.message], ['True', 'Hibernated', 'Cluster has been hibernated']);
  assert.equal(plan.requeueAfterMs, undefined, 'nothing to do until the annotation changes');
});

test('hibernation waits for a cluster that is not healthy yet (and says so), unless it has begun', () => {
  const plan = planCluster(cluster('on', { ...healthy, phase: PHASE.creatingReplica }), observed([inst(1, 2), inst(2, 2)]), 15);
  assert.deepEqual(instanceActions(plan.actions).filter((a) => a.startsWith('stop')), []);
  assert.equal(hibernationCondition(plan.status.conditions)?.reason, 'WaitingForHealthy');
});

test('hibernation off: the last primary starts alone, its absence is no failure, then the standbys follow', () => {
  const hibernated = { ...healthy, phase: PHASE.hibernated, conditions: [{ type: HIBERNATION_CONDITION, status: 'True' as const, reason: 'Hibernated', message: '', lastTransitionTime: NOW.toISOString() }] };
  const stopped = [inst(1, 2, false), inst(2, 2, false), inst(3, 2, false)];
  const first = planCluster(cluster('off', hibernated), observed(stopped), 15);
  assert.deepEqual(instanceActions(first.actions), ['startInstance:pg-2']);
  assert.equal(first.status.phase, PHASE.resuming);
  // Standbys that came up before the primary do not make it a failover.
  const racing = planCluster({ ...cluster(undefined, first.status) }, observed([inst(1, 2), inst(2, 2, true, { phase: 'starting', ready: false, isPrimary: undefined }), inst(3, 2)], new Date(NOW.getTime() + 60_000)), 15);
  assert.deepEqual(instanceActions(racing.actions), []);
  assert.equal(racing.status.currentPrimary, 'pg-2');
  assert.notEqual(racing.status.targetPrimary, 'pending');
  const back = planCluster(cluster(undefined, racing.status), observed([inst(1, 2, false), inst(2, 2), inst(3, 2, false)]), 15);
  assert.deepEqual(instanceActions(back.actions), ['startInstance:pg-1', 'startInstance:pg-3']);
  assert.equal(hibernationCondition(back.status.conditions), undefined);
});

test('hibernation off: a primary that does not come back within startDelay is left to the usual reconcile', () => {
  const resuming = { ...healthy, phase: PHASE.resuming, conditions: [{ type: HIBERNATION_CONDITION, status: 'False' as const, reason: 'Resuming', message: '', lastTransitionTime: NOW.toISOString() }] };
  const later = new Date(NOW.getTime() + 31_000);
  const plan = planCluster(cluster(undefined, resuming, { startDelay: 30 }), observed([inst(1, 2), inst(2, 2, false), inst(3, 2)], later), 15);
  assert.equal(hibernationCondition(plan.status.conditions), undefined);
  assert.ok(plan.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'ResumeTimedOut'));
});
