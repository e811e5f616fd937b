import test from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import type { InstanceStatus } from '../instance/status.js';
import { PHASE, planCluster } from './decide.js';
import { configHash, desiredInstanceConfig } from './instance-config.js';
import type { Action, ObservedInstance } from './types.js';

function cluster(instances: number, extra: Partial<Cluster['spec']> = {}, status: Record<string, unknown> = {}): Cluster {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: 'pg', namespace: 'default', generation: 1 },
    spec: { instances, bootstrap: { initdb: { database: 'app', owner: 'app' } }, ...extra },
    status,
  } as Cluster;
}

function status(over: Partial<InstanceStatus>): InstanceStatus {
  return { name: 'x', managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/d', replicationInfo: [], ...over };
}

function inst(serial: number, primary: number, over: Partial<ObservedInstance> = {}, st: Partial<InstanceStatus> = {}): ObservedInstance {
  const name = `pg-${serial}`;
  return { name, serial, running: true, role: serial === primary ? 'primary' : 'replica', status: status({ name, isPrimary: serial === primary, ...st }), ...over };
}

/** Marks each instance as configured for `c` with the observed topology, as the platform would. */
function configured(c: Cluster, instances: ObservedInstance[]): ObservedInstance[] {
  const names = instances.map((i) => i.name);
  const primary = instances.find((i) => i.role === 'primary')?.name ?? 'pg-1';
  return instances.map((i) => (i.configHash === undefined && i.running ? { ...i, configHash: configHash(desiredInstanceConfig(c, i.name, { primary, instances: names }, 15)) } : i));
}

const kinds = (actions: Action[]) => actions.filter((a) => a.kind !== 'recordEvent' && a.kind !== 'ensureSecret' && a.kind !== 'routeEndpoints').map((a) => `${a.kind}:${'name' in a ? a.name : ''}`);
const observed = (instances: ObservedInstance[], c?: Cluster) => ({ instances: c ? configured(c, instances) : instances, secrets: new Set<string>(), now: new Date('2026-01-01T00:00:00Z') });

test('an empty cluster gets its first instance as an initdb primary', () => {
  const plan = planCluster(cluster(3), observed([]), 15);
  assert.deepEqual(kinds(plan.actions), ['createInstance:pg-1']);
  const create = plan.actions.find((a) => a.kind === 'createInstance');
  assert.equal(create?.kind === 'createInstance' && create.config.bootstrap.kind, 'initdb');
  assert.equal(plan.status.phase, PHASE.settingUpPrimary);
  assert.equal(plan.status.currentPrimary, 'pg-1');
  assert.ok(plan.requeueAfterMs);
});

test('secrets come before any instance, and the superuser secret only when asked for', () => {
  const plan = planCluster(cluster(1), observed([]), 15);
  const first = plan.actions.findIndex((a) => a.kind === 'createInstance');
  const secrets = plan.actions.filter((a) => a.kind === 'ensureSecret').map((a) => (a.kind === 'ensureSecret' ? a.name : ''));
  assert.deepEqual(secrets, ['pg-replication', 'pg-app']);
  assert.ok(plan.actions.slice(0, first).every((a) => a.kind === 'ensureSecret'));
  const su = planCluster(cluster(1, { enableSuperuserAccess: true }), observed([]), 15);
  assert.ok(su.actions.some((a) => a.kind === 'ensureSecret' && a.name === 'pg-superuser'));
  const drop = planCluster(cluster(1), { ...observed([]), secrets: new Set(['pg-superuser']) }, 15);
  assert.ok(drop.actions.some((a) => a.kind === 'deleteSecret' && a.name === 'pg-superuser'));
});

test('no replica is created until the primary is ready', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1' });
  const plan = planCluster(c, observed([inst(1, 1, {}, { ready: false, phase: 'bootstrapping', isPrimary: undefined })], c), 15);
  assert.deepEqual(kinds(plan.actions), []);
  assert.equal(plan.status.phase, PHASE.settingUpPrimary);
});

test('replicas are added one at a time, the primary first keeping a slot for the newcomer', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1' });
  const plan = planCluster(c, observed([inst(1, 1)], c), 15);
  assert.deepEqual(kinds(plan.actions), ['configureInstance:pg-1', 'createInstance:pg-2']);
  const conf = plan.actions[plan.actions.findIndex((a) => a.kind === 'configureInstance')];
  assert.deepEqual(conf?.kind === 'configureInstance' && conf.config.replicationSlots, ['_cnpg_pg_2']);
  const create = plan.actions.find((a) => a.kind === 'createInstance');
  assert.equal(create?.kind === 'createInstance' && create.config.bootstrap.kind, 'join');
  assert.equal(create?.kind === 'createInstance' && create.config.slotName, '_cnpg_pg_2');
  assert.equal(plan.status.phase, PHASE.creatingReplica);

  const joining = planCluster(c, observed([inst(1, 1), inst(2, 1, {}, { ready: false, phase: 'bootstrapping' })], c), 15);
  assert.deepEqual(kinds(joining.actions).filter((k) => k.startsWith('create')), [], 'waits while a replica is still joining');
});

