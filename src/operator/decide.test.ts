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
/** Certificates that need nothing done, so the cases below are about instances. */
const certificates: Record<string, ObservedCertificate> = {
  'pg-ca': { subject: 'CN=pg,OU=default', notAfter: new Date('2026-03-01T00:00:00Z'), names: [], hasKey: true },
  'pg-server': { subject: 'CN=pg-rw', notAfter: new Date('2026-03-01T00:00:00Z'), names: serverNames(cluster(1), []), hasKey: true, issuedByServerCA: true },
};
const observed = (instances: ObservedInstance[], c?: Cluster) => ({ instances: c ? configured(c, instances) : instances, secrets: new Set<string>(), now: new Date('2026-01-01T00:00:00Z'), certificates });

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

test('a new cluster issues its CA, then its server certificate, before any instance', () => {
  const plan = planCluster(cluster(1), { ...observed([]), certificates: {} }, 15);
  const issued = plan.actions.flatMap((a, index) => (a.kind === 'issueCertificate' ? [{ index, name: a.name, what: a.request.certificate }] : []));
  assert.deepEqual(issued.map(({ name, what }) => `${what}:${name}`), ['authority:pg-ca', 'server:pg-server']);
  assert.ok(issued.every(({ index }) => index < plan.actions.findIndex((a) => a.kind === 'createInstance')));
  assert.deepEqual(Object.keys(plan.status.certificates?.expirations ?? {}).sort(), ['pg-ca', 'pg-server']);
});

test('no replica is created until the primary is ready', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1' });
  const plan = planCluster(c, observed([inst(1, 1, {}, { ready: false, phase: 'bootstrapping', isPrimary: undefined })], c), 15);
  assert.deepEqual(kinds(plan.actions), []);
  assert.equal(plan.status.phase, PHASE.settingUpPrimary);
});

