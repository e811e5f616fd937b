import test from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster as Cluster, FailoverQuorumRecord } from '../api/cluster-status.js';
import { fixture } from '../api/testing.js';
import { parseManifests } from '../api/index.js';
import { stringify } from 'yaml';
import type { InstanceStatus } from '../instance/status.js';
import { PHASE, planCluster } from './decide.js';
import { countQuorum, failoverQuorumActive, nextFailoverQuorumRecord, parseSynchronousStandbyNames, quorumMet } from './failover-quorum.js';
import { serverNames } from './certificates.js';
import type { Action, ObservedCertificate, ObservedInstance } from './types.js';

type Sync = NonNullable<NonNullable<Cluster['spec']['postgresql']>['synchronous']>;
const sync1: Sync = { method: 'any', number: 1, dataDurability: 'required', failoverQuorum: true };

function cluster(instances: number, sync: Sync | undefined, status: Cluster['status'] = {}, annotations?: Record<string, string>): Cluster {
  const c = fixture('Cluster', { instances, bootstrap: { initdb: { database: 'app', owner: 'app' } }, ...(sync ? { postgresql: { synchronous: sync } } : {}) }, { namespace: 'default', generation: 1 });
  return { ...c, metadata: { ...c.metadata, ...(annotations ? { annotations } : {}) }, status } as Cluster;
}

