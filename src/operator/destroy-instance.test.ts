import test from 'node:test';
import assert from 'node:assert/strict';
import type { StoredCluster as Cluster } from '../api/cluster-status.js';
import { fixture } from '../api/testing.js';
import type { InstanceStatus } from '../instance/status.js';
import { planCluster } from './decide.js';
import { destroyRefusal, planDestroy } from './destroy-instance.js';
import { configHash, desiredInstanceConfig } from './instance-config.js';
import type { Action, ObservedInstance } from './types.js';

const KEY = 'cnpg.io/destroyInstance';
const KEEP = 'cnpg.io/destroyKeepPVC';

function inst(serial: number, primary: number, st: Partial<InstanceStatus> = {}): ObservedInstance {
  const name = `pg-${serial}`;
  const status: InstanceStatus = { name, managerPid: 1, phase: 'running', postgresRunning: true, ready: true, pendingRestart: false, port: 1, pgdata: '/d', replicationInfo: [], isPrimary: serial === primary, isWalReceiverActive: serial !== primary, ...st };
  return { name, serial, running: true, role: serial === primary ? 'primary' : 'replica', status };
}

function cluster(instances: number, destroy: string | undefined, primary = 'pg-1', keep = false): Cluster {
  const annotations = destroy ? { [KEY]: destroy, ...(keep ? { [KEEP]: 'true' } : {}) } : {};
  const c = fixture('Cluster', { instances, bootstrap: { initdb: { database: 'app', owner: 'app' } } }, { namespace: 'default', generation: 1, annotations });
  return { ...c, status: { currentPrimary: primary, targetPrimary: primary } };
}

function configured(c: Cluster, instances: ObservedInstance[], primary: string): ObservedInstance[] {
  const names = instances.map((i) => i.name);
  return instances.map((i) => ({ ...i, configHash: configHash(desiredInstanceConfig(c, i.name, { primary, instances: names }, 15)) }));
}

const plan = (c: Cluster, instances: ObservedInstance[], primary = 'pg-1', keptSerials?: number[]) =>
  planCluster(c, { instances: configured(c, instances, primary), secrets: new Set(), now: new Date('2026-01-01T00:00:00Z'), keptSerials }, 15);
const named = (actions: Action[], kind: Action['kind']) => actions.filter((a) => a.kind === kind).map((a) => ('name' in a ? a.name : 'key' in a ? a.key : ''));

test('no request, no decision', () => {
  assert.equal(planDestroy('pg', undefined, [inst(1, 1), inst(2, 1)], 'pg-1', new Set()), undefined);
});

test('a standby is removed with its data and the request cleared; the next reconcile makes a new instance', () => {
  const c = cluster(3, 'pg-2');
  const first = plan(c, [inst(1, 1), inst(2, 1), inst(3, 1)]);
  assert.deepEqual(named(first.actions, 'removeInstance'), ['pg-2']);
  assert.deepEqual(named(first.actions, 'clearAnnotation'), [KEY]);
  assert.ok(first.actions.findIndex((a) => a.kind === 'removeInstance') < first.actions.findIndex((a) => a.kind === 'clearAnnotation'), 'cleared only after the removal');
  assert.equal(first.status.instances, 2);
  assert.deepEqual(first.status.instanceNames, ['pg-1', 'pg-3']);
  const next = plan(cluster(3, undefined), [inst(1, 1), inst(3, 1)]);
  const created = next.actions.find((a) => a.kind === 'createInstance');
  assert.equal(created?.kind === 'createInstance' && created.name, 'pg-2', 'a new instance, on the lowest free serial (operator/names.ts)');
  assert.equal(created?.kind === 'createInstance' && created.config.bootstrap.kind, 'join', 'joined from the primary, not the old data');
});

test('the primary is switched over to the most advanced streaming standby first, then removed as a standby', () => {
  const c = cluster(3, 'pg-1');
  const first = plan(c, [inst(1, 1), inst(2, 1, { receivedLsn: '0/5000000' }), inst(3, 1, { receivedLsn: '0/6000000' })]);
  assert.deepEqual(named(first.actions, 'removeInstance'), []);
  assert.deepEqual(named(first.actions, 'clearAnnotation'), [], 'the request stays until the old primary is a standby');
  assert.equal(first.status.targetPrimary, 'pg-3');
  const after = plan(cluster(3, 'pg-1', 'pg-3'), [inst(1, 3), inst(2, 3), inst(3, 3)], 'pg-3');
  assert.deepEqual(named(after.actions, 'removeInstance'), ['pg-1']);
  assert.equal(after.status.currentPrimary, 'pg-3');
});

test('a primary with no streaming standby waits, and the cluster keeps going meanwhile (scale-up is not blocked)', () => {
  const d = planDestroy('pg', { instance: 'pg-1', keepData: false }, [inst(1, 1), inst(2, 1, { isWalReceiverActive: false })], 'pg-1', new Set());
  assert.deepEqual(d, { kind: 'wait' });
  const p = plan(cluster(3, 'pg-1'), [inst(1, 1), inst(2, 1, { isWalReceiverActive: false })]);
  assert.deepEqual(named(p.actions, 'createInstance'), ['pg-3'], 'the request holds back nothing else');
  assert.deepEqual(named(p.actions, 'clearAnnotation'), []);
  assert.equal(p.status.targetPrimary, 'pg-1');
});

test('an unknown instance or the only one is refused with a Warning event, and the request dropped', () => {
  assert.match(destroyRefusal('pg', 'pg-9', ['pg-1', 'pg-2']) ?? '', /instance pg-9 is not part of cluster pg \(instances: pg-1, pg-2\)/);
  assert.match(destroyRefusal('pg', 'pg-1', ['pg-1']) ?? '', /only instance of cluster pg/);
  const p = plan(cluster(1, 'pg-1'), [inst(1, 1)]);
  assert.deepEqual(named(p.actions, 'removeInstance'), []);
  assert.deepEqual(named(p.actions, 'clearAnnotation'), [KEY]);
  const event = p.actions.find((a) => a.kind === 'recordEvent' && a.reason === 'DestroyRefused');
  assert.match(event?.kind === 'recordEvent' ? event.message : '', /only copy of the data; delete the Cluster instead/);
});

test('--keep-pvc: the data is kept, both annotations cleared, and the new instance skips a serial the kept data holds', () => {
  const first = plan(cluster(3, 'pg-2', 'pg-1', true), [inst(1, 1), inst(2, 1), inst(3, 1)]);
  const removal = first.actions.find((a) => a.kind === 'removeInstance');
  assert.deepEqual(removal, { kind: 'removeInstance', name: 'pg-2', keepData: true });
  assert.deepEqual(named(first.actions, 'clearAnnotation'), [KEY, KEEP]);
  const event = first.actions.find((a) => a.kind === 'recordEvent' && a.reason === 'DestroyingInstance');
  assert.match(event?.kind === 'recordEvent' ? event.message : '', /keeping its data, detached from the cluster/);
  const kept = plan(cluster(3, undefined), [inst(1, 1), inst(3, 1)], 'pg-1', [2]);
  assert.deepEqual(named(kept.actions, 'createInstance'), ['pg-4'], 'pg-2 is still the kept PVC\'s name');
  const freed = plan(cluster(3, undefined), [inst(1, 1), inst(3, 1)]);
  assert.deepEqual(named(freed.actions, 'createInstance'), ['pg-2'], 'where keeping freed the name, it is reused');
});
