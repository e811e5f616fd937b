// The operator against a real kube-apiserver and etcd (built from Go modules, see
// scripts/build-kube-testenv.sh): the generated CRDs install and reject invalid objects, the API
// server calls our admission webhook, a Cluster yields its Secrets, PVC, Pod and Services, and the
// leader Lease passes to another operator process when the leader is killed.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { AdmissionregistrationV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, PolicyV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { installCrds, registerWebhooks } from './support/crds.js';
import { eventually } from './support/env.js';
import { freePort } from './support/s3.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { TestOperator } from './support/operator.js';
import { setTimeout as sleep } from 'node:timers/promises';

const KINDS = ['cluster', 'backup', 'scheduledbackup', 'pooler'];

let cp: ControlPlane;
let kc: KubeConfig;
let webhookPort = 0;
const operators = new Map<string, TestOperator>();
/** The image the operator is told it runs from (its Deployment sets OPERATOR_IMAGE_NAME). */
const OPERATOR_IMAGE = 'registry.example/cnpg-ts:test';

/** Every replica serves the webhook; on one host each needs its own port (a Service would balance them). */
function startOperator(name: string, port = webhookPort): TestOperator {
  const operator = new TestOperator(cp, { POD_NAME: name, WEBHOOK_PORT: String(port), WEBHOOK_HOST: '127.0.0.1', OPERATOR_IMAGE_NAME: OPERATOR_IMAGE });
  operators.set(name, operator);
  return operator;
}

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  webhookPort = await freePort();
  await registerWebhooks(kc, webhookPort, KINDS);
  startOperator('operator-a');
  await eventually('operator-a leading', async () => (await leaseHolder()) === 'operator-a', 60_000, 500).catch((e: Error) => {
    throw new Error(`${e.message}\noperator-a said:\n${operators.get('operator-a')?.output() ?? ''}`);
  });
});

after(async () => {
  for (const operator of operators.values()) operator.kill();
  await cp?.stop();
});

async function leaseHolder(): Promise<string | undefined> {
  const api = kc.makeApiClient(CoordinationV1Api);
  const lease = await api.readNamespacedLease({ name: 'cnpg-ts-leader', namespace: 'cnpg-system' }).catch(() => undefined);
  return lease?.spec?.holderIdentity ?? undefined;
}

const custom = () => kc.makeApiClient(CustomObjectsApi);
const createCluster = (body: Record<string, unknown>) =>
  custom().createNamespacedCustomObject({ group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'clusters', body });

async function rejection(body: Record<string, unknown>): Promise<string> {
  try {
    await createCluster(body);
  } catch (e) {
    return String((e as { body?: unknown }).body ?? (e as Error).message);
  }
  throw new Error('the API server accepted an invalid Cluster');
}

test('the schema rejects an invalid Cluster with the field path', async () => {
  const message = await rejection({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'bad-type' }, spec: { instances: 'three', storage: { size: '1Gi' } } });
  assert.match(message, /spec\.instances/);
});

test('the API server calls our webhook: the CLI’s validation, with its field path, refuses what the schema lets through', async () => {
  const message = await rejection({
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: 'bad-retention' },
    spec: { instances: 1, storage: { size: '1Gi' }, backup: { retentionPolicy: '30 days', barmanObjectStore: { destinationPath: 's3://b/p', s3Credentials: { inheritFromIAMRole: true } } } },
  });
  assert.match(message, /Cluster\/bad-retention: spec\.backup\.retentionPolicy: must be a positive number followed by d, w or m/);
});