function inst(serial: number, primary: number, over: Partial<ObservedInstance> = {}, st: Partial<InstanceStatus> = {}): ObservedInstance {
  const name = `pg-${serial}`;
  const status: InstanceStatus = { name, managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/d', replicationInfo: [], isPrimary: serial === primary, ...st };
  return { name, serial, running: true, role: serial === primary ? 'primary' : 'replica', status, ...over };
}

const certificates: Record<string, ObservedCertificate> = {
  'pg-ca': { subject: 'CN=pg,OU=default', notAfter: new Date('2026-03-01T00:00:00Z'), names: [], hasKey: true },
  'pg-server': { subject: 'CN=pg-rw', notAfter: new Date('2026-03-01T00:00:00Z'), names: serverNames(cluster(1, undefined), []), hasKey: true, issuedByServerCA: true },
};
const observed = (instances: ObservedInstance[]) => ({ instances, secrets: new Set<string>(), now: new Date('2026-01-01T00:00:00Z'), certificates });
const record = (names: string[], number: number): FailoverQuorumRecord => ({ method: 'any', standbyNames: names, standbyNumber: number, primary: 'pg-1' });

test('R + W > N, with the reference documentation’s scenarios', () => {
  const cases: Array<[string, number, number, number, boolean]> = [
    ['3 instances, number 1: only the primary lost', 2, 1, 2, true],
    ['3 instances, number 1: the primary and one standby lost', 1, 1, 2, false],
    ['5 instances, number 2: three standbys reachable', 3, 2, 4, true],
    ['5 instances, number 2: two standbys reachable', 2, 2, 4, false],
    ['a remote name in standbyNamesPre, number 2, both local standbys', 2, 2, 3, true],
    ['a remote name in standbyNamesPre, number 2, one local standby', 1, 2, 3, false],
    ['two remote names, number 1, no local standby', 0, 1, 2, false],
  ];
  for (const [name, r, w, n, ok] of cases) assert.equal(quorumMet({ r, w, n }), ok, name);
});

test('R counts the promotable standbys among the recorded names: reporting, ready, not fenced; remote names only count in N', () => {
  const rec = record(['angus', 'pg-2', 'pg-3'], 2);
  const standbys = [inst(1, 1, { running: false, status: undefined }), inst(2, 1), inst(3, 1)];
  assert.deepEqual(countQuorum(rec, standbys, 'pg-1', new Set()), { r: 2, w: 2, n: 3 });
  assert.deepEqual(countQuorum(rec, [standbys[0]!, { ...standbys[1]!, statusError: 'timeout' }, standbys[2]!], 'pg-1', new Set()).r, 1, 'an unanswering standby is not promotable');
  assert.deepEqual(countQuorum(rec, [standbys[0]!, inst(2, 1, {}, { ready: false }), standbys[2]!], 'pg-1', new Set()).r, 1, 'nor is one not ready');
  assert.deepEqual(countQuorum(rec, standbys, 'pg-1', new Set(['pg-3'])).r, 1, 'nor a fenced one');
  assert.deepEqual(countQuorum(record(['pg-2'], 1), standbys, 'pg-1', new Set()).r, 1, 'a standby outside the recorded names does not count');
});

test('synchronous_standby_names is read in all three of PostgreSQL’s forms', () => {
  assert.deepEqual(parseSynchronousStandbyNames('ANY 1 ("pg-2", "pg-3")'), { method: 'any', number: 1, names: ['pg-2', 'pg-3'] });
  assert.deepEqual(parseSynchronousStandbyNames('FIRST 2 (a, "b""c")'), { method: 'first', number: 2, names: ['a', 'b"c'] });
  assert.deepEqual(parseSynchronousStandbyNames('2 (a,b)'), { method: 'first', number: 2, names: ['a', 'b'] });
  assert.deepEqual(parseSynchronousStandbyNames('a, b'), { method: 'first', number: 1, names: ['a', 'b'] });
  assert.equal(parseSynchronousStandbyNames(''), undefined);
  assert.equal(parseSynchronousStandbyNames('ANY 1 ("unterminated)'), undefined);
});

test('the deprecated annotation still switches the check, and wins over the spec; nothing without synchronous', () => {
  assert.equal(failoverQuorumActive(cluster(3, sync1)), true);
  assert.equal(failoverQuorumActive(cluster(3, sync1, {}, { 'alpha.cnpg.io/failoverQuorum': 'false' })), false);
  assert.equal(failoverQuorumActive(cluster(3, { ...sync1, failoverQuorum: false }, {}, { 'alpha.cnpg.io/failoverQuorum': 't' })), true);
  assert.equal(failoverQuorumActive(cluster(3, undefined, {}, { 'alpha.cnpg.io/failoverQuorum': 'true' })), false);
});

test('the record is what the primary runs, kept while it is gone, and dropped while a new setting is on its way', () => {
  const prev = { currentPrimary: 'pg-1', targetPrimary: 'pg-1' };
  const c = cluster(3, sync1, prev);
  const running = 'ANY 1 ("pg-2", "pg-3")';
  const primary = inst(1, 1, {}, { synchronousStandbyNames: running });
  assert.deepEqual(nextFailoverQuorumRecord(c, prev, primary, () => running), { method: 'any', standbyNames: ['pg-2', 'pg-3'], standbyNumber: 1, primary: 'pg-1' });
  const kept = record(['pg-2', 'pg-3'], 1);
  assert.equal(nextFailoverQuorumRecord(c, { ...prev, failoverQuorum: kept }, inst(1, 1, { running: false, status: undefined }), () => running), kept, 'a primary that does not report leaves the record as it was');
  assert.equal(nextFailoverQuorumRecord(c, { ...prev, failoverQuorum: kept }, primary, () => 'ANY 2 ("pg-2", "pg-3")'), undefined, 'the operator hands it another setting: unknown until it reports again');
  assert.equal(nextFailoverQuorumRecord(cluster(3, { ...sync1, failoverQuorum: false }), prev, primary, () => running), undefined, 'no record without the check');
  assert.equal(nextFailoverQuorumRecord(c, { currentPrimary: 'pg-1', targetPrimary: 'pending', failoverQuorum: kept }, primary, () => running), kept, 'only the primary in charge writes it');
});

const failing = (c: Cluster, instances: ObservedInstance[]) => planCluster(c, observed(instances), 15);
const dead = () => inst(1, 1, { running: false, status: undefined });

test('a failed primary with the quorum met is failed over', () => {
  const c = cluster(3, sync1, { currentPrimary: 'pg-1', targetPrimary: 'pg-1', failoverQuorum: record(['pg-2', 'pg-3'], 1) });
  const plan = failing(c, [dead(), inst(2, 1), inst(3, 1)]);
  assert.ok(plan.actions.some((a) => a.kind === 'isolateInstance' && a.name === 'pg-1'));
  assert.equal(plan.status.targetPrimary, 'pending');
});

test('a failed primary with the quorum not met is held, saying why, with one Event', () => {
  const c = cluster(3, sync1, { currentPrimary: 'pg-1', targetPrimary: 'pg-1', failoverQuorum: record(['pg-2', 'pg-3'], 1) });
  const plan = failing(c, [dead(), inst(2, 1), inst(3, 1, { running: false, status: undefined })]);
  assert.ok(!plan.actions.some((a) => a.kind === 'isolateInstance' || a.kind === 'promoteInstance'));
  assert.equal(plan.status.targetPrimary, 'pg-1');
  assert.equal(plan.status.phase, PHASE.waitingForInstances);
  assert.match(plan.status.phaseReason ?? '', /failover quorum not met: R=1 promotable of N=2 .*W=1/);
  assert.equal(plan.actions.filter((a) => a.kind === 'recordEvent' && a.reason === 'FailoverQuorumNotMet').length, 1);
  assert.deepEqual(plan.status.failoverQuorum, c.status?.failoverQuorum, 'the record of the gone primary is kept');
  const again = failing({ ...c, status: plan.status }, [dead(), inst(2, 1), inst(3, 1, { running: false, status: undefined })]);
  assert.equal(again.actions.filter((a) => a.kind === 'recordEvent' && a.reason === 'FailoverQuorumNotMet').length, 0, 'the Event is not repeated');
});

test('the recorded configuration decides, not the spec: number raised in the spec after the primary died does not unlock a failover', () => {
  const c = cluster(3, { ...sync1, number: 2 }, { currentPrimary: 'pg-1', targetPrimary: 'pg-1', failoverQuorum: record(['pg-2', 'pg-3'], 1) });
  const plan = failing(c, [dead(), inst(2, 1), inst(3, 1, { running: false, status: undefined })]);
  assert.equal(plan.status.targetPrimary, 'pg-1');
});

test('with no record a failover is held; cnpg promote goes ahead anyway', () => {
  const c = cluster(3, sync1, { currentPrimary: 'pg-1', targetPrimary: 'pg-1' });
  const held = failing(c, [dead(), inst(2, 1), inst(3, 1)]);
  assert.equal(held.status.targetPrimary, 'pg-1');
  assert.match(held.status.phaseReason ?? '', /failover quorum: the synchronous configuration pg-1 last ran is not known/);
  const promoted = failing({ ...c, metadata: { ...c.metadata, annotations: { 'cnpg.io/targetPrimary': 'pg-2' } } }, [dead(), inst(2, 1), inst(3, 1, { running: false, status: undefined })]);
  assert.ok(promoted.actions.some((a) => a.kind === 'isolateInstance' && a.name === 'pg-1'));
  assert.equal(promoted.status.targetPrimary, 'pending');
});

test('cnpg promote of a named standby during a quorum hold promotes that standby, not the most advanced one', () => {
  // N=3 (pg-2, pg-3, pg-4), W=1, pg-4 down: R=2, R + W = N, held. pg-3 has received more than pg-2.
  const c = cluster(4, sync1, { currentPrimary: 'pg-1', targetPrimary: 'pg-1', failoverQuorum: { ...record(['pg-2', 'pg-3', 'pg-4'], 1) } });
  const standbys = () => [inst(2, 1, {}, { receivedLsn: '0/5000000' }), inst(3, 1, {}, { receivedLsn: '0/9000000' }), inst(4, 1, { running: false, status: undefined })];
  assert.match(failing(c, [dead(), ...standbys()]).status.phaseReason ?? '', /failover quorum not met: R=2 promotable of N=3/);
  const asked = { ...c, metadata: { ...c.metadata, annotations: { 'cnpg.io/targetPrimary': 'pg-2' } } };
  const isolating = failing(asked, [dead(), ...standbys()]);
  assert.ok(isolating.actions.some((a) => a.kind === 'isolateInstance' && a.name === 'pg-1'));
  assert.equal(isolating.status.targetPrimary, 'pending');
  assert.ok(!isolating.actions.some((a) => a.kind === 'clearAnnotation'), 'the request stays until the promotion carries it out');
  const isolated = inst(1, 1, {}, { postgresRunning: false, phase: 'isolated' });
  const promoting = failing({ ...asked, status: isolating.status }, [isolated, ...standbys()]);
  const promoted = promoting.actions.filter((a) => a.kind === 'promoteInstance').map((a) => a.kind === 'promoteInstance' && a.name);
  assert.deepEqual(promoted, ['pg-2']);
  assert.equal(promoting.status.currentPrimary, 'pg-2');
  assert.ok(promoting.actions.some((a) => a.kind === 'clearAnnotation' && a.key === 'cnpg.io/targetPrimary'));
});

test('during a quorum hold, cnpg promote of an instance that may not be promoted is refused, and the hold stays', () => {
  const c = cluster(4, sync1, { currentPrimary: 'pg-1', targetPrimary: 'pg-1', failoverQuorum: record(['pg-2', 'pg-3', 'pg-4'], 1) }, { 'cnpg.io/fencedInstances': '["pg-3"]' });
  const instances = [dead(), inst(2, 1), inst(3, 1), inst(4, 1, { running: false, status: undefined })];
  for (const named of ['pg-4', 'pg-3', 'pg-1', 'pg-9']) {
    const plan = failing({ ...c, metadata: { ...c.metadata, annotations: { ...c.metadata.annotations, 'cnpg.io/targetPrimary': named } } }, instances);
    assert.ok(!plan.actions.some((a) => a.kind === 'isolateInstance' || a.kind === 'promoteInstance'), `${named}: not failed over`);
    assert.match(plan.status.phaseReason ?? '', /failover quorum not met/, named);
    assert.ok(plan.actions.some((a) => a.kind === 'clearAnnotation' && a.key === 'cnpg.io/targetPrimary'), `${named}: the request is answered`);
    if (named !== 'pg-1') assert.ok(plan.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'SwitchoverRefused'), named);
  }
});