test('a primary whose bootstrap keeps failing: the status says why', () => {
  const c = cluster(1, {}, { currentPrimary: 'pg-1' });
  const lastError = 'pg_basebackup exited with 1: FATAL:  password authentication failed for user "streaming_replica"';
  const plan = planCluster(c, observed([inst(1, 1, {}, { ready: false, phase: 'bootstrapping', postgresRunning: false, isPrimary: undefined, lastError })], c), 15);
  assert.equal(plan.status.phase, PHASE.settingUpPrimary);
  assert.match(plan.status.phaseReason ?? '', /^primary pg-1: PostgreSQL bootstrapping; last error: pg_basebackup exited with 1: FATAL: {2}password authentication failed/);
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

test('status.topology counts the nodes the instances run on, and says when one is not known', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1' });
  const spread = planCluster(c, observed([inst(1, 1, { node: 'a' }), inst(2, 1, { node: 'b' }), inst(3, 1, { node: 'a' })], c), 15);
  assert.deepEqual(spread.status.topology, { nodesUsed: 2, successfullyExtracted: true });
  const unknown = planCluster(c, observed([inst(1, 1, { node: 'a' }), inst(2, 1), inst(3, 1, { node: 'a' })], c), 15);
  assert.deepEqual(unknown.status.topology, { nodesUsed: 1, successfullyExtracted: false });
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

test('lowering a hot-standby-sensitive setting restarts the primary first, then the replicas', () => {
  const lowered = cluster(3, { postgresql: { parameters: { max_connections: '150' }, enableAlterSystem: false } } as Partial<Cluster['spec']>, { currentPrimary: 'pg-1' });
  const decrease = { pendingRestart: true, pendingRestartForDecrease: true };
  const primaryFirst = planCluster(lowered, observed([inst(1, 1, {}, decrease), inst(2, 1, {}, decrease), inst(3, 1, {}, decrease)], lowered), 15);
  assert.deepEqual(kinds(primaryFirst.actions), ['restartPostgres:pg-1']);
  assert.equal(primaryFirst.status.phase, PHASE.restartingPrimary);
  const replicasAfter = planCluster(lowered, observed([inst(1, 1), inst(2, 1, {}, decrease), inst(3, 1, {}, decrease)], lowered), 15);
  assert.deepEqual(kinds(replicasAfter.actions), ['restartPostgres:pg-3']);

  const supervised = cluster(3, { primaryUpdateStrategy: 'supervised' } as Partial<Cluster['spec']>, { currentPrimary: 'pg-1' });
  const waits = planCluster(supervised, observed([inst(1, 1, {}, decrease), inst(2, 1, {}, decrease), inst(3, 1, {}, decrease)], supervised), 15);
  assert.deepEqual(kinds(waits.actions), [], 'supervised: no replica restarts ahead of the primary either');
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

test('an instance whose peers are not the ones it was told of gets a new spec, decided here and not by the platform', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1' });
  const peer = (n: number, host = `10.0.0.${n}`) => ({ name: `pg-${n}`, host, statusPort: 8000 });
  const told = (i: ObservedInstance, toldOf: ReturnType<typeof peer>[], now = toldOf) => ({ ...i, peersToldOf: toldOf, peersNow: now });
  const steady = [told(inst(1, 1), [peer(2), peer(3)]), told(inst(2, 1), [peer(1), peer(3)]), told(inst(3, 1), [peer(2), peer(1)])];
  assert.deepEqual(kinds(planCluster(c, observed(steady, c), 15).actions), []);
  const moved = [told(inst(1, 1), [peer(2)], [peer(2), peer(3)]), told(inst(2, 1), [peer(1), peer(3)]), told(inst(3, 1), [peer(1), peer(2)], [peer(1, '10.0.0.9'), peer(2)])];
  assert.deepEqual(kinds(planCluster(c, observed(moved, c), 15).actions), ['configureInstance:pg-1', 'configureInstance:pg-3']);
});

const actionKinds = (actions: Action[]) => actions.filter((a) => a.kind !== 'ensureSecret').map((a) => `${a.kind}${'name' in a ? `:${a.name}` : ''}`);

test('a failed primary is isolated first, with writes routed nowhere, and the target chosen next round', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pg-1' });
  const dead = inst(1, 1, { running: false, status: undefined });
  const plan = planCluster(c, observed([dead, inst(2, 1, {}, { receivedLsn: '0/5' }), inst(3, 1, {}, { receivedLsn: '0/9' })], c), 15);
  const a = actionKinds(plan.actions);
  assert.ok(a.indexOf('isolateInstance:pg-1') > a.indexOf('routeEndpoints'), 'writes are cut off before isolation');
  assert.ok(!a.some((k) => k.startsWith('promoteInstance')), 'no promotion in the same round');
  assert.equal(plan.status.targetPrimary, 'pending');
  assert.equal(plan.status.phase, PHASE.failingOver);
  assert.deepEqual(plan.actions.filter((x) => x.kind === 'routeEndpoints').map((x) => x.kind === 'routeEndpoints' && x.rw), [[], []]);
  // Readers stay on the standbys throughout: the route before isolation is the one the plan ends with.
  const routes = plan.actions.filter((x) => x.kind === 'routeEndpoints');
  assert.deepEqual(routes[0], routes[1]);
  assert.deepEqual(routes[0]?.kind === 'routeEndpoints' && routes[0].ro, ['pg-2', 'pg-3']);
});

test('the pending failover promotes the most advanced standby once no WAL receiver is active', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pending' });
  const isolated = inst(1, 1, {}, { postgresRunning: false, phase: 'isolated' });
  const standbys = [inst(2, 1, {}, { receivedLsn: '0/9', replayLsn: '0/8' }), inst(3, 1, {}, { receivedLsn: '0/9', replayLsn: '0/9' })];
  const waiting = planCluster(c, observed([isolated, inst(2, 1, {}, { isWalReceiverActive: true, receivedLsn: '0/9' }), standbys[1] as ObservedInstance], c), 15);
  assert.ok(!actionKinds(waiting.actions).some((k) => k.startsWith('promoteInstance')), 'waits for receivers to stop');
  const plan = planCluster(c, observed([isolated, ...standbys], c), 15);
  assert.ok(actionKinds(plan.actions).includes('promoteInstance:pg-3'), 'equal received LSN: more replayed wins');
  assert.equal(plan.status.currentPrimary, 'pg-3');
  assert.equal(plan.status.targetPrimary, 'pg-3');
  const route = plan.actions.filter((x) => x.kind === 'routeEndpoints').pop();
  assert.deepEqual(route?.kind === 'routeEndpoints' && route.rw, ['pg-3'], 'writes go to the new primary once promoted');
});

test('the promotion step also points the other standbys at the new primary, so a synchronous commit need not wait a reconcile', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pending' });
  const isolated = inst(1, 1, {}, { postgresRunning: false, phase: 'isolated' });
  const plan = planCluster(c, observed([isolated, inst(2, 1, {}, { receivedLsn: '0/8' }), inst(3, 1, {}, { receivedLsn: '0/9' })], c), 15);
  const kindsInOrder = actionKinds(plan.actions).filter((k) => k.startsWith('promoteInstance') || k.startsWith('configureInstance'));
  assert.deepEqual(kindsInOrder, ['promoteInstance:pg-3', 'configureInstance:pg-2'], 'promoted first, then the standby told, never the isolated old primary');
  const conf = plan.actions.find((x) => x.kind === 'configureInstance');
  assert.ok(conf?.kind === 'configureInstance' && conf.config.role === 'replica' && conf.config.primaryName === 'pg-3');
  // The next reconcile finds pg-2 configured as the steady state wants it: no second push.
  const after = observed([isolated, inst(2, 3), inst(3, 3, { role: 'primary' }, { isPrimary: true })], c);
  const next = planCluster({ ...c, status: plan.status }, { ...after, instances: after.instances.map((i) => (i.name === 'pg-2' ? { ...i, configHash: configHash(conf.config) } : i)) }, 15);
  assert.ok(!actionKinds(next.actions).includes('configureInstance:pg-2'), actionKinds(next.actions).join(', '));
});

test('a promotion whose status was never written is finished, never followed by a second promotion', () => {
  // The promotion step ran (pg-2 promoted, pg-3 following it) but its status update was lost, so
  // the Cluster still says pending: pg-3's active WAL receiver streams from pg-2, not the old primary.
  const c = cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pending' });
  const isolated = inst(1, 1, {}, { postgresRunning: false, phase: 'isolated' });
  const plan = planCluster(c, observed([isolated, inst(2, 2, { role: 'primary' }, { receivedLsn: '0/9' }), inst(3, 2, {}, { isWalReceiverActive: true, receivedLsn: '0/9' })], c), 15);
  const kindsNow = actionKinds(plan.actions);
  assert.ok(!kindsNow.includes('promoteInstance:pg-3'), `two primaries: ${kindsNow.join(', ')}`);
  assert.ok(kindsNow.includes('promoteInstance:pg-2'), `the promoted instance is the target: ${kindsNow.join(', ')}`);
  assert.equal(plan.status.currentPrimary, 'pg-2');
  assert.equal(plan.status.targetPrimary, 'pg-2');
  const notYetFollowing = planCluster(c, observed([isolated, inst(2, 2, { role: 'primary' }, { receivedLsn: '0/9' }), inst(3, 1, {}, { receivedLsn: '0/9' })], c), 15);
  assert.ok(!actionKinds(notYetFollowing.actions).includes('promoteInstance:pg-3'), `two primaries: ${actionKinds(notYetFollowing.actions).join(', ')}`);
});

test('after the failover the old primary is told to follow the new one', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-3', targetPrimary: 'pg-3' });
  const oldConfigured = observed([inst(1, 1, {}, { postgresRunning: false, phase: 'isolated', isPrimary: undefined }), inst(2, 1), inst(3, 1)], c).instances;
  const plan = planCluster(c, { ...observed([]), instances: oldConfigured.map((i) => (i.name === 'pg-3' ? { ...i, role: 'primary' as const, status: { ...(i.status as InstanceStatus), isPrimary: true } } : i)) }, 15);
  const conf = plan.actions.find((x) => x.kind === 'configureInstance' && x.name === 'pg-1');
  assert.ok(conf && conf.kind === 'configureInstance' && conf.config.role === 'replica' && conf.config.primaryName === 'pg-3');
});

