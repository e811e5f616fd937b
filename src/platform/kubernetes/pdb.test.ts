import test from 'node:test';
import assert from 'node:assert/strict';
import { isCluster, validateObject, type Cluster } from '../../api/index.js';
import { podDisruptionBudgetNames, podDisruptionBudgets } from './specs.js';

function cluster(spec: Record<string, unknown>): Cluster {
  const { resource } = validateObject({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'data', uid: 'u-1' }, spec: { storage: { size: '1Gi' }, ...spec } }, 'kubernetes');
  assert.ok(isCluster(resource));
  return resource;
}

const budgets = (spec: Record<string, unknown>) => podDisruptionBudgets(cluster(spec)).map((b) => `${b.metadata.name}:${(b.spec as { minAvailable: number }).minAvailable}`);

test('PodDisruptionBudgets: the primary never evicted, at most one standby down at a time', () => {
  assert.deepEqual(budgets({ instances: 3 }), ['pg-primary:1', 'pg:1']);
  assert.deepEqual(budgets({ instances: 2 }), ['pg-primary:1']);
  assert.deepEqual(budgets({ instances: 3, enablePDB: false }), []);
});

test('a node maintenance window reusing volumes relaxes them, as the reference: no standby budget, none for a lone primary', () => {
  assert.deepEqual(budgets({ instances: 3, nodeMaintenanceWindow: { inProgress: true } }), ['pg-primary:1'], 'reusePVC defaults to true');
  assert.deepEqual(budgets({ instances: 1, nodeMaintenanceWindow: { inProgress: true, reusePVC: true } }), []);
  // Without reusing volumes a drained standby is re-cloned elsewhere: the budgets stay in force.
  assert.deepEqual(budgets({ instances: 3, nodeMaintenanceWindow: { inProgress: true, reusePVC: false } }), ['pg-primary:1', 'pg:1']);
  assert.deepEqual(budgets({ instances: 3, nodeMaintenanceWindow: { inProgress: false } }), ['pg-primary:1', 'pg:1']);
  assert.deepEqual(podDisruptionBudgetNames(cluster({ instances: 3 })), ['pg-primary', 'pg']);
});