/** What the platform does with the plan's annotation actions, for the next reconcile to see. */
function annotated(c: Cluster, actions: readonly Action[]): Cluster {
  const annotations = { ...c.metadata.annotations };
  for (const a of actions) {
    if (a.kind === 'setAnnotation') annotations[a.key] = a.value;
    if (a.kind === 'clearAnnotation') delete annotations[a.key];
  }
  return { ...c, metadata: { ...c.metadata, annotations } };
}

test('a promote written into status.targetPrimary (CloudNativePG’s plugin) during a quorum hold promotes that standby, as cnpg promote does', () => {
  const c = cluster(4, sync1, { currentPrimary: 'pg-1', targetPrimary: 'pg-2', failoverQuorum: { ...record(['pg-2', 'pg-3', 'pg-4'], 1) } });
  const standbys = () => [inst(2, 1, {}, { receivedLsn: '0/5000000' }), inst(3, 1, {}, { receivedLsn: '0/9000000' }), inst(4, 1, { running: false, status: undefined })];
  const isolating = failing(c, [dead(), ...standbys()]);
  assert.ok(isolating.actions.some((a) => a.kind === 'isolateInstance' && a.name === 'pg-1'), 'the hold is lifted');
  assert.equal(isolating.status.targetPrimary, 'pending');
  assert.ok(!isolating.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'FailoverQuorumNotMet'));
  const isolated = inst(1, 1, {}, { postgresRunning: false, phase: 'isolated' });
  const promoting = failing({ ...annotated(c, isolating.actions), status: isolating.status }, [isolated, ...standbys()]);
  assert.deepEqual(promoting.actions.filter((a) => a.kind === 'promoteInstance').map((a) => a.kind === 'promoteInstance' && a.name), ['pg-2'], 'the named standby, not the most advanced pg-3');
  assert.equal(promoting.status.currentPrimary, 'pg-2');
  assert.equal(annotated(c, [...isolating.actions, ...promoting.actions]).metadata.annotations?.['cnpg.io/targetPrimary'], undefined, 'the request is answered');
});

