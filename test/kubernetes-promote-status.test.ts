// A promote the way CloudNativePG's kubectl plugin does it: status.targetPrimary written straight
// into the Cluster's status subresource, through a real kube-apiserver. During a failover quorum
// hold (a frozen primary, one of its two potential synchronous standbys fenced: R=1, W=1, N=2) it
// promotes the named standby, as `cnpg promote`'s annotation does.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { ClusterStatus } from '../src/api/cluster-status.js';
import { MANAGER_PORT } from '../src/api/names.js';
import { eventually } from './support/env.js';
import { startKubeOperatorEnv, type KubeOperatorEnv } from './support/kube-operator-env.js';
import type { KubeletStandIn } from './support/kubelet.js';
import { createCluster, readCluster } from './support/operator.js';
import { freezePod, thawPod } from './support/pod-processes.js';

const CLUSTER = { group: 'postgresql.cnpg.io', version: 'v1', plural: 'clusters', namespace: 'default', name: 'pg' } as const;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let env: KubeOperatorEnv;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
const frozen: string[] = [];

const status = async (): Promise<ClusterStatus> => (await readCluster(kc, 'pg')).status ?? {};

function report(e: Error): Promise<never> {
  return status().then(
    (s) => Promise.reject(new Error(`${e.message}\nstatus: ${JSON.stringify(s)}\noperator:\n${env.operator.output(4000)}`)),
    () => Promise.reject(e),
  );
}

before(async () => {
  env = await startKubeOperatorEnv();
  ({ kc, kubelet } = env);
  await createCluster(kc, 'pg', { instances: 3, storage: { size: '1Gi' }, postgresql: { synchronous: { method: 'any', number: 1, failoverQuorum: true } } });
});

after(async () => {
  for (const pod of frozen) thawPod(kubelet, pod);
  await env?.stop();
});

test('status.targetPrimary written during a failover quorum hold promotes the named standby', { timeout: 600_000 }, async () => {
  await eventually('a healthy cluster of 3 with its quorum record', async () => {
    const s = await status();
    return s.phase === 'Cluster in healthy state' && s.readyInstances === 3 && s.currentPrimary === 'pg-1' && s.failoverQuorum?.standbyNames.length === 2;
  }, 360_000, 1000).catch(report);
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject({ ...CLUSTER, body: { metadata: { annotations: { 'cnpg.io/fencedInstances': '["pg-3"]' } } } }, mergePatch);
  await eventually('pg-3 fenced, not ready', async () => (await status()).readyInstances === 2, 60_000, 500).catch(report);

  freezePod(kubelet, 'pg-1');
  frozen.push('pg-1');
  await eventually('the failover held', async () => /failover quorum not met: R=1 promotable of N=2/.test((await status()).phaseReason ?? ''), 180_000, 500).catch(report);

  // What CloudNativePG's `kubectl cnpg promote pg pg-2` sends: the status subresource, nothing else.
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus({ ...CLUSTER, body: { status: { targetPrimary: 'pg-2' } } }, mergePatch);
  const promoted = await eventually('pg-2 promoted', async () => {
    const s = await status();
    return s.currentPrimary === 'pg-2' && s.targetPrimary === 'pg-2' ? s : undefined;
  }, 120_000, 500).catch(report);
  assert.equal(promoted.currentPrimary, 'pg-2');
  const pg2 = await eventually('pg-2 reports itself primary', async () => {
    const res = await fetch(`http://${kubelet.ipOf('pg-2')}:${MANAGER_PORT}/pg/status`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    const body = res?.ok ? ((await res.json()) as { isPrimary?: boolean }) : undefined;
    return body?.isPrimary === true ? body : undefined;
  }, 60_000, 500).catch(report);
  assert.equal(pg2.isPrimary, true);
  assert.equal((await readCluster(kc, 'pg')).metadata.annotations?.['cnpg.io/targetPrimary'], undefined, 'the request was answered');
});
