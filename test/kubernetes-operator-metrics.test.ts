// The operator's /metrics against a real kube-apiserver: the leader flag, the managed Clusters, the
// reconcile counters and histogram move when a Cluster comes; and a reconcile that has nothing to
// change writes nothing (the Cluster and every child keep their resourceVersion); and the same
// operator process, still leading, resumes its watches after the API server restarts.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, PolicyV1Api, type KubeConfig } from '@kubernetes/client-node';
import { installCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { freePort } from './support/s3.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { TestOperator, createCluster, readCluster } from './support/operator.js';
import { setTimeout as sleep } from 'node:timers/promises';

let cp: ControlPlane;
let kc: KubeConfig;
let operator: TestOperator;
let metricsPort = 0;

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  metricsPort = await freePort();
  operator = new TestOperator(cp, { METRICS_PORT: String(metricsPort) });
});

after(async () => {
  operator?.kill();
  await cp?.stop();
});

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return res.text();
}

/** The sum of a metric's samples whose labels include `labels`; undefined when there is none. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

const clusterReconciles = (text: string) => value(text, 'controller_runtime_reconcile_total', { controller: 'cluster' }) ?? 0;

async function resourceVersions(): Promise<Record<string, string>> {
  const core = kc.makeApiClient(CoreV1Api);
  const selector = { namespace: 'default', labelSelector: 'cnpg.io/cluster=pg' };
  const cluster = (await readCluster(kc, 'pg')) as { metadata: { resourceVersion: string } };
  const out: Record<string, string> = { 'Cluster/pg': cluster.metadata.resourceVersion };
  const lists = await Promise.all([
    core.listNamespacedPod(selector),
    core.listNamespacedPersistentVolumeClaim(selector),
    core.listNamespacedSecret(selector),
    core.listNamespacedService(selector),
    kc.makeApiClient(PolicyV1Api).listNamespacedPodDisruptionBudget(selector),
  ]);
  for (const [kind, list] of (['Pod', 'PersistentVolumeClaim', 'Secret', 'Service', 'PodDisruptionBudget'] as const).map((k, i) => [k, lists[i]!] as const)) {
    for (const item of list.items) out[`${kind}/${item.metadata?.name}`] = item.metadata?.resourceVersion ?? '';
  }
  return out;
}

test('/metrics: leader flag, managed Clusters, reconcile counters and durations, queue depth', { timeout: 180_000 }, async () => {
  const idle = await eventually('the operator leading and serving /metrics', async () => {
    const text = await scrape().catch(() => undefined);
    return text && value(text, 'leader_election_master_status', { name: 'cnpg-ts-leader' }) === 1 ? text : undefined;
  }, 60_000, 500).catch((e: Error) => {
    throw new Error(`${e.message}\noperator said:\n${operator.output()}`);
  });
  assert.equal(value(idle, 'cnpg_ts_operator_managed_clusters'), 0);
  assert.equal(clusterReconciles(idle), 0);
  assert.equal(value(idle, 'workqueue_depth', { name: 'operator' }), 0);
  assert.ok((value(idle, 'process_resident_memory_bytes') ?? 0) > 0, 'the default process metrics are there');

  await createCluster(kc, 'pg', { instances: 1, storage: { size: '1Gi' } });
  const busy = await eventually('the Cluster counted and reconciled', async () => {
    const text = await scrape();
    return value(text, 'cnpg_ts_operator_managed_clusters') === 1 && clusterReconciles(text) >= 2 ? text : undefined;
  }, 60_000, 300);
  // No kubelet: pg-1 never runs, so the controller keeps polling it with a requeue.
  assert.ok((value(busy, 'controller_runtime_reconcile_total', { controller: 'cluster', result: 'requeue_after' }) ?? 0) >= 1, busy);
  assert.equal(value(busy, 'controller_runtime_reconcile_time_seconds_count', { controller: 'cluster' }), clusterReconciles(busy));
  assert.ok((value(busy, 'controller_runtime_reconcile_time_seconds_sum', { controller: 'cluster' }) ?? 0) > 0);
  assert.notEqual(value(busy, 'workqueue_depth', { name: 'operator' }), undefined);
});

test('a reconcile with nothing to change writes nothing', { timeout: 180_000 }, async () => {
  const core = kc.makeApiClient(CoreV1Api);
  await eventually('pg’s Pod, PVC, Secrets and Services', async () => {
    const rvs = await resourceVersions();
    return ['Pod/pg-1', 'PersistentVolumeClaim/pg-1', 'Secret/pg-app', 'Secret/pg-1-manager', 'Service/pg-rw', 'PodDisruptionBudget/pg-primary'].every((k) => k in rvs);
  }, 60_000, 300);
  // Let whatever the first reconciles started (the status, the Event) land first.
  await sleep(2000);
  const before = await resourceVersions();
  const reconcilesBefore = clusterReconciles(await scrape());
  await eventually('ten more reconciles of pg', async () => clusterReconciles(await scrape()) >= reconcilesBefore + 10, 60_000, 200);
  assert.deepEqual(await resourceVersions(), before);
  assert.equal((await core.readNamespacedPod({ name: 'pg-1', namespace: 'default' })).status?.phase, 'Pending', 'the Pod never ran, so every reconcile had work it could not do');
});

test('after an API server restart the same operator resumes its watches and reconciles a new Cluster', { timeout: 180_000 }, async () => {
  const pid = operator.child.pid;
  await cp.stopApiServer();
  // Shorter than the renew deadline: the operator keeps its lead, and has to notice by itself
  // that its watches broke.
  await sleep(4000);
  await cp.startApiServer();
  // A restarted API server answers 429 for custom resources until their storage is ready.
  await eventually('the Cluster accepted', () => createCluster(kc, 'after-restart', { instances: 1, storage: { size: '1Gi' } }).then(() => true, (e: { code?: number }) => e.code === 409), 30_000, 500);
  const core = kc.makeApiClient(CoreV1Api);
  await eventually('after-restart-1 created by the operator', async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'cnpg.io/cluster=after-restart' })).items.length === 1, 60_000, 500).catch((e: Error) => {
    throw new Error(`${e.message}\noperator said:\n${operator.output(4000)}`);
  });
  assert.ok(operator.running && operator.child.pid === pid, 'the operator that had the watches, not a restarted one');
  assert.equal(value(await scrape(), 'leader_election_master_status', { name: 'cnpg-ts-leader' }), 1);
});