test('failoverDelay holds the failover back, counting from the first failed observation', () => {
  const c = cluster(3, { failoverDelay: 5 } as Partial<Cluster['spec']>, { currentPrimary: 'pg-1' });
  const obs = observed([inst(1, 1, { running: false, status: undefined }), inst(2, 1), inst(3, 1)], c);
  const first = planCluster(c, obs, 15);
  assert.ok(!actionKinds(first.actions).includes('isolateInstance:pg-1'));
  assert.equal(first.status.currentPrimaryFailingSinceTimestamp, '2026-01-01T00:00:00.000Z');
  const later = planCluster({ ...c, status: first.status }, { ...obs, now: new Date('2026-01-01T00:00:06Z') }, 15);
  assert.ok(actionKinds(later.actions).includes('isolateInstance:pg-1'));
});

test('a fenced primary does not fail over', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1' });
  c.metadata.annotations = { 'cnpg.io/fencedInstances': '["pg-1"]' };
  const plan = planCluster(c, observed([inst(1, 1, {}, { postgresRunning: false, phase: 'fenced', fenced: true }), inst(2, 1), inst(3, 1)], c), 15);
  assert.ok(!actionKinds(plan.actions).some((k) => k.startsWith('isolate') || k.startsWith('promote')));
  const route = plan.actions.filter((x) => x.kind === 'routeEndpoints').pop();
  assert.deepEqual(route?.kind === 'routeEndpoints' && route.rw, []);
});

