import test from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../api/testing.js';
import { desiredInstanceConfig } from './instance-config.js';
import { electableFor, placementOf, type Placement } from './sync-election.js';
import { synchronousStandbyNames } from './sync.js';

const ZONE = 'topology.kubernetes.io/zone';
const cluster = (constraint?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  fixture('Cluster', {
    instances: 3,
    minSyncReplicas: 1,
    maxSyncReplicas: 2,
    postgresql: { parameters: {}, ...(constraint ? { syncReplicaElectionConstraint: constraint } : {}) },
    ...extra,
  });
const on = (node: string, labels?: Record<string, string>): Placement => ({ node, nodeLabels: labels });
const names = (c: ReturnType<typeof cluster>, placement: Record<string, Placement>) =>
  synchronousStandbyNames(c, ['pg-2', 'pg-3'], ['pg-2', 'pg-3'], electableFor(c, 'pg-1', placement));

test('syncReplicaElectionConstraint: only standbys whose node differs from the primary in a listed label', () => {
  const constrained = cluster({ enabled: true, nodeLabelsAntiAffinity: [ZONE] });
  const zones = { 'pg-1': on('n1', { [ZONE]: 'a' }), 'pg-2': on('n2', { [ZONE]: 'a' }), 'pg-3': on('n3', { [ZONE]: 'b' }) };
  assert.equal(names(constrained, zones), 'ANY 1 ("pg-3")', 'same zone as the primary is left out, the number lowered');
  assert.equal(names(cluster(), zones), 'ANY 2 ("pg-2", "pg-3")', 'without the constraint every ready standby');
  assert.equal(names(cluster({ enabled: false, nodeLabelsAntiAffinity: [ZONE] }), zones), 'ANY 2 ("pg-2", "pg-3")', 'disabled');
  const twoKeys = cluster({ enabled: true, nodeLabelsAntiAffinity: [ZONE, 'rack'] });
  const racks = { 'pg-1': on('n1', { [ZONE]: 'a', rack: '1' }), 'pg-2': on('n2', { [ZONE]: 'a', rack: '2' }), 'pg-3': on('n3', { [ZONE]: 'a', rack: '1' }) };
  assert.equal(names(twoKeys, racks), 'ANY 1 ("pg-2")', 'one differing label of several is enough');
});

test('syncReplicaElectionConstraint: no standby electable leaves the primary asynchronous', () => {
  const constrained = cluster({ enabled: true, nodeLabelsAntiAffinity: [ZONE] });
  const sameZone = { 'pg-1': on('n1', { [ZONE]: 'a' }), 'pg-2': on('n2', { [ZONE]: 'a' }), 'pg-3': on('n3', { [ZONE]: 'a' }) };
  assert.equal(names(constrained, sameZone), '');
  // A label no node has is the empty value everywhere: one place, as on the local platform's one machine.
  const unlabelled = { 'pg-1': on('h', {}), 'pg-2': on('h', {}), 'pg-3': on('h', {}) };
  assert.equal(names(constrained, unlabelled), '');
  assert.equal(names(constrained, { 'pg-2': on('n2', { [ZONE]: 'b' }), 'pg-3': on('n3', { [ZONE]: 'c' }) }), '', 'the primary not placed: nothing to compare with');
});

test('syncReplicaElectionConstraint: an unplaced standby is skipped; an unread node sets the constraint aside', () => {
  const constrained = cluster({ enabled: true, nodeLabelsAntiAffinity: [ZONE] });
  const pending = { 'pg-1': on('n1', { [ZONE]: 'a' }), 'pg-2': {}, 'pg-3': on('n3', { [ZONE]: 'b' }) };
  assert.equal(names(constrained, pending), 'ANY 1 ("pg-3")');
  const unread = { 'pg-1': on('n1', { [ZONE]: 'a' }), 'pg-2': on('n2', { [ZONE]: 'a' }), 'pg-3': on('n3') };
  assert.equal(names(constrained, unread), 'ANY 2 ("pg-2", "pg-3")');
});

test('syncReplicaElectionConstraint leaves spec.postgresql.synchronous alone, as CloudNativePG does', () => {
  const c = cluster({ enabled: true, nodeLabelsAntiAffinity: [ZONE] }, { minSyncReplicas: 0, maxSyncReplicas: 0 });
  c.spec.postgresql!.synchronous = { method: 'any', number: 1, dataDurability: 'required' };
  const sameZone = { 'pg-1': on('n1', { [ZONE]: 'a' }), 'pg-2': on('n2', { [ZONE]: 'a' }), 'pg-3': on('n3', { [ZONE]: 'a' }) };
  assert.equal(names(c, sameZone), 'ANY 1 ("pg-2", "pg-3")');
});

test('each instance carries the names it would need as primary, elected against its own node', () => {
  const c = cluster({ enabled: true, nodeLabelsAntiAffinity: [ZONE] });
  const observed = [
    { name: 'pg-1', serial: 1, running: true, node: 'n1', nodeLabels: { [ZONE]: 'a' } },
    { name: 'pg-2', serial: 2, running: true, node: 'n2', nodeLabels: { [ZONE]: 'a' } },
    { name: 'pg-3', serial: 3, running: true, node: 'n3', nodeLabels: { [ZONE]: 'b' } },
  ];
  const topology = { primary: 'pg-1', instances: ['pg-1', 'pg-2', 'pg-3'], ready: ['pg-1', 'pg-2', 'pg-3'], placement: placementOf(observed) };
  assert.equal(desiredInstanceConfig(c, 'pg-1', topology, 16).synchronousStandbyNames, 'ANY 1 ("pg-3")');
  assert.equal(desiredInstanceConfig(c, 'pg-3', topology, 16).synchronousStandbyNames, 'ANY 2 ("pg-1", "pg-2")');
});

test('the exporter\'s expected synchronous standbys count only the electable ones', () => {
  const c = cluster({ enabled: true, nodeLabelsAntiAffinity: [ZONE] });
  const same = { 'pg-1': on('n1', { [ZONE]: 'a' }), 'pg-2': on('n2', { [ZONE]: 'a' }), 'pg-3': on('n3', { [ZONE]: 'a' }) };
  const topology = { primary: 'pg-1', instances: ['pg-1', 'pg-2', 'pg-3'], ready: ['pg-1', 'pg-2', 'pg-3'], placement: same };
  const expected = (cl: typeof c) => desiredInstanceConfig(cl, 'pg-1', topology, 16).monitoring?.facts.syncReplicas.expected;
  assert.equal(expected(c), 0);
  assert.equal(expected(cluster()), 2);
});
