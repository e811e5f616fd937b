// End to end through a real kube-apiserver with real PostgreSQL: the operator creates Pods, a
// kubelet stand-in runs their instance managers as local processes, and the cluster bootstraps,
// replicates, and fails over when the primary's Pod is deleted.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { installCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import type { ClusterStatus } from '../src/api/cluster-status.js';
import { KubeletStandIn } from './support/kubelet.js';
import { TestOperator, createCluster, readCluster } from './support/operator.js';


let cp: ControlPlane;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
let operator: TestOperator;
let kubeletDir = '';

const clusterStatus = async (): Promise<ClusterStatus> => (await readCluster(kc, 'pg')).status ?? {};

async function healthy(instances: number, notPrimary?: string): Promise<ClusterStatus> {
  return eventually(`a healthy cluster of ${instances}${notPrimary ? ` with a primary other than ${notPrimary}` : ''}`, async () => {
    const s = await clusterStatus();
    return s.phase === 'Cluster in healthy state' && s.readyInstances === instances && s.currentPrimary !== notPrimary ? s : undefined;
  }, 240_000, 500).catch(async (e: Error) => {
    const s = await clusterStatus().catch(() => ({}));
    const files = spawnSync('find', [kubeletDir, '-maxdepth', '5']).stdout.toString();
    const ps = spawnSync('sh', ['-c', 'ps -eo pid,user,args | grep -v grep | grep -- --pod']).stdout.toString();
    throw new Error(`${e.message}\nfiles: ${files}\nps: ${ps}\nstatus: ${JSON.stringify(s)}\nkubelet: ${kubelet.lastError ?? 'no error'}\noperator:\n${operator.output(4000)}\nmanagers:\n${[...kubelet.logs].map(([k, v]) => `${k}: ${v.slice(-2500)}`).join('\n')}`);
  });
}

async function appClient(primary: string): Promise<pg.Client> {
  const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'pg-app', namespace: 'default' });
  const password = Buffer.from(secret.data!.password!, 'base64').toString();
  const client = new pg.Client({ host: kubelet.ipOf(primary), port: 5432, user: 'app', database: 'app', password, connectionTimeoutMillis: 3000 });
  await client.connect();
  return client;
}

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  kubeletDir = mkdtempSync(join(tmpdir(), 'cnpg-kubelet-'));
  kubelet = new KubeletStandIn(kc, kubeletDir);
  kubelet.start();
  operator = new TestOperator(cp);
});

after(async () => {
  operator?.kill();
  await kubelet?.stop();
  await cp?.stop();
});

test('bootstrap, replication and failover of a 2-instance Cluster through a real API server', { timeout: 480_000 }, async () => {
  await createCluster(kc, 'pg', { instances: 2, storage: { size: '1Gi' } });
  const first = await healthy(2);
  assert.equal(first.currentPrimary, 'pg-1');

  const client = await appClient('pg-1');
  await client.query('CREATE TABLE kept (n int)');
  await client.query('INSERT INTO kept SELECT generate_series(1, 100)');
  await client.end();
  const status = (await (await fetch(`http://${kubelet.ipOf('pg-1')}:8000/pg/status`)).json()) as { replicationInfo: Array<{ applicationName: string; state: string }> };
  assert.ok(status.replicationInfo.some((r) => r.applicationName === 'pg-2' && r.state === 'streaming'), JSON.stringify(status.replicationInfo));
  const rw = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: 'pg-1', namespace: 'default' });
  assert.equal(rw.metadata?.labels?.['cnpg.io/instanceRole'], 'primary');
  // The primary holds the Lease named after the Cluster, through its service account's Role.
  const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'pg', namespace: 'default' });
  assert.equal(lease.spec?.holderIdentity, 'pg-1');
  assert.equal(lease.metadata?.ownerReferences?.[0]?.kind, 'Cluster');

  await kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ name: 'pg-1', namespace: 'default' });
  const after = await healthy(2, 'pg-1');
  assert.equal(after.currentPrimary, 'pg-2');
  const promoted = await appClient('pg-2');
  assert.equal((await promoted.query('SELECT count(*)::int AS n FROM kept')).rows[0].n, 100);
  await promoted.end();
  const labels = (await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: 'pg-2', namespace: 'default' })).metadata?.labels;
  assert.equal(labels?.['cnpg.io/instanceRole'], 'primary', 'the rw Service now selects pg-2');
  const taken = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'pg', namespace: 'default' });
  assert.equal(taken.spec?.holderIdentity, 'pg-2', 'the new primary took the lease the deleted one released');
  assert.ok((taken.spec?.leaseTransitions ?? 0) >= 2);
});
