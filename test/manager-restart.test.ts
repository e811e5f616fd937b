// kill -9 of an instance manager alone: its PostgreSQL keeps serving, and the new manager adopts
// the same postmaster; nothing restarts and nothing fails over.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, eventually } from './support/env.js';
import { waitReady } from './support/backup.js';
import { manifest } from './support/manifests.js';

const env = new TestEnv();
const CLUSTER = 'adopt';

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster.yaml', { name: CLUSTER, spec: { instances: 3 } }));
  await waitReady(env, CLUSTER);
});

after(() => env.cleanup());

const pods = () => env.pods(CLUSTER);
const currentPrimary = async () => (await env.json<{ status: { currentPrimary: string } }>(['get', 'cluster', CLUSTER])).status.currentPrimary;

async function killManagerOf(role: 'primary' | 'replica'): Promise<void> {
  const primaryBefore = await currentPrimary();
  const pod = (await pods()).find((p) => p.metadata.labels['cnpg.io/instanceRole'] === role);
  assert.ok(pod?.status.local.pid && pod.status.local.managerPid, `a running ${role}`);
  const { pid, managerPid } = pod.status.local;
  process.kill(managerPid, 'SIGKILL');
  await eventually(`${pod.metadata.name} managed again and the cluster healthy`, async () => {
    const s = (await env.json<{ status?: { phase?: string; readyInstances?: number } }>(['get', 'cluster', CLUSTER])).status;
    const now = (await pods()).find((p) => p.metadata.name === pod.metadata.name);
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 3 && now?.status.local.managerPid !== undefined && now.status.local.managerPid !== managerPid;
  }, 60_000, 200);
  assert.equal(await currentPrimary(), primaryBefore, 'no failover');
  const after = (await pods()).find((p) => p.metadata.name === pod.metadata.name);
  assert.equal(after?.status.local.pid, pid, 'the same postmaster, adopted');
}

test('kill -9 of a standby’s manager: its postmaster is adopted', { timeout: 120_000 }, () => killManagerOf('replica'));

test('kill -9 of the primary’s manager: its postmaster is adopted, no failover', { timeout: 120_000 }, () => killManagerOf('primary'));
