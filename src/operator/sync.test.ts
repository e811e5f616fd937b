import test from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../api/index.js';
import { fixture } from '../api/testing.js';
import { synchronousStandbyNames } from './sync.js';

const cluster = (spec: Record<string, unknown>) => fixture('Cluster', { instances: 3, ...spec });
const sync = (s: Record<string, unknown>) => cluster({ postgresql: { parameters: {}, synchronous: s } });

test('synchronous_standby_names from spec.postgresql.synchronous and the legacy min/max', () => {
  const cases: Array<[string, Cluster, string[], string[], string]> = [
    ['off', cluster({}), ['pg-2', 'pg-3'], ['pg-2', 'pg-3'], ''],
    ['any 1, required: every standby listed', sync({ method: 'any', number: 1 }), ['pg-2', 'pg-3'], ['pg-2'], 'ANY 1 ("pg-2", "pg-3")'],
    ['first 2', sync({ method: 'first', number: 2 }), ['pg-2', 'pg-3'], ['pg-2', 'pg-3'], 'FIRST 2 ("pg-2", "pg-3")'],
    ['required keeps the number even with standbys down', sync({ method: 'any', number: 2, dataDurability: 'required' }), ['pg-2', 'pg-3'], [], 'ANY 2 ("pg-2", "pg-3")'],
    ['preferred shrinks to the ready ones', sync({ method: 'any', number: 2, dataDurability: 'preferred' }), ['pg-2', 'pg-3'], ['pg-3'], 'ANY 1 ("pg-3")'],
    ['preferred with nobody ready is async', sync({ method: 'any', number: 1, dataDurability: 'preferred' }), ['pg-2'], [], ''],
    ['no standby yet (bootstrap) is async', sync({ method: 'any', number: 1 }), [], [], ''],
    ['pre, post and maxStandbyNamesFromCluster', sync({ method: 'any', number: 1, standbyNamesPre: ['a'], standbyNamesPost: ['b'], maxStandbyNamesFromCluster: 1 }), ['pg-2', 'pg-3'], [], 'ANY 1 ("a", "pg-2", "b")'],
    ['legacy min/max within the ready count', cluster({ minSyncReplicas: 1, maxSyncReplicas: 2 }), ['pg-2', 'pg-3'], ['pg-2', 'pg-3'], 'ANY 2 ("pg-2", "pg-3")'],
    ['legacy with one ready', cluster({ minSyncReplicas: 1, maxSyncReplicas: 2 }), ['pg-2', 'pg-3'], ['pg-3'], 'ANY 1 ("pg-3")'],
    ['legacy with none ready is async', cluster({ minSyncReplicas: 1, maxSyncReplicas: 2 }), ['pg-2'], [], ''],
  ];
  for (const [name, c, replicas, ready, want] of cases) assert.equal(synchronousStandbyNames(c, replicas, ready), want, name);
});
