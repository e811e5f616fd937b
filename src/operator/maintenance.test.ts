import test from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import { fixture } from '../api/testing.js';
import type { InstanceStatus } from '../instance/status.js';
import { PHASE, planCluster } from './decide.js';
import type { ObservedInstance } from './types.js';

function cluster(window: Record<string, unknown> | undefined): Cluster {
  const c = fixture('Cluster', { instances: 3, bootstrap: { initdb: { database: 'app', owner: 'app' } }, ...(window ? { nodeMaintenanceWindow: window } : {}) }, { namespace: 'default', generation: 1 });
  return { ...c, status: { phase: PHASE.healthy, currentPrimary: 'pg-1', targetPrimary: 'pg-1' } };
}

function inst(serial: number, over: Partial<ObservedInstance> = {}): ObservedInstance {
  const name = `pg-${serial}`;
  const status: InstanceStatus = { name, managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/d', replicationInfo: [], isPrimary: serial === 1 };
  return { name, serial, running: true, configHash: 'given', role: serial === 1 ? 'primary' : 'replica', status, ...over };
}

// pg-3's node was drained: its Pod waits, unschedulable, for the node its volume is bound to.
const drained = () => [inst(1), inst(2), inst(3, { running: false, unschedulable: true, status: undefined })];
const observed = () => ({ instances: drained(), secrets: new Set<string>(), now: new Date('2026-01-01T00:00:00Z') });
const instanceActions = (c: Cluster) => planCluster(c, observed(), 15).actions.filter((a) => ['removeInstance', 'startInstance', 'createInstance'].includes(a.kind)).map((a) => `${a.kind}:${'name' in a ? a.name : ''}`);

test('maintenance without reusing volumes: the unschedulable standby goes with its volumes, then a new one is cloned', () => {
  assert.deepEqual(instanceActions(cluster({ inProgress: true, reusePVC: false })), ['removeInstance:pg-3', 'createInstance:pg-4']);
});

test('maintenance reusing volumes (the default), or no window: the instance waits for its node', () => {
  for (const window of [{ inProgress: true, reusePVC: true }, { inProgress: true }, { inProgress: false, reusePVC: false }, undefined]) {
    assert.deepEqual(instanceActions(cluster(window)), ['startInstance:pg-3'], JSON.stringify(window));
  }
});

test('the primary is never dropped by a maintenance window', () => {
  const c = cluster({ inProgress: true, reusePVC: false });
  const plan = planCluster(c, { ...observed(), instances: [inst(1, { unschedulable: true, running: false, status: undefined }), inst(2), inst(3)] }, 15);
  assert.ok(!plan.actions.some((a) => a.kind === 'removeInstance'));
});
