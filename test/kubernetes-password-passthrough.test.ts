// cnpg.io/passwordPassthrough on Kubernetes, through a real kube-apiserver with real PostgreSQL (the
// operator's Pods run by the kubelet stand-in): the annotation travels from the Secret object to the
// instance manager, so a managed role's precomputed SCRAM verifier is stored as it is, and the
// superuser's own Secret, annotated, has its cleartext hashed by the server (password_encryption md5).
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { scramSha256Verifier } from '../src/postgres/scram.js';
import { installCrds } from './support/crds.js';
import { eventually } from './support/env.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { KubeletStandIn } from './support/kubelet.js';
import { TestOperator, createCluster, readCluster } from './support/operator.js';

let cp: ControlPlane;
let kc: KubeConfig;
let kubelet: KubeletStandIn;
let operator: TestOperator;
const kubeletDir = mkdtempSync(join(tmpdir(), 'cnpg-kube-passthrough-'));
const VERIFIER = scramSha256Verifier('virgil-clear', Buffer.from('user-chosen-salt'));

const basicAuth = (name: string, username: string, password: string, passthrough: boolean) => ({
  metadata: { name, ...(passthrough ? { annotations: { 'cnpg.io/passwordPassthrough': 'enabled' } } : {}) },
  type: 'kubernetes.io/basic-auth',
  stringData: { username, password },
});

async function query<T>(user: string, password: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ host: kubelet.ipOf('pt-1'), port: 5432, user, database: 'postgres', password, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(kc);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'cnpg-system' } } });
  kubelet = new KubeletStandIn(kc, kubeletDir);
  kubelet.start();
  operator = new TestOperator(cp);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedSecret({ namespace: 'default', body: basicAuth('virgil-password', 'virgil', VERIFIER, true) });
  await core.createNamespacedSecret({ namespace: 'default', body: basicAuth('root-password', 'postgres', 'root-clear', true) });
  await createCluster(kc, 'pt', {
    instances: 1,
    storage: { size: '1Gi' },
    enableSuperuserAccess: true,
    superuserSecret: { name: 'root-password' },
    postgresql: { parameters: { password_encryption: 'md5' }, pg_hba: ['host all postgres all md5'] },
    managed: { roles: [{ name: 'virgil', login: true, passwordSecret: { name: 'virgil-password' } }] },
  });
  await eventually('pt healthy', async () => (await readCluster(kc, 'pt')).status?.phase === 'Cluster in healthy state', 300_000, 500).catch((e: Error) => {
    throw new Error(`${e.message}\nkubelet: ${kubelet.lastError ?? 'no error'}\noperator:\n${operator.output(4000)}\nmanagers:\n${[...kubelet.logs].map(([k, v]) => `${k}: ${v.slice(-2500)}`).join('\n')}`);
  });
});

after(async () => {
  operator?.kill();
  await kubelet?.stop();
  await cp?.stop();
  rmSync(kubeletDir, { recursive: true, force: true });
});

test('a managed role’s annotated Secret: its SCRAM verifier is stored as it is and logs in with the cleartext', { timeout: 120_000 }, async () => {
  await eventually('virgil logs in', async () => (await query('virgil', 'virgil-clear', 'SELECT 1').then(() => true, () => false)), 90_000, 500);
  const [row] = await query<{ rolpassword: string }>('postgres', 'root-clear', "SELECT rolpassword FROM pg_authid WHERE rolname = 'virgil'");
  assert.equal(row?.rolpassword, VERIFIER);
});

test('the annotated superuser Secret: its cleartext is hashed by the server; the generated app Secret is SCRAM-encoded by the manager', { timeout: 60_000 }, async () => {
  const rows = await query<{ rolname: string; rolpassword: string }>('postgres', 'root-clear', "SELECT rolname, rolpassword FROM pg_authid WHERE rolname IN ('postgres', 'app') ORDER BY 1");
  assert.match(rows.find((r) => r.rolname === 'postgres')?.rolpassword ?? '', /^md5[0-9a-f]{32}$/);
  assert.match(rows.find((r) => r.rolname === 'app')?.rolpassword ?? '', /^SCRAM-SHA-256\$4096:/);
});
