// Clone, import and a replica cluster on Kubernetes, through a real kube-apiserver with real
// PostgreSQL (the operator's Pods run by the kubelet stand-in): each new Cluster reaches the
// source Cluster's Pod at its address, with the source's Secrets, as externalClusters say.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { installCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { KubeletStandIn } from './support/kubelet.js';
import { TestOperator, createCluster, readCluster } from './support/operator.js';

let cp: ControlPlane;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
let operator: TestOperator;
const kubeletDir = mkdtempSync(join(tmpdir(), 'cnpg-kube-lifecycle-'));

async function healthy(name: string, instances = 1): Promise<void> {
  await eventually(`${name} healthy with ${instances} ready`, async () => {
    const s = (await readCluster(kc, name)).status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === instances;
  }, 300_000, 500).catch(async (e: Error) => {
    const s = await readCluster(kc, name).catch(() => ({}));
    throw new Error(`${e.message}\nstatus: ${JSON.stringify(s)}\nkubelet: ${kubelet.lastError ?? 'no error'}\noperator:\n${operator.output(4000)}\nmanagers:\n${[...kubelet.logs].map(([k, v]) => `${k}: ${v.slice(-2500)}`).join('\n')}`);
  });
}

async function secretValue(name: string, key: string): Promise<string> {
  const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name, namespace: 'default' });
  return Buffer.from(secret.data![key]!, 'base64').toString();
}

/** A query on a Pod as `app`, with the password of Secret `passwordSecret`. */
async function query(pod: string, passwordSecret: string, sql: string): Promise<string> {
  const client = new pg.Client({ host: kubelet.ipOf(pod), port: 5432, user: 'app', database: 'app', password: await secretValue(passwordSecret, 'password'), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const r = await client.query<Record<string, unknown>>(sql);
    return String(Object.values(r.rows[0] ?? {})[0] ?? '');
  } finally {
    await client.end();
  }
}

/** The source Cluster's primary Pod as an externalClusters entry, as `user` with the password in `secret`. */
const sourceEntry = (user: string, secret: string) => ({
  name: 'src',
  connectionParameters: { host: kubelet.ipOf('src-1'), port: '5432', user, dbname: 'postgres' },
  password: { name: secret, key: 'password' },
});

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  kubelet = new KubeletStandIn(kc, kubeletDir);
  kubelet.start();
  operator = new TestOperator(cp);
  await createCluster(kc, 'src', { instances: 1, enableSuperuserAccess: true, storage: { size: '1Gi' } });
  await healthy('src');
  await query('src-1', 'src-app', 'CREATE TABLE rows (n int PRIMARY KEY)');
  await query('src-1', 'src-app', 'INSERT INTO rows SELECT generate_series(1, 100)');
});

after(async () => {
  operator?.kill();
  await kubelet?.stop();
  await cp?.stop();
  rmSync(kubeletDir, { recursive: true, force: true });
});

test('clone: bootstrap.pg_basebackup from another Cluster\'s Pod, as streaming_replica with its password', { timeout: 420_000 }, async () => {
  await createCluster(kc, 'clone', { instances: 1, storage: { size: '1Gi' }, bootstrap: { pg_basebackup: { source: 'src' } }, externalClusters: [sourceEntry('streaming_replica', 'src-replication')] });
  await healthy('clone');
  // A clone is a primary of its own: it takes writes, and the source does not see them.
  assert.equal(await query('clone-1', 'clone-app', 'SELECT count(*) FROM rows'), '100');
  await query('clone-1', 'clone-app', 'INSERT INTO rows VALUES (1000)');
  assert.equal(await query('src-1', 'src-app', 'SELECT count(*) FROM rows'), '100');
});

test('import: initdb.import (microservice) from another Cluster\'s Pod, as its superuser', { timeout: 420_000 }, async () => {
  await createCluster(kc, 'imported', {
    instances: 1,
    storage: { size: '1Gi' },
    bootstrap: { initdb: { database: 'app', owner: 'app', import: { type: 'microservice', databases: ['app'], source: { externalCluster: 'src' } } } },
    externalClusters: [sourceEntry('postgres', 'src-superuser')],
  });
  await healthy('imported');
  assert.equal(await query('imported-1', 'imported-app', 'SELECT count(*) FROM rows'), '100');
  assert.equal(await query('imported-1', 'imported-app', 'SELECT tableowner FROM pg_tables WHERE tablename = \'rows\''), 'app');
});

test('replica cluster: replica.enabled follows the source Pod by streaming, read-only, catching up with new rows', { timeout: 420_000 }, async () => {
  await createCluster(kc, 'follower', {
    instances: 2,
    storage: { size: '1Gi' },
    bootstrap: { pg_basebackup: { source: 'src' } },
    replica: { enabled: true, source: 'src' },
    externalClusters: [sourceEntry('streaming_replica', 'src-replication')],
  });
  await healthy('follower', 2);
  await query('src-1', 'src-app', 'INSERT INTO rows SELECT generate_series(101, 150)');
  // Its roles are the source's while it is a replica: app logs in with the source's password.
  for (const pod of ['follower-1', 'follower-2']) {
    await eventually(`${pod} has 150 rows`, async () => (await query(pod, 'src-app', 'SELECT count(*) FROM rows')) === '150', 90_000, 500);
  }
  await assert.rejects(query('follower-1', 'src-app', 'INSERT INTO rows VALUES (2000)'), /read-only transaction/);
  const status = (await readCluster(kc, 'follower')).status;
  assert.equal(status?.currentPrimary, 'follower-1');
});
