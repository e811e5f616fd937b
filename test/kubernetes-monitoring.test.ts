// spec.monitoring against a real kube-apiserver: the validating webhook refuses a Cluster whose
// custom-query ConfigMap holds bad query YAML (and counts its requests under controller-runtime's
// webhook metric names); a Cluster's PodMonitor is made once the Prometheus operator's CRD is
// there (a clear condition before), follows the relabelings of the spec, and goes when turned off.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:https';
import { ApiException, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Cluster } from '../src/api/index.js';
import { planPodMonitor } from '../src/operator/monitoring.js';
import { OperatorMetrics } from '../src/platform/kubernetes/metrics.js';
import { KubePodMonitors } from '../src/platform/kubernetes/pod-monitors.js';
import { KubeStore } from '../src/platform/kubernetes/store.js';
import { issueServingCertificate } from '../src/platform/kubernetes/webhook-cert.js';
import { startWebhookServer } from '../src/platform/kubernetes/webhook.js';
import { installCrds, registerWebhooks, installPodMonitorCrd } from './support/crds.js';
import { eventually } from './support/env.js';
import { freePort } from './support/s3.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';

const NS = 'default';
let cp: ControlPlane;
let kc: KubeConfig;
let webhook: Server;
let metrics: OperatorMetrics;

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  const port = await freePort();
  const tls = await issueServingCertificate(['127.0.0.1']);
  const store = new KubeStore(kc);
  metrics = new OperatorMetrics({ isLeader: () => true, queueDepth: () => 0, managedClusters: () => 0 });
  const read = (kind: string, namespace: string, name: string) => store.get(kind, namespace, name);
  webhook = await startWebhookServer(port, tls, '127.0.0.1', 'ghcr.io/cnpg-ts/postgresql:15', async (k, n, name) => (await read(k, n, name)) !== undefined, { read, metrics });
  await registerWebhooks(kc, port, ['cluster'], Buffer.from(tls.caCert).toString('base64'));
});

after(async () => {
  webhook?.close();
  await cp?.stop();
});

const custom = () => kc.makeApiClient(CustomObjectsApi);
const clusterBody = (name: string, monitoring: Record<string, unknown>) => ({
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name, namespace: NS },
  spec: { instances: 1, storage: { size: '1Gi' }, monitoring },
});
const createCluster = (name: string, monitoring: Record<string, unknown>) =>
  custom().createNamespacedCustomObject({ group: 'postgresql.cnpg.io', version: 'v1', namespace: NS, plural: 'clusters', body: clusterBody(name, monitoring) }) as Promise<Cluster>;
const putQueries = (name: string, text: string) => kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: NS, body: { metadata: { name }, data: { queries: text } } });

test('the validating webhook refuses a Cluster whose custom-query ConfigMap does not parse, with the field path, the key and the finding', async () => {
  await putQueries('bad-queries', 'q:\n  query: SELECT 1 AS v\n  metrics:\n    - v:\n        usage: GAGE\n        description: v\n');
  await putQueries('good-queries', 'q:\n  query: SELECT 1 AS v\n  metrics:\n    - v:\n        usage: GAUGE\n        description: v\n');
  const refused = await createCluster('refused', { customQueriesConfigMap: [{ name: 'bad-queries', key: 'queries' }] }).then(
    () => assert.fail('the Cluster was stored'),
    (e: unknown) => e as ApiException<string>,
  );
  assert.equal(refused.code, 422);
  assert.match(String(refused.body), /Cluster\/refused: spec\.monitoring\.customQueriesConfigMap\[0\]\.key: ConfigMap bad-queries key queries: q\.metrics\[0\]\.v\.usage: unknown usage \\?"GAGE\\?"/);
  await createCluster('accepted', { customQueriesConfigMap: [{ name: 'good-queries', key: 'queries' }] });
  const text = await metrics.registry.metrics();
  assert.match(text, /controller_runtime_webhook_requests_total\{code="200",webhook="\/validate-postgresql-cnpg-io-v1-cluster"\} [2-9]/);
  assert.match(text, /controller_runtime_webhook_requests_in_flight\{webhook="\/validate-postgresql-cnpg-io-v1-cluster"\} 0/);
});

