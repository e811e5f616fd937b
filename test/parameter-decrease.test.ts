// Lowering a setting a hot standby must keep at least as high as its primary's (max_connections):
// the primary restarts first, so no standby ever starts below it and the rolling restart completes.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, eventually } from './support/env.js';
import { manifest } from './support/manifests.js';
import { sql, waitReady } from './support/backup.js';

const env = new TestEnv();
const CLUSTER = 'lower';
const PODS = [1, 2, 3].map((n) => `${CLUSTER}-${n}`);

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster.yaml', { name: CLUSTER, spec: { instances: 3, postgresql: { parameters: { max_connections: '200' } } } }));
  await waitReady(env, CLUSTER);
});

after(() => env.cleanup());

test('max_connections 200 → 150 on three instances: healthy with 150 everywhere, the primary kept', { timeout: 180_000 }, async () => {
  for (const pod of PODS) assert.equal(await sql(env, pod, 'SHOW max_connections', 'postgres'), '200', pod);
  const before = (await env.json<{ status: { currentPrimary: string } }>(['get', 'cluster', CLUSTER])).status.currentPrimary;
  await env.ok(['patch', 'cluster', CLUSTER, '--type', 'merge', '-p', '{"spec":{"postgresql":{"parameters":{"max_connections":"150"}}}}']);
  await eventually('every instance running with max_connections 150 and the cluster healthy', async () => {
    const settings = await Promise.all(PODS.map((pod) => sql(env, pod, 'SHOW max_connections', 'postgres')));
    if (settings.some((s) => s !== '150')) return false;
    const s = (await env.json<{ status: { phase: string; readyInstances: number } }>(['get', 'cluster', CLUSTER])).status;
    return s.phase === 'Cluster in healthy state' && s.readyInstances === 3;
  }, 90_000, 500);
  const after = (await env.json<{ status: { currentPrimary: string } }>(['get', 'cluster', CLUSTER])).status.currentPrimary;
  assert.equal(after, before, 'restarted in place, not failed over');
});
