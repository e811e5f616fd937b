// The pooler manager reading its handout from the `<pooler>-config` Secret of a real API server,
// with only what a pooler Pod's ServiceAccount gets (get and watch on that one Secret), and
// applying it to real PgBouncer in front of real PostgreSQL 15.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { HANDOUT_SECRET_KEY, handoutHash, type PoolerHandout } from '../src/pgbouncer/handout.js';
import { startControlPlane, type ControlPlane } from './support/controlplane.js';
import { eventually, ownedTempDir, removeDir, startPoolerManager, startPostgres, unprivileged, type TestPoolerManager, type TestPostgres } from './support/pooler.js';

const NS = 'poolers';
const POOLER = 'pooler-rw';
const SECRET = `${POOLER}-config`;
const as = unprivileged();
const dir = ownedTempDir('cnpg-pooler-kube-', as);
let cp: ControlPlane;
let kc: KubeConfig;
let postgres: TestPostgres;
let manager: TestPoolerManager;

const handout = (paused: boolean, poolSize = '10'): PoolerHandout => ({
  settings: { pool_mode: 'transaction', auth_type: 'hba', default_pool_size: poolSize },
  target: { host: '127.0.0.1', port: postgres.port },
  hba: ['host all tester 127.0.0.1/32 trust'],
  users: [{ name: 'tester', password: 'unused-with-trust' }],
  serverTLS: { ca: '-----BEGIN CERTIFICATE-----\nMIIBdGVzdA==\n-----END CERTIFICATE-----\n' },
  paused,
});

const secretBody = (h: PoolerHandout) => ({ metadata: { name: SECRET, namespace: NS }, type: 'Opaque', data: { [HANDOUT_SECRET_KEY]: Buffer.from(JSON.stringify(h)).toString('base64') } });

async function applied(h: PoolerHandout): Promise<void> {
  const hash = handoutHash(h);
  await eventually(`handout ${hash} applied`, async () => {
    const s = await manager.client.status();
    return s.appliedHash === hash && s.ready ? true : undefined;
  });
}

/** A kubeconfig for the pooler's ServiceAccount, readable by the manager's user only. */
async function serviceAccountKubeconfig(): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: POOLER } } });
  await rbac.createNamespacedRole({
    namespace: NS,
    body: { metadata: { name: POOLER }, rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [SECRET], verbs: ['get', 'watch'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: NS,
    body: { metadata: { name: POOLER }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: POOLER }, subjects: [{ kind: 'ServiceAccount', name: POOLER, namespace: NS }] },
  });
  const { status } = await core.createNamespacedServiceAccountToken({ namespace: NS, name: POOLER, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const ca = join(dir, 'api-ca.crt');
  copyFileSync(cp.caFile, ca);
  const path = join(dir, 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: cp.server, 'certificate-authority': ca } }],
    users: [{ name: POOLER, user: { token: status!.token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: POOLER, namespace: NS } }],
    'current-context': 'test',
  };
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  for (const f of [ca, path]) if (as.uid !== undefined) chownSync(f, as.uid, as.gid!);
  return path;
}

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  postgres = await startPostgres(dir, as, { max_connections: '100' });
  const c = new pg.Client({ host: '127.0.0.1', port: postgres.port, user: 'postgres', database: 'postgres' });
  await c.connect();
  await c.query('CREATE ROLE tester LOGIN');
  await c.end();
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
});

after(async () => {
  await manager?.stop();
  await postgres?.stop();
  await cp?.stop();
  removeDir(dir);
});

test('the manager waits for the Secret, applies it, and follows its changes through a watch, with get/watch on that Secret only', async () => {
  const kubeconfig = await serviceAccountKubeconfig();
  const { KUBECONFIG: _, ...env } = process.env;
  manager = await startPoolerManager(dir, as, handout(false), { args: ['--handout-secret', SECRET, '--namespace', NS], env: { ...env, KUBECONFIG: kubeconfig } });
  const waiting = await eventually('the missing Secret reported', async () => ((await manager.client.status()).error ? manager.client.status() : undefined));
  assert.match(waiting.error!, new RegExp(`Secret ${NS}/${SECRET} does not exist`));
  assert.equal(await manager.client.ready(), false);

  const core = kc.makeApiClient(CoreV1Api);
  const first = handout(false);
  await core.createNamespacedSecret({ namespace: NS, body: secretBody(first) });
  await applied(first);
  const client = new pg.Client({ host: '127.0.0.1', port: manager.port, user: 'tester', database: 'postgres' });
  await client.connect();
  assert.equal((await client.query('SELECT 7 AS n')).rows[0].n, 7);

  const pid = (await manager.client.status()).pid;
  const second = handout(false, '12');
  const changed = Date.now();
  await core.replaceNamespacedSecret({ name: SECRET, namespace: NS, body: secretBody(second) });
  await applied(second);
  // A watch brings it in milliseconds; 5 s leaves room for a loaded machine. The log check below
  // is what tells a watch from the re-reads after a failed one.
  assert.ok(Date.now() - changed < 5000, `the change arrived (${Date.now() - changed} ms)`);
  assert.equal((await manager.client.status()).pid, pid, 'RELOADed, not restarted');
  assert.equal((await client.query('SELECT 8 AS n')).rows[0].n, 8, 'the client stayed connected');
  await client.end();

  const paused = handout(true, '12');
  await core.replaceNamespacedSecret({ name: SECRET, namespace: NS, body: secretBody(paused) });
  await eventually('paused through the Secret', async () => ((await manager.client.status()).paused ? true : undefined));
  assert.equal((await manager.client.status()).appliedHash, handoutHash(paused));
  assert.doesNotMatch(manager.log(), /the watch of Secret .* failed|forbidden/i);
});
