import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from '../api/index.js';
import type { StoredCluster } from '../api/cluster-status.js';
import { FINALIZERS, planLogicalReplication, statusAfter, type LogicalObject } from './logical-replication-plan.js';

function object(kind: 'Publication' | 'Subscription', spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): LogicalObject {
  const base = kind === 'Publication' ? { target: { allTables: true } } : { publicationName: 'pub', externalClusterName: 'source' };
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind, metadata: { name: 'x', generation: 3, ...metadata }, spec: { cluster: { name: 'pg' }, name: 'obj', dbname: 'app', ...base, ...spec } });
  return resource as LogicalObject;
}

const held = { finalizers: [FINALIZERS.Publication, FINALIZERS.Subscription] };
const cluster = (status: Record<string, string> = { currentPrimary: 'pg-1', targetPrimary: 'pg-1' }) =>
  ({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'default' }, spec: {}, status }) as unknown as StoredCluster;
const source = { name: 'source', params: { host: 'h' }, password: 's3cret' };

test('the finalizer comes first, then the primary applies the spec', () => {
  assert.deepEqual(planLogicalReplication({ object: object('Publication'), cluster: cluster() }), { kind: 'addFinalizer' });
  assert.deepEqual(planLogicalReplication({ object: object('Publication', {}, held), cluster: cluster() }), {
    kind: 'call',
    instance: 'pg-1',
    then: 'status',
    request: { kind: 'publication', dbname: 'app', name: 'obj', publication: { name: 'obj', target: { allTables: true }, parameters: {} } },
  });
  const sub = planLogicalReplication({ object: object('Subscription', { publicationDBName: 'src' }, held), cluster: cluster(), source });
  assert.equal(sub.kind, 'call');
  assert.deepEqual(sub.kind === 'call' && sub.request, { kind: 'subscription', dbname: 'app', name: 'obj', subscription: { name: 'obj', publicationName: 'pub', parameters: {}, source, publicationDBName: 'src' } });
});

test('no Cluster, no settled primary, or no usable external cluster: wait, saying why', () => {
  const why = (input: Parameters<typeof planLogicalReplication>[0]) => {
    const plan = planLogicalReplication(input);
    return plan.kind === 'wait' ? plan.status.message : plan.kind;
  };
  assert.equal(why({ object: object('Publication', {}, held) }), 'Cluster pg does not exist');
  assert.equal(why({ object: object('Publication', {}, held), cluster: cluster({ currentPrimary: 'pg-1', targetPrimary: 'pg-2' }) }), 'Cluster pg has no primary yet');
  assert.equal(why({ object: object('Subscription', {}, held), cluster: cluster(), source: { error: 'no entry' } }), 'no entry');
});

test('deletion drops only with reclaim policy delete, only what was applied, then lets the object go', () => {
  const deleting = (spec: Record<string, unknown>, applied?: boolean) => ({ ...object('Subscription', spec, { ...held, deletionTimestamp: '2026-12-05T00:00:00Z' }), status: applied === undefined ? undefined : { applied } });
  assert.deepEqual(planLogicalReplication({ object: deleting({}, true), cluster: cluster() }), { kind: 'release' });
  assert.deepEqual(planLogicalReplication({ object: deleting({ subscriptionReclaimPolicy: 'delete' }, false), cluster: cluster() }), { kind: 'release' });
  assert.deepEqual(planLogicalReplication({ object: deleting({ subscriptionReclaimPolicy: 'delete' }, true) }), { kind: 'release' });
  assert.deepEqual(planLogicalReplication({ object: deleting({ subscriptionReclaimPolicy: 'delete' }, true), cluster: cluster() }), {
    kind: 'call',
    instance: 'pg-1',
    then: 'release',
    request: { kind: 'subscription', dbname: 'app', name: 'obj' },
  });
});

test('the status records the generation applied, or what PostgreSQL said', () => {
  assert.deepEqual(statusAfter(object('Publication'), { applied: true }), { observedGeneration: 3, applied: true, message: '' });
  assert.deepEqual(statusAfter(object('Publication'), { applied: false, message: 'relation "t" does not exist' }), { observedGeneration: 3, applied: false, message: 'relation "t" does not exist' });
});