test('a Cluster yields its Secrets, PVC, Pod, Services and a defaulted spec', async () => {
  await createCluster({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec: { instances: 3, storage: { size: '1Gi' } } });
  const stored = (await custom().getNamespacedCustomObject({ group: 'postgresql.cnpg.io', version: 'v1', namespace: 'default', plural: 'clusters', name: 'pg' })) as { spec: Record<string, unknown> };
  assert.equal(stored.spec.primaryUpdateStrategy, 'unsupervised', 'the mutating webhook defaulted the spec');
  assert.match(String(stored.spec.imageName), /^ghcr\.io\/cnpg-ts\/postgresql:15-/, 'and pinned the operator\'s default image');
  const core = kc.makeApiClient(CoreV1Api);
  await eventually('the first instance’s objects', async () => {
    const secrets = (await core.listNamespacedSecret({ namespace: 'default' })).items.map((s) => s.metadata?.name);
    const pvcs = (await core.listNamespacedPersistentVolumeClaim({ namespace: 'default' })).items.map((p) => p.metadata?.name);
    const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'cnpg.io/cluster=pg' })).items;
    return ['pg-app', 'pg-replication', 'pg-ca', 'pg-server', 'pg-1-manager'].every((s) => secrets.includes(s)) && pvcs.includes('pg-1') && pods.some((p) => p.metadata?.name === 'pg-1') ? pods : undefined;
  }, 60_000, 500);
  const ca = await core.readNamespacedSecret({ name: 'pg-ca', namespace: 'default' });
  assert.deepEqual([ca.type, Object.keys(ca.data ?? {}).sort()], ['Opaque', ['ca.crt', 'ca.key']]);
  const server = await core.readNamespacedSecret({ name: 'pg-server', namespace: 'default' });
  assert.deepEqual([server.type, Object.keys(server.data ?? {}).sort()], ['kubernetes.io/tls', ['tls.crt', 'tls.key']]);
  const serverCert = new X509Certificate(Buffer.from(server.data?.['tls.crt'] ?? '', 'base64'));
  assert.ok(serverCert.checkIssued(new X509Certificate(Buffer.from(ca.data?.['ca.crt'] ?? '', 'base64'))), 'pg-server is signed by pg-ca');
  const sans = (serverCert.subjectAltName ?? '').split(', ');
  for (const svc of ['pg-rw', 'pg-ro', 'pg-r']) {
    for (const form of [svc, `${svc}.default`, `${svc}.default.svc`, `${svc}.default.svc.cluster.local`]) assert.ok(sans.includes(`DNS:${form}`), form);
  }
  const pod = await core.readNamespacedPod({ name: 'pg-1', namespace: 'default' });
  // No kubelet runs here, so pg-1 never becomes ready; its role label says so only once it is.
  assert.deepEqual(
    [pod.metadata?.labels?.['cnpg.io/cluster'], pod.metadata?.labels?.['cnpg.io/instanceName'], pod.metadata?.labels?.['cnpg.io/podRole']],
    ['pg', 'pg-1', 'instance'],
  );
  assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'Cluster');
  assert.deepEqual(pod.spec?.containers[0]?.ports?.map((p) => p.containerPort), [5432, 8000, 9187]);
  assert.equal(pod.spec?.containers[0]?.image, stored.spec.imageName);
  // The manager comes from the operator's own image, so the Cluster's image needs only PostgreSQL.
  assert.deepEqual(pod.spec?.initContainers?.map((c) => [c.name, c.image]), [['bootstrap-controller', OPERATOR_IMAGE]]);
  assert.equal(pod.spec?.containers[0]?.command?.[0], '/controller/manager/node');
  await eventually('the rw/ro/r Services', async () => {
    const names = (await core.listNamespacedService({ namespace: 'default' })).items.map((s) => s.metadata?.name);
    return ['pg-rw', 'pg-ro', 'pg-r'].every((n) => names.includes(n));
  }, 30_000, 500);
  const rw = await core.readNamespacedService({ name: 'pg-rw', namespace: 'default' });
  assert.deepEqual(rw.spec?.selector, { 'cnpg.io/cluster': 'pg', 'cnpg.io/instanceRole': 'primary', 'cnpg.io/serving': 'true' });
});

