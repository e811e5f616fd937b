// synchronous.nodeFailureDomainKeys and failoverQuorum on a real kube-apiserver. The stand-in
// kubelet is one Node, so both instances share its kubernetes.io/hostname: the operator reads the
// Node (status.topology.instances has its value; an unread Node would say TopologyNotExtracted),
// finds no standby elsewhere and sets the keys aside (InsufficientCrossDomainReplicas), so the
// standby stays synchronous; the primary's running configuration is recorded for the quorum check.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from './support/env.js';
import { createHealthyCluster, startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';
import { readCluster } from './support/operator.js';

let k: KubeOperatorEnv;
const HOST = 'kubernetes.io/hostname';

before(async () => {
  k = await startKubeOperatorEnv();
  await createHealthyCluster(k, 'pg', { instances: 2, storage: { size: '1Gi' }, postgresql: { synchronous: { method: 'any', number: 1, nodeFailureDomainKeys: [HOST], failoverQuorum: true } } });
});

after(() => k?.stop());

interface Status {
  topology?: { instances?: Record<string, Record<string, string>> };
  conditions?: Array<{ type: string; status: string; reason: string }>;
  failoverQuorum?: { method: string; standbyNames: string[]; standbyNumber: number; primary: string };
}

test('the Nodes are read, the keys set aside for want of another domain, and the quorum record kept in the status', { timeout: 120_000 }, async () => {
  const status = await eventually('the topology, its condition and the quorum record', async () => {
    const s = (await readCluster(k.kc, 'pg')).status as Status | undefined;
    return s?.topology?.instances && s.conditions?.some((c) => c.type === 'SyncReplicationTopologySatisfied') && s.failoverQuorum ? s : undefined;
  }, 60_000, 500);
  const host = status.topology?.instances?.['pg-1']?.[HOST];
  assert.ok(host, 'pg-1 has the hostname of its Node');
  assert.equal(status.topology?.instances?.['pg-2']?.[HOST], host);
  const condition = status.conditions?.find((c) => c.type === 'SyncReplicationTopologySatisfied');
  assert.deepEqual([condition?.status, condition?.reason], ['False', 'InsufficientCrossDomainReplicas']);
  assert.deepEqual(status.failoverQuorum, { method: 'any', standbyNames: ['pg-2'], standbyNumber: 1, primary: 'pg-1' });
});
