import test from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import { fixture } from '../api/testing.js';
import type { InstanceStatus } from '../instance/status.js';
import { planCluster } from './decide.js';
import { configHash, desiredInstanceConfig } from './instance-config.js';
import { serverNames } from './certificates.js';
import { testimony } from './failure-witness.js';
import type { Action, ObservedCertificate, ObservedCluster, ObservedInstance } from './types.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);

function cluster(status: Cluster['status'] = { currentPrimary: 'pg-1', targetPrimary: 'pg-1' }): Cluster {
  return { ...fixture('Cluster', { instances: 2, bootstrap: { initdb: { database: 'app', owner: 'app' } } }, { namespace: 'default', generation: 1 }), status };
}

function status(name: string, over: Partial<InstanceStatus>): InstanceStatus {
  return { name, managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/d', replicationInfo: [], ...over };
}

/** The primary's manager does not answer in time: uncertain evidence. `startedAt`: its manager's start, in seconds from T0. */
const stalled = (startedAt = -3600): ObservedInstance => ({ name: 'pg-1', serial: 1, running: true, role: 'primary', managerStartedAt: at(startedAt).toISOString(), statusError: 'no answer within 1000 ms', statusErrorKind: 'timeout' });

/** A standby not streaming; `heardAt` (seconds from T0): when it last heard from pg-1, as of `now`; none: it never streamed since it started. */
function standby(now: number, heardAt?: number, over: Partial<InstanceStatus> = {}): ObservedInstance {
  const walReceiver = heardAt === undefined ? undefined : { from: 'pg-1', lastHeardAt: at(heardAt).toISOString(), silentForMs: (now - heardAt) * 1000 };
  return { name: 'pg-2', serial: 2, running: true, role: 'replica', status: status('pg-2', { isPrimary: false, isWalReceiverActive: false, receivedLsn: '0/9', walReceiver, ...over }) };
}

const certificates: Record<string, ObservedCertificate> = {
  'pg-ca': { subject: 'CN=pg,OU=default', notAfter: new Date('2026-03-01T00:00:00Z'), names: [], hasKey: true },
  'pg-server': { subject: 'CN=pg-rw', notAfter: new Date('2026-03-01T00:00:00Z'), names: serverNames(cluster(), []), hasKey: true, issuedByServerCA: true },
};

function observed(c: Cluster, instances: ObservedInstance[], now: number, extra: Partial<ObservedCluster> = {}): ObservedCluster {
  const names = instances.map((i) => i.name);
  const withHash = instances.map((i) => ({ ...i, configHash: configHash(desiredInstanceConfig(c, i.name, { primary: 'pg-1', instances: names }, 15)) }));
  return { instances: withHash, secrets: new Set<string>(), now: at(now), certificates, ...extra };
}

/** Reconciles every second from `from` to `to` (seconds from T0), instances as `at(second)` gives them; the last plan. */
function run(from: number, to: number, instances: (second: number) => ObservedInstance[], extra: Partial<ObservedCluster> = {}): { plan: ReturnType<typeof planCluster>; failedOverAt?: number } {
  let c = cluster();
  for (let s = from; ; s++) {
    const plan = planCluster(c, observed(c, instances(s), s, extra), 15);
    if (isolates(plan.actions)) return { plan, failedOverAt: s };
    if (s >= to) return { plan };
    c = { ...c, status: plan.status };
  }
}

const isolates = (actions: Action[]) => actions.some((a) => a.kind === 'isolateInstance');
const failingOverEvent = (actions: Action[]) => actions.find((a) => a.kind === 'recordEvent' && a.reason === 'FailingOver');

test('a standby that has not streamed since it started is no witness: a slow primary is held, with the reason in the phase', () => {
  // CI: after a refused major upgrade both instances started again; the primary's manager answered
  // slowly and the standby had not connected its WAL receiver yet.
  const { plan, failedOverAt } = run(0, 60, (s) => [stalled(), standby(s)]);
  assert.equal(failedOverAt, undefined, 'no failover on a standby that knows nothing');
  assert.equal(plan.status.currentPrimary, 'pg-1');
  assert.match(plan.status.phaseReason ?? '', /no standby witnesses its failure: pg-2 has not streamed from it since it started/);
});

test('a standby that last streamed from the primary before the primary started again is no witness', () => {
  // The primary's manager was recreated at 100 s; the standby last heard from it at 90 s.
  const { plan, failedOverAt } = run(120, 180, (s) => [stalled(100), standby(s, 90)]);
  assert.equal(failedOverAt, undefined);
  assert.match(plan.status.phaseReason ?? '', /pg-2 last streamed from it before it started again/);
});

test('a witness must have heard nothing from the primary for the whole window, not at one sample', () => {
  // The standby heard from it at 3 s: at 5 s the failure persisted the window, the silence did not.
  const { plan } = run(0, 6, (s) => [stalled(), standby(s, Math.min(s, 3))]);
  assert.ok(!isolates(plan.actions));
  assert.match(plan.status.phaseReason ?? '', /pg-2 heard from it 3\.0s ago/);
  const later = run(0, 30, (s) => [stalled(), standby(s, Math.min(s, 3))]);
  assert.equal(later.failedOverAt, 8, 'once it has been silent 5 s');
  assert.match((failingOverEvent(later.plan.actions) as { message: string }).message, /pg-2 heard nothing from it for 5s or more/);
});

test('a standby that still streams says the primary lives, whatever the other standbys say', () => {
  const streaming = (s: number): ObservedInstance => ({ ...standby(s, s, { isWalReceiverActive: true }), name: 'pg-3', serial: 3 });
  const { plan, failedOverAt } = run(0, 60, (s) => [stalled(), standby(s, -10), streaming(s)]);
  assert.equal(failedOverAt, undefined);
  assert.match(plan.status.phaseReason ?? '', /pg-3 still receives its WAL/);
});

test('a primary that just started gets its start grace before uncertain evidence counts', () => {
  // Its manager started at 0 s; a standby streamed from it until 1 s. Without a grace it would go at 6 s.
  const { failedOverAt, plan } = run(1, 40, (s) => [stalled(0), standby(s, 1)]);
  assert.equal(failedOverAt, 15, 'the 10 s grace, then the 5 s window');
  assert.ok(failingOverEvent(plan.actions));
  const early = run(1, 9, (s) => [stalled(0), standby(s, 1)]);
  assert.match(early.plan.status.phaseReason ?? '', /started 9\.0s ago and has 10s to settle/);
});

test('a PostgreSQL restarted after the failing-since mark gets the grace too', () => {
  // The manager is old, but it reports a postmaster started at 20 s, while the primary has been failing since 0 s.
  const restarted = (): ObservedInstance => ({ name: 'pg-1', serial: 1, running: true, role: 'primary', managerStartedAt: at(-3600).toISOString(), status: status('pg-1', { isPrimary: undefined, postmasterStartTime: at(20).toISOString(), lastError: 'timeout expired' }) });
  const { failedOverAt } = run(0, 60, (s) => [restarted(), standby(s, Math.min(s, 21))]);
  assert.equal(failedOverAt, 35, 'counted from 30 s (start + grace), failed over 5 s later');
});

test('with no witness, an uncertain failure fails over only once the primary lease expired', () => {
  const held = run(0, 30, (s) => [stalled(), standby(s)], { primaryLease: { holder: 'pg-1', unchangedForMs: 14_000, leaseDurationMs: 15_000 } });
  assert.equal(held.failedOverAt, undefined, 'the lease is still within its duration');
  const expired = run(0, 30, (s) => [stalled(), standby(s)], { primaryLease: { holder: 'pg-1', unchangedForMs: 15_000, leaseDurationMs: 15_000 } });
  assert.equal(expired.failedOverAt, 5);
  assert.match((failingOverEvent(expired.plan.actions) as { message: string }).message, /no standby witnesses it, and its primary lease expired/);
});

test('certain evidence still acts at once, witnesses or not', () => {
  const gone: ObservedInstance = { name: 'pg-1', serial: 1, running: false, role: 'primary' };
  const { failedOverAt } = run(0, 0, (s) => [gone, standby(s)]);
  assert.equal(failedOverAt, 0);
});

test('testimony: unanswering standbys tell nothing, one witness among them suffices', () => {
  const now = at(30);
  const primary: ObservedInstance = { name: 'pg-1', serial: 1, running: true, managerStartedAt: at(-3600).toISOString() };
  const witness = standby(30, 10);
  const unanswering = { ...standby(30, 29, { isWalReceiverActive: true }), name: 'pg-3', serial: 3, statusError: 'timeout' };
  assert.deepEqual(testimony([primary, witness, unanswering], 'pg-1', now), { corroborated: true, witnesses: ['pg-2'] });
  const following = { ...standby(30, 10), status: { ...standby(30, 10).status!, walReceiver: { from: 'pg-9', lastHeardAt: at(10).toISOString(), silentForMs: 20_000 } } };
  const other = testimony([primary, following], 'pg-1', now);
  assert.equal(other.corroborated, false, 'it streamed from another primary');
  assert.equal(testimony([primary, unanswering], 'pg-1', now).corroborated, false, 'nobody answered');
});