test('scale down removes the highest-serial replica, never the primary', () => {
  const c = cluster(2, {}, { currentPrimary: 'pg-3' });
  const plan = planCluster(c, observed([inst(1, 3), inst(2, 3), inst(3, 3)], c), 15);
  assert.ok(kinds(plan.actions).includes('removeInstance:pg-2'));
  assert.ok(!kinds(plan.actions).includes('removeInstance:pg-3'));
});

test('a stopped instance is started again with its current configuration', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1' });
  const plan = planCluster(c, observed([inst(1, 1), inst(2, 1), { ...inst(3, 1, { running: false, status: undefined }), configHash: 'old' }], c), 15);
  assert.deepEqual(kinds(plan.actions), ['startInstance:pg-3']);
  const route = plan.actions.find((a) => a.kind === 'routeEndpoints');
  assert.deepEqual(route, { kind: 'routeEndpoints', rw: ['pg-1'], ro: ['pg-2'], r: ['pg-1', 'pg-2'] });
  assert.deepEqual(plan.status.instancesStatus?.failed, ['pg-3']);
});

test('a healthy cluster does nothing but route, and reports Ready', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1' });
  const plan = planCluster(c, observed([inst(1, 1), inst(2, 1), inst(3, 1)], c), 15);
  assert.deepEqual(kinds(plan.actions), []);
  assert.equal(plan.status.phase, PHASE.healthy);
  assert.equal(plan.status.readyInstances, 3);
  assert.equal(plan.status.conditions?.[0]?.status, 'True');
  assert.equal(plan.requeueAfterMs, undefined);
});

test('a parameter change reconfigures every instance; pending restarts go replicas first, then the primary', () => {
  const base = cluster(3, {}, { currentPrimary: 'pg-1' });
  const changed = cluster(3, { postgresql: { parameters: { max_connections: '300' }, enableAlterSystem: false } } as Partial<Cluster['spec']>, { currentPrimary: 'pg-1' });
  const plan = planCluster(changed, observed([inst(1, 1), inst(2, 1), inst(3, 1)], base), 15);
  assert.deepEqual(kinds(plan.actions), ['configureInstance:pg-1', 'configureInstance:pg-2', 'configureInstance:pg-3']);

  const pending = (n: number) => inst(n, 1, {}, { pendingRestart: true });
  const replicasFirst = planCluster(changed, observed([pending(1), pending(2), pending(3)], changed), 15);
  assert.deepEqual(kinds(replicasFirst.actions), ['restartPostgres:pg-3']);
  const primaryLast = planCluster(changed, observed([pending(1), inst(2, 1), inst(3, 1)], changed), 15);
  assert.deepEqual(kinds(primaryLast.actions), ['restartPostgres:pg-1']);
  assert.equal(primaryLast.status.phase, PHASE.restartingPrimary);

  const supervised = cluster(3, { primaryUpdateStrategy: 'supervised' } as Partial<Cluster['spec']>, { currentPrimary: 'pg-1' });
  const waits = planCluster(supervised, observed([inst(1, 1, {}, { pendingRestart: true }), inst(2, 1), inst(3, 1)], supervised), 15);
  assert.deepEqual(kinds(waits.actions), []);
  assert.equal(waits.status.phase, PHASE.waitingForUser);
});

test('changed credentials (a role password Secret appearing) reach every running instance', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1' });
  const withCreds = (i: ObservedInstance) => ({ ...i, credentialsHash: 'old' });
  const same = planCluster(c, { ...observed([inst(1, 1), inst(2, 1), inst(3, 1)].map(withCreds), c), credentialsHash: 'old' }, 15);
  assert.deepEqual(kinds(same.actions), []);
  const changed = planCluster(c, { ...observed([inst(1, 1), inst(2, 1), inst(3, 1)].map(withCreds), c), credentialsHash: 'new' }, 15);
  assert.deepEqual(kinds(changed.actions), ['configureInstance:pg-1', 'configureInstance:pg-2', 'configureInstance:pg-3']);
});
