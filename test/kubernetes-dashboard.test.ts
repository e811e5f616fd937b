// The live dashboard served by the Kubernetes operator (DASHBOARD_PORT, off by default), against a
// real kube-apiserver with real PostgreSQL run by the kubelet stand-in: the Cluster with its roles,
// and the Events the operator recorded, read without any token.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { installCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { KubeletStandIn } from './support/kubelet.js';
import { TestOperator, createCluster, readCluster } from './support/operator.js';
import type { ClusterSummary, ClusterView } from '../src/dashboard/view.js';

let cp: ControlPlane;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
let operator: TestOperator;
let plain: TestOperator;

/** The port from the operator's "operator started" log line. */
async function dashboardOf(op: TestOperator): Promise<number | 'off'> {
  return eventually('the operator started', async () => {
    const line = op.output().split('\n').find((l) => l.includes('"msg":"operator started"'));
    return line ? (JSON.parse(line) as { dashboard: number | 'off' }).dashboard : undefined;
  }, 60_000, 100);
}

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  kubelet = new KubeletStandIn(kc, mkdtempSync(join(tmpdir(), 'cnpg-kubelet-')));
  kubelet.start();
  operator = new TestOperator(cp, { DASHBOARD_PORT: '0', DASHBOARD_BIND: '127.0.0.1' });
  // A second replica, not the leader, with the dashboard left at its default.
  plain = new TestOperator(cp, { POD_NAME: 'operator-2' });
});

after(async () => {
  operator?.kill();
  plain?.kill();
  await kubelet?.stop();
  await cp?.stop();
});

test('off unless DASHBOARD_PORT is set; then the Cluster, its roles and its Events, without a token', { timeout: 300_000 }, async () => {
  assert.equal(await dashboardOf(plain), 'off');
  const port = await dashboardOf(operator);
  assert.equal(typeof port, 'number');
  const base = `http://127.0.0.1:${port}/dashboard`;
  await createCluster(kc, 'pg', { instances: 2, storage: { size: '1Gi' } });
  await eventually('a healthy cluster', async () => (await readCluster(kc, 'pg')).status?.readyInstances === 2, 240_000, 500);
  const clusters = (await (await fetch(`${base}/api/clusters`)).json()) as ClusterSummary[];
  assert.deepEqual(clusters.map((c) => `${c.namespace}/${c.name}`), ['default/pg']);
  const view = await eventually('both instances with their roles', async () => {
    const v = (await (await fetch(`${base}/api/clusters/default/pg`)).json()) as ClusterView;
    return v.instances.map((i) => `${i.name}:${i.role}`).join(',') === 'pg-1:primary,pg-2:replica' ? v : undefined;
  }, 60_000, 500);
  assert.equal(view.currentPrimary, 'pg-1');
  assert.ok(view.events.some((e) => e.reason === 'CreatingInstance' && e.object === 'Cluster/pg'), JSON.stringify(view.events));
  assert.equal(typeof view.instances[1]!.lagBytes, 'number');
  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /cnpg-ts dashboard/);
});
