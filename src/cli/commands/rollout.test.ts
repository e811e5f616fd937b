import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rolloutProgress } from './rollout.js';

const cluster = (ready: number, condition: 'True' | 'False') => ({
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name: 'pg' },
  spec: { instances: 3 },
  status: { phase: condition === 'True' ? 'Cluster in healthy state' : 'Creating a new replica', readyInstances: ready, conditions: [{ type: 'Ready', status: condition }] },
});

test('a Cluster has rolled out when it is Ready with every instance', () => {
  assert.deepEqual(rolloutProgress(cluster(3, 'True')), { done: true });
  assert.deepEqual(rolloutProgress(cluster(2, 'False')), { done: false, waiting: 'Waiting for cluster "pg" rollout to finish: 2 of 3 instances ready (Creating a new replica)...' });
});

test('kinds that do not roll out have no progress', () => {
  assert.equal(rolloutProgress({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }), undefined);
});