test('a requested switchover demotes and promotes in one step; a bad target is refused', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pg-2' });
  const obs = observed([inst(1, 1), inst(2, 1), inst(3, 1)], c);
  const plan = planCluster(c, obs, 15);
  const sw = plan.actions.find((x) => x.kind === 'switchover');
  assert.ok(sw && sw.kind === 'switchover' && sw.from === 'pg-1' && sw.to === 'pg-2' && sw.fromConfig.role === 'replica' && sw.toConfig.role === 'primary');
  assert.equal(plan.status.currentPrimary, 'pg-2');
  assert.equal(plan.status.phase, PHASE.switchover);
  const before = plan.actions.find((x) => x.kind === 'routeEndpoints');
  assert.deepEqual(before?.kind === 'routeEndpoints' && [before.rw, before.ro], [[], ['pg-3']], 'the target leaves -ro before its promotion; the other standby keeps serving reads');

  const bad = planCluster(cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pg-7' }), obs, 15);
  assert.ok(bad.actions.some((x) => x.kind === 'recordEvent' && x.reason === 'SwitchoverRefused'));
  assert.equal(bad.status.targetPrimary, 'pg-1');

  const annotated = cluster(3, {}, { currentPrimary: 'pg-1' });
  annotated.metadata.annotations = { 'cnpg.io/targetPrimary': 'pg-3' };
  const viaAnnotation = planCluster(annotated, obs, 15);
  assert.ok(viaAnnotation.actions.some((x) => x.kind === 'clearAnnotation' && x.key === 'cnpg.io/targetPrimary'));
  assert.ok(viaAnnotation.actions.some((x) => x.kind === 'switchover' && x.to === 'pg-3'));
});

test('a primary whose manager times out keeps its writes and is not failed over while its standbys stream', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pg-1' });
  const stalled = inst(1, 1, { status: undefined, statusError: 'no answer in time', statusErrorKind: 'timeout' });
  const streaming = [inst(2, 1, {}, { isWalReceiverActive: true, receivedLsn: '0/9' }), inst(3, 1, {}, { isWalReceiverActive: true, receivedLsn: '0/9' })];
  const first = planCluster(c, observed([stalled, ...streaming], c), 15);
  assert.ok(!actionKinds(first.actions).some((k) => k.startsWith('isolate')), 'one timeout is no failure');
  const route = first.actions.filter((x) => x.kind === 'routeEndpoints').pop();
  assert.deepEqual(route?.kind === 'routeEndpoints' && route.rw, ['pg-1'], 'writes keep going to the primary');
  assert.equal(first.status.currentPrimaryFailingSinceTimestamp, '2026-01-01T00:00:00.000Z');
  // A minute of timeouts, but the standbys still receive its WAL: it is alive.
  const later = planCluster({ ...c, status: first.status }, { ...observed([stalled, ...streaming], c), now: new Date('2026-01-01T00:01:00Z') }, 15);
  assert.ok(!actionKinds(later.actions).some((k) => k.startsWith('isolate')));
  assert.match(later.status.phaseReason ?? '', /still receives its WAL/);
  // It answers again: the evidence is forgotten.
  const back = planCluster({ ...c, status: later.status }, observed([inst(1, 1), ...streaming], c), 15);
  assert.equal(back.status.currentPrimaryFailingSinceTimestamp, undefined);
});

