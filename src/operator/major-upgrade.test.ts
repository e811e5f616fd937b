import test from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterStatus, StoredCluster as Cluster } from '../api/cluster-status.js';
import { fixture } from '../api/testing.js';
import type { InstanceStatus } from '../instance/status.js';
import { PHASE, planCluster } from './decide.js';
import { dataMajorOf } from './major-upgrade.js';
import type { Action, ObservedInstance } from './types.js';

const IMAGE_15 = 'ghcr.io/cloudnative-pg/postgresql:15';
const IMAGE_16 = 'ghcr.io/cloudnative-pg/postgresql:16.13';

function cluster(status: ClusterStatus, generation = 2): Cluster {
  const spec = { instances: 3, imageName: IMAGE_16, bootstrap: { initdb: { database: 'app', owner: 'app' } } };
  return { ...fixture('Cluster', spec, { namespace: 'default', generation }), status };
}

const ran15: ClusterStatus = { phase: PHASE.healthy, currentPrimary: 'pg-1', targetPrimary: 'pg-1', image: IMAGE_15, pgDataImageInfo: { image: IMAGE_15, majorVersion: 15 } };

function st(name: string, primary: boolean): InstanceStatus {
  return { name, managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/d', replicationInfo: [], isPrimary: primary };
}

function inst(serial: number, dataMajor: number, over: Partial<ObservedInstance> = {}): ObservedInstance {
  const name = `pg-${serial}`;
  const running = over.running ?? true;
  return { name, serial, running, role: serial === 1 ? 'primary' : 'replica', dataMajor, configHash: 'old', ...(running ? { status: st(name, serial === 1) } : {}), ...over };
}

const stopped = (serial: number, dataMajor: number, over: Partial<ObservedInstance> = {}) => inst(serial, dataMajor, { running: false, ...over });
const observed = (instances: ObservedInstance[]) => ({ instances, secrets: new Set<string>(), now: new Date('2026-01-01T00:00:00Z') });
const kinds = (actions: Action[]) => actions.filter((a) => !['recordEvent', 'ensureSecret', 'routeEndpoints', 'issueCertificate'].includes(a.kind)).map((a) => `${a.kind}:${'name' in a ? a.name : ''}`);
const events = (actions: Action[]) => actions.flatMap((a) => (a.kind === 'recordEvent' && a.reason.startsWith('MajorUpgrade') ? [`${a.type}:${a.reason}`] : []));
const majorOf = (actions: Action[], kind: Action['kind']) => actions.flatMap((a) => (a.kind === kind && 'config' in a ? [a.config.major] : []));

test('a newer major stops every instance first, with no endpoint and no failover', () => {
  const plan = planCluster(cluster(ran15), observed([inst(1, 15), inst(2, 15), inst(3, 15)]), 16);
  assert.deepEqual(kinds(plan.actions), ['stopInstance:pg-1', 'stopInstance:pg-2', 'stopInstance:pg-3']);
  assert.deepEqual(events(plan.actions), ['Normal:MajorUpgrade']);
  const firstRoute = plan.actions.find((a) => a.kind === 'routeEndpoints');
  assert.deepEqual(firstRoute, { kind: 'routeEndpoints', rw: [], ro: [], r: [] });
  assert.ok(plan.actions.indexOf(firstRoute!) < plan.actions.findIndex((a) => a.kind === 'stopInstance'), 'clients are cut off before the instances stop');
  assert.equal(plan.status.phase, PHASE.majorUpgrade);
  assert.deepEqual(plan.status.pgDataImageInfo, { image: IMAGE_15, majorVersion: 15 });
  assert.deepEqual(plan.status.targetPgDataImageInfo, { image: IMAGE_16, majorVersion: 16 });
  assert.equal(plan.status.currentPrimary, 'pg-1');
});

test('with every instance stopped, pg_upgrade runs on the primary to the new major, and nothing starts', () => {
  const previous = { ...ran15, phase: PHASE.majorUpgrade };
  const plan = planCluster(cluster(previous), observed([stopped(1, 15), stopped(2, 15), stopped(3, 15, { postmasterRunning: true })]), 16);
  assert.deepEqual(kinds(plan.actions), ['stopInstance:pg-3'], 'a postmaster that outlived its manager is stopped too');
  const done = planCluster(cluster(previous), observed([stopped(1, 15), stopped(2, 15), stopped(3, 15)]), 16);
  assert.deepEqual(kinds(done.actions), ['upgradeMajor:pg-1']);
  assert.deepEqual(majorOf(done.actions, 'upgradeMajor'), [16]);
  const upgrade = done.actions.find((a) => a.kind === 'upgradeMajor');
  assert.equal(upgrade?.kind === 'upgradeMajor' && upgrade.generation, 2);
  assert.deepEqual(events(done.actions), [], 'the event was given when the upgrade began');
  assert.equal(done.status.phase, PHASE.majorUpgrade);
  assert.match(done.status.phaseReason ?? '', /Running pg_upgrade on pg-1 from PostgreSQL 15 to 16/);
});

test('once the primary data is upgraded, it starts on the new major and the old standbys are removed to be cloned again', () => {
  const previous = { ...ran15, phase: PHASE.majorUpgrade, targetPgDataImageInfo: { image: IMAGE_16, majorVersion: 16 } };
  const plan = planCluster(cluster(previous), observed([stopped(1, 16), stopped(2, 15), stopped(3, 15)]), 16);
  assert.deepEqual(kinds(plan.actions), ['removeInstance:pg-2', 'removeInstance:pg-3', 'startInstance:pg-1']);
  assert.deepEqual(majorOf(plan.actions, 'startInstance'), [16]);
  assert.deepEqual(plan.status.pgDataImageInfo, { image: IMAGE_16, majorVersion: 16 });
  assert.equal(plan.status.targetPgDataImageInfo, undefined);
  // Then, with the primary up, replicas are created from it on the new major.
  const up = planCluster(cluster({ ...plan.status, phase: PHASE.waitingForInstances }), observed([inst(1, 16, { configHash: undefined })]), 16);
  assert.deepEqual(kinds(up.actions).filter((k) => k.startsWith('createInstance')), ['createInstance:pg-2']);
  assert.deepEqual(majorOf(up.actions, 'createInstance'), [16]);
});

test('a refused pg_upgrade --check leaves the cluster running its old major, with the reason in status and one event', () => {
  const failure = { targetMajor: 16, generation: 2, stage: 'check' as const, reason: 'Your installation contains one of the reg* data types in user tables.' };
  const previous = { ...ran15, phase: PHASE.majorUpgrade, targetPgDataImageInfo: { image: IMAGE_16, majorVersion: 16 } };
  const plan = planCluster(cluster(previous), observed([stopped(1, 15, { majorUpgradeFailure: failure }), stopped(2, 15), stopped(3, 15)]), 16);
  assert.deepEqual(kinds(plan.actions), ['startInstance:pg-1', 'startInstance:pg-2', 'startInstance:pg-3']);
  assert.deepEqual(majorOf(plan.actions, 'startInstance'), [15, 15, 15]);
  assert.deepEqual(events(plan.actions), ['Warning:MajorUpgradeFailed']);
  assert.deepEqual(plan.status.pgDataImageInfo, { image: IMAGE_15, majorVersion: 15 });
  assert.equal(plan.status.targetPgDataImageInfo, undefined);
  // Running again: not healthy, and says why, without a second event.
  const running = planCluster(cluster({ ...plan.status, phase: PHASE.waitingForInstances }), observed([inst(1, 15, { majorUpgradeFailure: failure }), inst(2, 15), inst(3, 15)]), 16);
  assert.deepEqual(events(running.actions), []);
  assert.equal(running.status.phase, PHASE.waitingForUser);
  assert.match(running.status.phaseReason ?? '', /upgrade from PostgreSQL 15 to 16 failed \(pg_upgrade --check: Your installation contains one of the reg\* data types.*\); the cluster runs PostgreSQL 15/);
  assert.deepEqual(running.actions.find((a) => a.kind === 'routeEndpoints' && a.rw.length > 0 && a.rw[0] === 'pg-1')?.kind, 'routeEndpoints', 'the old primary takes writes again');
  // A later spec (a new generation) tries again.
  const retry = planCluster(cluster(running.status, 3), observed([inst(1, 15, { majorUpgradeFailure: failure }), inst(2, 15), inst(3, 15)]), 16);
  assert.equal(retry.status.phase, PHASE.majorUpgrade);
  assert.deepEqual(kinds(retry.actions), ['stopInstance:pg-1', 'stopInstance:pg-2', 'stopInstance:pg-3']);
});

test('a refused upgrade is not tried again after a failover: the failure recorded on the old primary counts for the Cluster', () => {
  const failure = { targetMajor: 16, generation: 2, stage: 'check' as const, reason: 'Your installation contains one of the reg* data types in user tables.' };
  const afterFailover = { ...ran15, phase: PHASE.waitingForUser, currentPrimary: 'pg-2', targetPrimary: 'pg-2' };
  const plan = planCluster(cluster(afterFailover), observed([inst(1, 15, { role: 'replica', majorUpgradeFailure: failure, status: st('pg-1', false) }), inst(2, 15, { role: 'primary', status: st('pg-2', true) }), inst(3, 15)]), 16);
  assert.deepEqual(kinds(plan.actions).filter((k) => k.startsWith('stopInstance') || k.startsWith('upgradeMajor')), [], 'no instance is stopped for a second attempt');
  assert.equal(plan.status.phase, PHASE.waitingForUser);
  assert.match(plan.status.phaseReason ?? '', /upgrade from PostgreSQL 15 to 16 failed/);
});

test('the same major, a new cluster and a stored downgrade', () => {
  const same = planCluster(cluster({ ...ran15, image: IMAGE_16, pgDataImageInfo: { image: IMAGE_16, majorVersion: 16 } }), observed([inst(1, 16), inst(2, 16), inst(3, 16)]), 16);
  assert.ok(!same.actions.some((a) => a.kind === 'stopInstance' || a.kind === 'upgradeMajor'));
  assert.deepEqual(same.status.pgDataImageInfo, { image: IMAGE_16, majorVersion: 16 });
  const created = planCluster(cluster({}), observed([]), 16);
  assert.deepEqual(majorOf(created.actions, 'createInstance'), [16]);
  assert.deepEqual(created.status.pgDataImageInfo, { image: IMAGE_16, majorVersion: 16 });
  const down = planCluster(cluster({ ...ran15, pgDataImageInfo: { image: 'ghcr.io/cloudnative-pg/postgresql:17', majorVersion: 17 } }), observed([inst(1, 17), inst(2, 17), inst(3, 17)]), 16);
  assert.ok(!down.actions.some((a) => a.kind === 'stopInstance' || a.kind === 'upgradeMajor'));
  assert.equal(down.status.phase, PHASE.waitingForUser);
  assert.match(down.status.phaseReason ?? '', /PostgreSQL 17's and cannot be downgraded to 16/);
});

test('the data major: what the primary data says, else the status, else the image recorded before', () => {
  assert.equal(dataMajorOf({ pgDataImageInfo: { image: IMAGE_15, majorVersion: 15 } }, inst(1, 16), 17), 16);
  assert.equal(dataMajorOf({ pgDataImageInfo: { image: IMAGE_15, majorVersion: 15 } }, undefined, 17), 15);
  assert.equal(dataMajorOf({ image: IMAGE_15 }, undefined, 17), 15);
  assert.equal(dataMajorOf({}, undefined, 17), 17);
});