test('during a quorum hold, a status.targetPrimary naming an instance that may not be promoted is refused as the annotation is, and the hold stays', () => {
  const c = cluster(4, sync1, { currentPrimary: 'pg-1', targetPrimary: 'pg-1', failoverQuorum: record(['pg-2', 'pg-3', 'pg-4'], 1) }, { 'cnpg.io/fencedInstances': '["pg-3"]' });
  const instances = [dead(), inst(2, 1), inst(3, 1), inst(4, 1, { running: false, status: undefined })];
  for (const named of ['pg-4', 'pg-3', 'pg-9']) {
    const plan = failing({ ...c, status: { ...c.status, targetPrimary: named } }, instances);
    assert.ok(!plan.actions.some((a) => a.kind === 'isolateInstance' || a.kind === 'promoteInstance'), `${named}: not failed over`);
    assert.match(plan.status.phaseReason ?? '', /failover quorum not met/, named);
    assert.ok(plan.actions.some((a) => a.kind === 'recordEvent' && a.reason === 'SwitchoverRefused'), named);
    assert.equal(plan.status.targetPrimary, 'pg-1', `${named}: the request is answered`);
    assert.ok(!plan.actions.some((a) => a.kind === 'setAnnotation'), named);
  }
});

test('a healthy primary writes the record from what it reports', () => {
  const c = cluster(3, sync1, { currentPrimary: 'pg-1', targetPrimary: 'pg-1' });
  const plan = failing(c, [inst(1, 1, {}, { synchronousStandbyNames: 'ANY 1 ("pg-2", "pg-3")' }), inst(2, 1), inst(3, 1)]);
  assert.deepEqual(plan.status.failoverQuorum, { method: 'any', standbyNames: ['pg-2', 'pg-3'], standbyNumber: 1, primary: 'pg-1' });
});