test('uncertain evidence fails over once it persisted the window and the standbys that streamed from it lost it', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pg-1' });
  const frozen = inst(1, 1, {}, { isPrimary: undefined, lastError: 'timeout expired' });
  // Both streamed from pg-1 and have heard nothing from it for longer than the window (failure-witness.ts).
  const walReceiver = { from: 'pg-1', lastHeardAt: '2025-12-31T23:59:50.000Z', silentForMs: 10_000 };
  const lost = [inst(2, 1, {}, { isWalReceiverActive: false, receivedLsn: '0/9', walReceiver }), inst(3, 1, {}, { isWalReceiverActive: false, receivedLsn: '0/8', walReceiver })];
  const first = planCluster(c, observed([frozen, ...lost], c), 15);
  assert.ok(!actionKinds(first.actions).some((k) => k.startsWith('isolate')), 'not at the first observation');
  const soon = planCluster({ ...c, status: first.status }, { ...observed([frozen, ...lost], c), now: new Date('2026-01-01T00:00:04Z') }, 15);
  assert.ok(!actionKinds(soon.actions).some((k) => k.startsWith('isolate')), 'not within the window');
  const after = planCluster({ ...c, status: soon.status }, { ...observed([frozen, ...lost], c), now: new Date('2026-01-01T00:00:05Z') }, 15);
  assert.ok(actionKinds(after.actions).includes('isolateInstance:pg-1'));
  assert.equal(after.status.targetPrimary, 'pending');
});

test('a restarted operator counts uncertain evidence from its own start, not from an old timestamp', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pg-1', currentPrimaryFailingSinceTimestamp: '2025-12-31T23:00:00.000Z' });
  const stalled = inst(1, 1, { status: undefined, statusError: 'no answer in time', statusErrorKind: 'timeout' });
  const lost = [inst(2, 1, {}, { isWalReceiverActive: false }), inst(3, 1, {}, { isWalReceiverActive: false })];
  const justStarted = planCluster(c, { ...observed([stalled, ...lost], c), observingSince: new Date('2025-12-31T23:59:59Z') }, 15);
  assert.ok(!actionKinds(justStarted.actions).some((k) => k.startsWith('isolate')));
  const certain = planCluster(c, { ...observed([inst(1, 1, { running: false, status: undefined }), ...lost], c), observingSince: new Date('2025-12-31T23:59:59Z') }, 15);
  assert.ok(actionKinds(certain.actions).includes('isolateInstance:pg-1'), 'certain evidence acts at once');
});

test('a primary whose manager was killed while PostgreSQL runs gets its manager back, keeps -rw, and is not failed over', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pg-1' });
  const [live, ...standbys] = configured(c, [inst(1, 1), inst(2, 1, {}, { isWalReceiverActive: true }), inst(3, 1, {}, { isWalReceiverActive: true })]);
  const orphaned = { ...(live as ObservedInstance), running: false, status: undefined, postmasterRunning: true };
  const plan = planCluster(c, observed([orphaned, ...standbys]), 15);
  assert.deepEqual(actionKinds(plan.actions).filter((k) => !k.startsWith('routeEndpoints') && !k.startsWith('recordEvent')), ['startInstance:pg-1']);
  const route = plan.actions.filter((x) => x.kind === 'routeEndpoints').pop();
  assert.deepEqual(route?.kind === 'routeEndpoints' && route.rw, ['pg-1']);
});

test('an isolated primary that no standby can replace is started again', () => {
  const c = cluster(2, {}, { currentPrimary: 'pg-1', targetPrimary: 'pg-1' });
  const isolated = inst(1, 1, {}, { postgresRunning: false, phase: 'isolated', isPrimary: undefined, isolationReason: 'no contact' });
  const plan = planCluster(c, observed([isolated, inst(2, 1, {}, { postgresRunning: false, phase: 'stopped', isPrimary: undefined })], c), 15);
  assert.ok(actionKinds(plan.actions).includes('configureInstance:pg-1'), 'a new spec releases the isolation');
  assert.ok(plan.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'ReleasingIsolation'));
  assert.ok(!actionKinds(plan.actions).some((k) => k.startsWith('isolate') || k.startsWith('promote')));
});