test('PodDisruptionBudgets and the instance ServiceAccount follow the spec', async () => {
  await createCluster({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'three' }, spec: { instances: 3, storage: { size: '1Gi' } } });
  await createCluster({
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: 'bare' },
    spec: { instances: 2, enablePDB: false, storage: { size: '1Gi' }, serviceAccountTemplate: { metadata: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/backup' } } } },
  });
  const core = kc.makeApiClient(CoreV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const budgets = async (cluster: string) =>
    (await policy.listNamespacedPodDisruptionBudget({ namespace: 'default', labelSelector: `cnpg.io/cluster=${cluster}` })).items
      .map((b) => ({ name: b.metadata?.name, minAvailable: b.spec?.minAvailable, selector: b.spec?.selector?.matchLabels }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const expected = [
    { name: 'three', minAvailable: 1, selector: { 'cnpg.io/cluster': 'three', 'cnpg.io/instanceRole': 'replica' } },
    { name: 'three-primary', minAvailable: 1, selector: { 'cnpg.io/cluster': 'three', 'cnpg.io/instanceRole': 'primary' } },
  ];
  await eventually('the PDBs of three', async () => JSON.stringify(await budgets('three')) === JSON.stringify(expected), 30_000, 500).catch(async (e: Error) => {
    throw new Error(`${e.message}: ${JSON.stringify(await budgets('three'))}`);
  });
  const pod = await eventually('bare-1', async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'cnpg.io/cluster=bare' })).items[0], 30_000, 500);
  assert.deepEqual(await budgets('bare'), [], 'enablePDB: false makes none');
  assert.equal(pod.spec?.serviceAccountName, 'bare');
  // The instance manager's one use of an API token: the primary lease, through a Role on that one Lease.
  assert.equal(pod.spec?.automountServiceAccountToken, true);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const role = await rbac.readNamespacedRole({ name: 'bare', namespace: 'default' });
  assert.deepEqual(role.rules?.map((r) => [r.apiGroups, r.resources, r.resourceNames, [...r.verbs].sort()]), [[['coordination.k8s.io'], ['leases'], ['bare'], ['get', 'update']]]);
  const binding = await rbac.readNamespacedRoleBinding({ name: 'bare', namespace: 'default' });
  assert.deepEqual(binding.subjects?.map((x) => [x.kind, x.name]), [['ServiceAccount', 'bare']]);
  assert.equal((await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'bare', namespace: 'default' })).metadata?.ownerReferences?.[0]?.name, 'bare');
  const account = await core.readNamespacedServiceAccount({ name: 'bare', namespace: 'default' });
  assert.equal(account.metadata?.annotations?.['eks.amazonaws.com/role-arn'], 'arn:aws:iam::1:role/backup');
  assert.equal(account.metadata?.ownerReferences?.[0]?.name, 'bare');
});

test('the leader Lease passes to another operator when the leader is killed', async () => {
  const portB = await freePort();
  startOperator('operator-b', portB);
  await sleep(3000);
  assert.equal(await leaseHolder(), 'operator-a', 'the second operator waits while the leader renews');
  operators.get('operator-a')!.kill();
  const t0 = Date.now();
  await eventually('operator-b leading', async () => (await leaseHolder()) === 'operator-b', 40_000, 500).catch((e: Error) => {
    throw new Error(`${e.message}\noperator-b said:\n${operators.get('operator-b')?.output() ?? ''}`);
  });
  process.stdout.write(`# lease handed over in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  // What the webhook Service would do when operator-a's Pod is gone: send admission to operator-b.
  const repoint = <T extends { webhooks?: Array<{ clientConfig: { url?: string } }> }>(config: T): T => {
    for (const w of config.webhooks ?? []) w.clientConfig.url = w.clientConfig.url?.replace(`:${webhookPort}/`, `:${portB}/`);
    return config;
  };
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const validating = await admission.readValidatingWebhookConfiguration({ name: 'cnpg-validating-webhook-configuration' });
  await admission.replaceValidatingWebhookConfiguration({ name: 'cnpg-validating-webhook-configuration', body: repoint(validating) });
  const mutating = await admission.readMutatingWebhookConfiguration({ name: 'cnpg-mutating-webhook-configuration' });
  await admission.replaceMutatingWebhookConfiguration({ name: 'cnpg-mutating-webhook-configuration', body: repoint(mutating) });
  // The new leader reconciles: a new Cluster gets its objects.
  await createCluster({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'after-handover' }, spec: { instances: 1, storage: { size: '1Gi' } } });
  const core = kc.makeApiClient(CoreV1Api);
  await eventually('the new leader creating after-handover-1', async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'cnpg.io/cluster=after-handover' })).items.length === 1, 30_000, 500);
});