test('admission refuses failoverQuorum with no more commits waited for than remote names, and failure domain keys with the election constraint', () => {
  const parse = (postgresql: unknown) => parseManifests(stringify({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec: { instances: 3, storage: { size: '1Gi' }, postgresql } }));
  assert.throws(() => parse({ synchronous: { method: 'any', number: 1, maxStandbyNamesFromCluster: 1, standbyNamesPre: ['angus'], failoverQuorum: true } }), /spec\.postgresql\.synchronous\.number.*greater than the 1 name/);
  assert.doesNotThrow(() => parse({ synchronous: { method: 'any', number: 2, standbyNamesPre: ['angus'], failoverQuorum: true } }));
  assert.doesNotThrow(() => parse({ synchronous: { method: 'any', number: 1, standbyNamesPre: ['angus'] } }), 'without the check a remote name is fine');
  assert.throws(
    () => parse({ synchronous: { method: 'any', number: 1, nodeFailureDomainKeys: ['zone'] }, syncReplicaElectionConstraint: { enabled: true, nodeLabelsAntiAffinity: ['zone'] } }),
    /spec\.postgresql\.syncReplicaElectionConstraint/,
  );
});

test('admission checks the deprecated annotation as the reference does: a boolean, and synchronous replication to apply to', () => {
  const parse = (annotation: string, postgresql: unknown = {}) =>
    parseManifests(stringify({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', annotations: { 'alpha.cnpg.io/failoverQuorum': annotation } }, spec: { instances: 3, storage: { size: '1Gi' }, postgresql } }));
  assert.throws(() => parse('yes', { synchronous: { method: 'any', number: 1 } }), /metadata\.annotations.*alpha\.cnpg\.io\/failoverQuorum.*must be a boolean/);
  assert.throws(() => parse('true'), /spec\.postgresql\.synchronous.*is required/);
  assert.throws(() => parse('true', { synchronous: { method: 'any', number: 1, standbyNamesPost: ['far'] } }), /spec\.postgresql\.synchronous\.number/);
  assert.doesNotThrow(() => parse('false'));
  assert.doesNotThrow(() => parse('true', { synchronous: { method: 'any', number: 1 } }));
});