test('a standby left isolated (an isolate request from its failover, applied only after it was told to follow the new primary) is released', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-2', targetPrimary: 'pg-2' });
  const [first, second, third] = configured(c, [inst(1, 2), inst(2, 2), inst(3, 2, {}, { isWalReceiverActive: true })]);
  const stale = { ...(first as ObservedInstance), status: { ...(first as ObservedInstance).status!, postgresRunning: false, phase: 'isolated' as const, isolationReason: 'requested by the operator' } };
  const plan = planCluster(c, observed([stale, second!, third!], c), 15);
  assert.ok(actionKinds(plan.actions).includes('configureInstance:pg-1'), 'a new spec releases the isolation');
  assert.ok(plan.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'ReleasingIsolation' && /pg-1/.test(a.message)));
  assert.ok(!actionKinds(plan.actions).some((k) => k.startsWith('isolate') || k.startsWith('promote')));
});

test('a pending failover whose every candidate vanished gives up and keeps the old primary', () => {
  const c = cluster(2, {}, { currentPrimary: 'pg-1', targetPrimary: 'pending', targetPrimaryTimestamp: '2026-01-01T00:00:00.000Z' });
  const isolated = inst(1, 1, {}, { postgresRunning: false, phase: 'isolated', isPrimary: undefined });
  const [oldPrimary, standby] = configured(c, [isolated, inst(2, 1)]);
  const both = [oldPrimary as ObservedInstance, { ...(standby as ObservedInstance), running: false, status: undefined }];
  const waiting = planCluster(c, { ...observed(both), now: new Date('2026-01-01T00:00:01Z') }, 15);
  assert.equal(waiting.status.targetPrimary, 'pending');
  const plan = planCluster(c, { ...observed(both), now: new Date('2026-01-01T00:00:06Z') }, 15);
  assert.equal(plan.status.targetPrimary, 'pg-1');
  assert.ok(plan.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'FailoverAbandoned'));
  assert.ok(actionKinds(plan.actions).includes('configureInstance:pg-1'));
  assert.ok(actionKinds(plan.actions).includes('startInstance:pg-2'));
});

const withAnnotations = (c: Cluster, annotations: Record<string, string>): Cluster => ({ ...c, metadata: { ...c.metadata, annotations } });
const cleared = (plan: { actions: Action[] }, key: string) => plan.actions.some((a) => a.kind === 'clearAnnotation' && a.key === key);

