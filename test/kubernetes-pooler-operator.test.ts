// The operator on a real kube-apiserver runs a Pooler: its controller (src/operator/pooler-controller.ts)
// hands the decided handout to KubePoolers, which makes the Deployment, Service, ServiceAccount,
// Role, RoleBinding and `<pooler>-config` Secret; a spec change and `kubectl scale` reach them.
// There is no kubelet or Deployment controller here: the Deployment gets no Pods, so the Pooler
// stays at 0 running instances and the test looks at the objects and the handout.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { PoolerHandout } from '../src/pgbouncer/handout.js';
import { installCrds, registerWebhooks } from './support/crds.js';
import { eventually } from './support/env.js';
import { freePort } from './support/s3.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { TestOperator } from './support/operator.js';

const exec = promisify(execFile);
const CNPG = { group: 'postgresql.cnpg.io', version: 'v1' } as const;
const NS = 'default';

let cp: ControlPlane;
let kc: KubeConfig;
let operator: TestOperator;

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  const port = await freePort();
  await registerWebhooks(kc, port, ['cluster', 'pooler']);
  operator = new TestOperator(cp, { WEBHOOK_PORT: String(port), WEBHOOK_HOST: '127.0.0.1' });
  const leader = async () => (await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'cnpg-ts-leader', namespace: 'cnpg-system' }).catch(() => undefined))?.spec?.holderIdentity;
  await eventually('the operator leading', async () => (await leader()) === 'operator', 60_000, 500).catch((e: Error) => {
    throw new Error(`${e.message}\n${operator.output()}`);
  });
});

after(async () => {
  operator?.kill();
  await cp?.stop();
});

async function kubectl(args: string[]): Promise<string> {
  const { stdout } = await exec(cp.kubectl, ['--kubeconfig', cp.kubeconfigPath, ...args]);
  return stdout;
}

async function handoutOf(pooler: string): Promise<PoolerHandout | undefined> {
  const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: NS, name: `${pooler}-config` }).catch(() => undefined);
  const text = secret?.data?.['handout.json'];
  return text ? (JSON.parse(Buffer.from(text, 'base64').toString()) as PoolerHandout) : undefined;
}

const deploymentOf = (name: string) => kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: NS, name }).catch(() => undefined);

test('a Pooler in front of a Cluster gets its Kubernetes objects and the handout the operator decided', async () => {
  const custom = kc.makeApiClient(CustomObjectsApi);
  await custom.createNamespacedCustomObject({ ...CNPG, namespace: NS, plural: 'clusters', body: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec: { instances: 1, storage: { size: '1Gi' } } } });
  await custom.createNamespacedCustomObject({
    ...CNPG,
    namespace: NS,
    plural: 'poolers',
    body: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Pooler', metadata: { name: 'pg-pooler-rw' }, spec: { cluster: { name: 'pg' }, instances: 2, type: 'rw', pgbouncer: { poolMode: 'transaction', parameters: { max_client_conn: '1000', default_pool_size: '25' } } } },
  });
  const handout = await eventually('the config Secret of pg-pooler-rw', () => handoutOf('pg-pooler-rw'), 60_000, 500).catch((e: Error) => {
    throw new Error(`${e.message}\n${operator.output(5000)}`);
  });
  assert.deepEqual(handout.target, { host: `pg-rw.${NS}.svc`, port: 5432 });
  assert.equal(handout.settings.pool_mode, 'transaction');
  assert.equal(handout.settings.max_client_conn, '1000');
  assert.equal(handout.settings.auth_user, 'cnpg_pooler_pgbouncer', 'the built-in authentication');
  assert.ok(handout.serverTLS.client?.cert.includes('BEGIN CERTIFICATE'), 'PgBouncer logs in with the pg-pooler client certificate');
  assert.deepEqual(handout.users, [], 'no password in the handout');

  const deployment = await eventually('the Deployment', () => deploymentOf('pg-pooler-rw'), 30_000, 500);
  assert.equal(deployment.spec?.replicas, 2);
  assert.equal(deployment.metadata?.labels?.['cnpg.io/poolerName'], 'pg-pooler-rw');
  assert.match(deployment.metadata?.annotations?.['cnpg.io/poolerSpecHash'] ?? '', /^[0-9a-f]{16}$/);
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const service = await core.readNamespacedService({ namespace: NS, name: 'pg-pooler-rw' });
  assert.deepEqual(service.spec?.selector, { 'cnpg.io/poolerName': 'pg-pooler-rw' });
  await core.readNamespacedServiceAccount({ namespace: NS, name: 'pg-pooler-rw' });
  const role = await rbac.readNamespacedRole({ namespace: NS, name: 'pg-pooler-rw' });
  assert.deepEqual(role.rules?.[0]?.resourceNames, ['pg-pooler-rw-config']);
  await rbac.readNamespacedRoleBinding({ namespace: NS, name: 'pg-pooler-rw' });

  const status = await eventually('the Pooler status', async () => {
    const p = (await custom.getNamespacedCustomObject({ ...CNPG, namespace: NS, plural: 'poolers', name: 'pg-pooler-rw' })) as { status?: { phase?: string; instances?: number; secrets?: Record<string, { name?: string }> } };
    return p.status?.secrets ? p.status : undefined;
  }, 30_000, 500);
  assert.equal(status.instances, 0, 'no Pod runs without a kubelet');
  assert.equal(status.secrets?.serverCA?.name, 'pg-ca');
  assert.match(await kubectl(['get', 'pooler', 'pg-pooler-rw', '-n', NS]), /pg-pooler-rw\s+\S+\s+pg\s+rw\s+active/);
});

test('a new poolMode reaches the handout without a new Pod template; kubectl scale reaches the Deployment', async () => {
  const before = await deploymentOf('pg-pooler-rw');
  await kubectl(['patch', 'pooler', 'pg-pooler-rw', '-n', NS, '--type=merge', '-p', '{"spec":{"pgbouncer":{"poolMode":"session"}}}']);
  await eventually('pool_mode session in the handout', async () => ((await handoutOf('pg-pooler-rw'))?.settings.pool_mode === 'session' ? true : undefined), 30_000, 500);
  const after = await eventually('the Deployment made from the new spec', async () => {
    const d = await deploymentOf('pg-pooler-rw');
    return d?.metadata?.annotations?.['cnpg.io/poolerSpecHash'] !== before?.metadata?.annotations?.['cnpg.io/poolerSpecHash'] ? d : undefined;
  }, 30_000, 500);
  assert.deepEqual(JSON.parse(JSON.stringify(after.spec?.template)), JSON.parse(JSON.stringify(before?.spec?.template)), 'no rollout for a pool mode');
  await kubectl(['scale', 'pooler/pg-pooler-rw', '-n', NS, '--replicas=3']);
  await eventually('3 replicas', async () => ((await deploymentOf('pg-pooler-rw'))?.spec?.replicas === 3 ? true : undefined), 30_000, 500);
});