test('enablePodMonitor: a clear condition without the CRD; with it the PodMonitor follows the spec and inheritedMetadata and goes when turned off', async () => {
  const relabelings = [{ action: 'replace', targetLabel: 'team', replacement: 'data' }];
  const metricRelabelings = [{ action: 'drop', sourceLabels: ['__name__'], regex: 'cnpg_pg_settings_setting' }];
  const cluster = await createCluster('watched', { enablePodMonitor: true, podMonitorRelabelings: relabelings, podMonitorMetricRelabelings: metricRelabelings });
  const store = new KubeStore(kc);
  const before = planPodMonitor(cluster, await new KubePodMonitors(store).observe(cluster));
  assert.equal(before.action, undefined);
  assert.equal(before.condition?.ok, false);
  assert.match(before.condition?.message ?? '', /PodMonitor kind \(monitoring\.coreos\.com\/v1\) is not served: install the Prometheus operator's CRD podmonitors\.monitoring\.coreos\.com/);

  await installPodMonitorCrd(kc);
  const monitors = new KubePodMonitors(store);
  const plan = planPodMonitor(cluster, await monitors.observe(cluster));
  assert.deepEqual(plan.action, { kind: 'applyPodMonitor' });
  assert.equal(plan.condition?.ok, true);
  const read = () => custom().getNamespacedCustomObject({ group: 'monitoring.coreos.com', version: 'v1', namespace: NS, plural: 'podmonitors', name: 'watched' }) as Promise<{ spec: unknown; metadata: { labels?: Record<string, string>; resourceVersion: string } }>;
  await eventually('the PodMonitor', async () => {
    await monitors.apply(cluster);
    return read();
  }, 30_000);
  const made = await read();
  assert.deepEqual(made.spec, {
    selector: { matchLabels: { 'cnpg.io/cluster': 'watched', 'cnpg.io/podRole': 'instance' } },
    podMetricsEndpoints: [{ port: 'metrics', metricRelabelings, relabelings }],
  });
  assert.equal(made.metadata.labels?.['cnpg.io/cluster'], 'watched');
  await monitors.apply(cluster);
  assert.equal((await read()).metadata.resourceVersion, made.metadata.resourceVersion, 'nothing written when nothing changed');
  assert.equal((await monitors.observe(cluster)).exists, true);

  // inheritedMetadata given later reaches the PodMonitor; what someone else labelled it with stays.
  await custom().patchNamespacedCustomObject({ group: 'monitoring.coreos.com', version: 'v1', namespace: NS, plural: 'podmonitors', name: 'watched', body: { metadata: { labels: { mine: 'kept' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  const inheriting = { ...cluster, spec: { ...cluster.spec, inheritedMetadata: { labels: { team: 'db' }, annotations: { owner: 'ops' } } } } as Cluster;
  await eventually('the inherited label on the PodMonitor', async () => {
    await monitors.apply(inheriting);
    return (await read()).metadata.labels?.team === 'db';
  }, 30_000);
  const inherited = (await read()) as { spec: unknown; metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } };
  assert.equal(inherited.metadata.labels?.mine, 'kept');
  assert.equal(inherited.metadata.annotations?.owner, 'ops');
  assert.deepEqual(inherited.spec, made.spec);

  const off = { ...cluster, spec: { ...cluster.spec, monitoring: { ...cluster.spec.monitoring!, enablePodMonitor: false } } } as Cluster;
  const removal = planPodMonitor(off, await monitors.observe(off));
  assert.deepEqual(removal, { action: { kind: 'removePodMonitor' } });
  await monitors.remove(off);
  await assert.rejects(read, (e: unknown) => e instanceof ApiException && e.code === 404);
  assert.deepEqual(planPodMonitor(off, await monitors.observe(off)), {}, 'nothing to do once it is gone');
});
