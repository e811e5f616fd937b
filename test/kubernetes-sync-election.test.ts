// syncReplicaElectionConstraint on a real kube-apiserver: the operator reads the labels of the
// Node each instance Pod is bound to. The stand-in kubelet is one Node, so both instances share
// its kubernetes.io/hostname and the standby is not electable (an unread Node would set the
// constraint aside and make it synchronous); with the constraint off it is synchronous.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { eventually } from './support/env.js';
import { createHealthyCluster, podPsql, startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';

let k: KubeOperatorEnv;

const constraint = (enabled: boolean) => ({ syncReplicaElectionConstraint: { enabled, nodeLabelsAntiAffinity: ['kubernetes.io/hostname'] } });

const psql = (pod: string, query: string) => podPsql(k, pod, query);

before(async () => {
  k = await startKubeOperatorEnv();
  await createHealthyCluster(k, 'pg', { instances: 2, storage: { size: '1Gi' }, minSyncReplicas: 1, maxSyncReplicas: 1, postgresql: constraint(true) });
});

after(() => k?.stop());

test('both instances on the one Node: the standby is not electable; without the constraint it is synchronous', { timeout: 180_000 }, async () => {
  await eventually('the standby streaming', async () => (await psql('pg-1', "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")) === '1', 60_000, 500);
  // Reconciles after the standby turned ready would have made it synchronous without the constraint.
  await sleep(8000);
  assert.equal(await psql('pg-1', 'SHOW synchronous_standby_names'), '');
  await k.kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    { group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'clusters', name: 'pg', body: { spec: { postgresql: constraint(false) } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await eventually('the standby to become synchronous', async () => (await psql('pg-1', 'SHOW synchronous_standby_names')) === 'ANY 1 ("pg-2")', 90_000, 1000);
});
