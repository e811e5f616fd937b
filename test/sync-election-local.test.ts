// syncReplicaElectionConstraint on the local platform: every instance runs on this one machine,
// which has no node labels, so no standby is on another node and none is electable as
// synchronous (as CloudNativePG does with every instance on one node); without the constraint the
// same cluster is synchronous again.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestEnv, eventually } from './support/env.js';
import { sql, waitReady } from './support/backup.js';
import { manifest } from './support/manifests.js';

const env = new TestEnv();
const constraint = (enabled: boolean) => ({ syncReplicaElectionConstraint: { enabled, nodeLabelsAntiAffinity: ['topology.kubernetes.io/zone'] } });

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster.yaml', { name: 'zoned', spec: { instances: 2, minSyncReplicas: 1, maxSyncReplicas: 1, postgresql: constraint(true) } }));
  await waitReady(env, 'zoned');
});

after(() => env.cleanup());

test('with the constraint no standby is electable locally; without it the standby is synchronous', { timeout: 180_000 }, async () => {
  await eventually('the standby streaming', async () => (await sql(env, 'zoned-1', "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) === '1', 60_000, 300);
  // A reconcile after the standby is ready would have made it synchronous without the constraint.
  await sleep(8000);
  assert.equal(await sql(env, 'zoned-1', 'SHOW synchronous_standby_names'), '');
  assert.equal(await sql(env, 'zoned-1', "SELECT count(*) FROM pg_stat_replication WHERE sync_state <> 'async'"), '0');

  await env.ok(['patch', 'cluster', 'zoned', '--type=merge', '-p', JSON.stringify({ spec: { postgresql: constraint(false) } })]);
  await eventually('the standby to become synchronous', async () => (await sql(env, 'zoned-1', 'SHOW synchronous_standby_names')) === 'ANY 1 ("zoned-2")', 60_000, 500);
});
