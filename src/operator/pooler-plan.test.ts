import test from 'node:test';
import assert from 'node:assert/strict';
import { isPooler, validateObject, type Pooler } from '../api/index.js';
import { handoutHash, type PoolerHandout } from '../pgbouncer/handout.js';
import type { ObservedPoolerInstance } from './platform.js';
import { planPooler, type PoolerStatus } from './pooler-plan.js';

function pooler(spec: Record<string, unknown> = {}, status?: Partial<PoolerStatus>): Pooler {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', metadata: { name: 'pg-pooler', namespace: 'prod' }, spec: { cluster: { name: 'pg' }, instances: 2, ...spec } });
  assert.ok(isPooler(resource));
  return status ? ({ ...resource, status } as Pooler) : resource;
}

const handout = (paused = false): PoolerHandout => ({
  settings: { pool_mode: 'transaction' },
  target: { host: '127.0.0.1', port: 6000 },
  hba: [],
  users: [],
  serverTLS: { ca: 'CA' },
  paused,
});
const secrets = { serverCA: { name: 'pg-ca', version: '3' } };
const address = { host: '127.0.0.1', port: 7000 };
const at = (h: PoolerHandout, name: string, over: Partial<ObservedPoolerInstance> = {}): ObservedPoolerInstance => ({ name, ready: true, appliedHash: handoutHash(h), paused: h.paused, ...over });

test('a Pooler whose Cluster does not exist waits, says so once, and runs nothing', () => {
  const plan = planPooler({ pooler: pooler(), clusterExists: false, handout: { waiting: 'no Cluster' }, observed: [], address });
  assert.equal(plan.status.phase, 'inactive');
  assert.match(plan.status.phaseReason ?? '', /waiting for Cluster pg: it does not exist in namespace prod/);
  assert.deepEqual(plan.actions.map((a) => a.kind), ['recordEvent']);
  assert.ok(plan.requeueAfterMs !== undefined);
  const again = planPooler({ pooler: pooler({}, plan.status), clusterExists: false, handout: { waiting: 'no Cluster' }, observed: [], address });
  assert.deepEqual(again.actions, [], 'the same reason is not announced again');
});

test('a Secret still missing keeps the pooler waiting with the reason', () => {
  const plan = planPooler({ pooler: pooler(), clusterExists: true, handout: { waiting: 'waiting for Secret pg-pooler' }, observed: [], address });
  assert.equal(plan.status.phase, 'inactive');
  assert.equal(plan.status.phaseReason, 'waiting for Secret pg-pooler');
  assert.ok(!plan.actions.some((a) => a.kind === 'apply'));
});

test('new, scaled, reconfigured or dead PgBouncers get the handout; settled ones get nothing', () => {
  const h = handout();
  const run = (observed: ObservedPoolerInstance[], spec = {}) => planPooler({ pooler: pooler(spec), clusterExists: true, handout: { handout: h, secrets }, observed, address });
  const fresh = run([]);
  assert.deepEqual(fresh.actions.map((a) => a.kind), ['apply', 'recordEvent']);
  assert.equal(fresh.status.phase, 'active');
  assert.match(fresh.status.phaseReason ?? '', /0 of 2/);
  const settled = run([at(h, 'pg-pooler-1'), at(h, 'pg-pooler-2')]);
  assert.deepEqual(settled.actions, []);
  assert.deepEqual(settled.status, { instances: 2, readyInstances: 2, localEndpoint: address, phase: 'active', secrets });
  assert.equal(settled.requeueAfterMs, undefined);
  const older = run([at(h, 'pg-pooler-1'), at(h, 'pg-pooler-2', { appliedHash: 'old' })]);
  assert.deepEqual(older.actions.map((a) => a.kind), ['apply', 'recordEvent']);
  assert.ok(older.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'Reconfiguring'));
  const dead = run([at(h, 'pg-pooler-1'), { name: 'pg-pooler-2', ready: false, paused: false }]);
  assert.deepEqual(dead.actions.map((a) => a.kind), ['apply']);
  assert.equal(dead.status.readyInstances, 1);
  const scaledDown = run([at(h, 'pg-pooler-1'), at(h, 'pg-pooler-2')], { instances: 1 });
  assert.ok(scaledDown.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'Scaling'));
});

test('paused: the phase says so, and an instance that has not paused yet is not settled', () => {
  const h = handout(true);
  const plan = planPooler({ pooler: pooler({ pgbouncer: { paused: true } }), clusterExists: true, handout: { handout: h, secrets }, observed: [at(h, 'pg-pooler-1'), at(h, 'pg-pooler-2', { paused: false })], address });
  assert.equal(plan.status.phase, 'paused');
  assert.deepEqual(plan.actions.map((a) => a.kind), ['apply']);
});

test('scaled to zero is inactive', () => {
  const plan = planPooler({ pooler: pooler({ instances: 0 }), clusterExists: true, handout: { handout: handout(), secrets }, observed: [], address });
  assert.equal(plan.status.phase, 'inactive');
  assert.deepEqual(plan.actions, []);
});

test('what a pooler manager says is wrong reaches the phase reason', () => {
  const h = handout();
  const plan = planPooler({ pooler: pooler(), clusterExists: true, handout: { handout: h, secrets }, observed: [at(h, 'pg-pooler-1'), { name: 'pg-pooler-2', ready: false, paused: false, error: 'pgbouncer exited: bad setting' }], address });
  assert.match(plan.status.phaseReason ?? '', /1 of 2 PgBouncer instance\(s\) ready with the current configuration; pg-pooler-2: pgbouncer exited: bad setting/);
});