test('a rolling restart request reaches every instance, which then restart standbys first, the primary last', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1' });
  const asked = withAnnotations(c, { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' });
  const plan = planCluster(asked, observed([inst(1, 1), inst(2, 1), inst(3, 1)], c), 15);
  assert.deepEqual(kinds(plan.actions), ['configureInstance:pg-1', 'configureInstance:pg-2', 'configureInstance:pg-3']);
  assert.ok(plan.actions.every((a) => a.kind !== 'configureInstance' || a.config.restartRequest === '2026-01-01T00:00:00Z'));
  // One at a time: a standby still coming back holds the next one.
  const pending = (n: number) => inst(n, 1, {}, { pendingRestart: true });
  const returning = planCluster(asked, observed([pending(1), pending(2), inst(3, 1, {}, { ready: false, phase: 'restarting' })], asked), 15);
  assert.deepEqual(kinds(returning.actions), []);
});

test('cnpg restart of the primary restarts it in place, also under supervised, and clears the request after', () => {
  for (const strategy of ['unsupervised', 'supervised']) {
    const c = withAnnotations(cluster(3, { primaryUpdateStrategy: strategy } as Partial<Cluster['spec']>, { currentPrimary: 'pg-1' }), { 'cnpg.io/restartInstance': 'pg-1' });
    const plan = planCluster(c, observed([inst(1, 1), inst(2, 1), inst(3, 1)], c), 15);
    assert.deepEqual(kinds(plan.actions), ['restartPostgres:pg-1', 'clearAnnotation:'], strategy);
    const at = (k: string) => plan.actions.findIndex((a) => a.kind === k);
    assert.ok(at('clearAnnotation') > at('restartPostgres'), 'cleared only once the restart is done, so a failed one is tried again');
    assert.equal(plan.status.phase, PHASE.restartingPrimary);
  }
});

test('cnpg restart of a standby recreates it (stopped, then started by the next reconcile) and routes nothing to it meanwhile', () => {
  const c = withAnnotations(cluster(3, {}, { currentPrimary: 'pg-1' }), { 'cnpg.io/restartInstance': 'pg-2' });
  const plan = planCluster(c, observed([inst(1, 1), inst(2, 1), inst(3, 1)], c), 15);
  assert.deepEqual(kinds(plan.actions), ['stopInstance:pg-2', 'clearAnnotation:']);
  const route = plan.actions.find((a) => a.kind === 'routeEndpoints');
  assert.deepEqual(route, { kind: 'routeEndpoints', rw: ['pg-1'], ro: ['pg-3'], r: ['pg-1', 'pg-3'] });
  const next = planCluster(cluster(3, {}, { ...plan.status }), observed([inst(1, 1), { ...inst(2, 1, { running: false, status: undefined }), configHash: 'x' }, inst(3, 1)], c), 15);
  assert.deepEqual(kinds(next.actions), ['startInstance:pg-2']);
});

test('cnpg restart of an unknown instance is refused with an event; of a primary not running yet, it waits', () => {
  const c = withAnnotations(cluster(2, {}, { currentPrimary: 'pg-1' }), { 'cnpg.io/restartInstance': 'pg-7' });
  const plan = planCluster(c, observed([inst(1, 1), inst(2, 1)], c), 15);
  assert.ok(plan.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'RestartRefused'));
  assert.ok(cleared(plan, 'cnpg.io/restartInstance'));
  assert.deepEqual(kinds(plan.actions), ['clearAnnotation:']);
  const down = withAnnotations(cluster(1, {}, { currentPrimary: 'pg-1' }), { 'cnpg.io/restartInstance': 'pg-1' });
  const waits = planCluster(down, observed([{ ...inst(1, 1, { running: false, status: undefined }), configHash: 'x' }]), 15);
  assert.deepEqual(kinds(waits.actions), ['startInstance:pg-1']);
  assert.ok(!cleared(waits, 'cnpg.io/restartInstance'));
});

test('status.image records the default image once; a changed default does not change it, the spec does', () => {
  const c = cluster(1, {}, { currentPrimary: 'pg-1' });
  const first = planCluster(c, { ...observed([inst(1, 1)], c), defaultImage: 'example/postgresql:15-a' }, 15);
  assert.equal(first.status.image, 'example/postgresql:15-a');
  const later = planCluster(cluster(1, {}, { ...first.status }), { ...observed([inst(1, 1)], c), defaultImage: 'example/postgresql:15-b' }, 15);
  assert.equal(later.status.image, 'example/postgresql:15-a');
  const named = planCluster(cluster(1, { imageName: 'mine/postgresql:15.4' }, { ...first.status }), { ...observed([inst(1, 1)], c), defaultImage: 'example/postgresql:15-b' }, 15);
  assert.equal(named.status.image, 'mine/postgresql:15.4');
});

test('a Cluster is healthy only once the platform counts every ready instance ready too (a Pod behind its Service)', () => {
  const c = cluster(3, {}, { currentPrimary: 'pg-1', targetPrimary: 'pg-1' });
  const probing = planCluster(c, observed([inst(1, 1, { platformReady: true }), inst(2, 1, { platformReady: true }), inst(3, 1, { platformReady: false })], c), 15);
  assert.equal(probing.status.phase, PHASE.waitingForInstances);
  assert.match(probing.status.phaseReason ?? '', /pg-3/);
  assert.equal(probing.status.readyInstances, 2);
  const route = probing.actions.filter((x) => x.kind === 'routeEndpoints').pop();
  assert.ok(route?.kind === 'routeEndpoints' && route.rw[0] === 'pg-1' && route.ro.includes('pg-3'), 'routing still follows the managers');
  const ready = planCluster(c, observed([inst(1, 1, { platformReady: true }), inst(2, 1, { platformReady: true }), inst(3, 1, { platformReady: true })], c), 15);
  assert.equal(ready.status.phase, PHASE.healthy);
  assert.equal(ready.status.readyInstances, 3);
});
