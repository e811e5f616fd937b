// Seed 001's multi-database cluster: the application owner is also a managed role with its own
// password Secret. One password must win everywhere (X-app's URI works), a missing role Secret is
// said out loud, and what was fixed at creation cannot be changed by a later apply or patch.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, eventually } from './support/env.js';
import { canLogIn } from './support/login.js';

const env = new TestEnv();

const cluster = (database = 'myapp_dev', size = '1Gi') => `
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: postgres
  namespace: data-layer
spec:
  instances: 1
  bootstrap:
    initdb:
      database: ${database}
      owner: myapp_dev
  managed:
    roles:
      - name: myapp_dev
        ensure: present
        login: true
        passwordSecret:
          name: postgres-archives-dev-password
      - name: myapp_prod
        ensure: present
        login: true
        passwordSecret:
          name: postgres-myapp-prod-password
  storage:
    size: ${size}
`;

const secret = (name: string, password: string) => `
apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  namespace: data-layer
stringData:
  password: ${password}
`;

async function appSecret(): Promise<Record<string, string>> {
  const s = await env.json<{ data: Record<string, string>; metadata: { labels?: Record<string, string> } }>(['get', 'secret', 'postgres-app', '-n', 'data-layer']);
  return Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

async function clusterStatus(): Promise<Record<string, unknown>> {
  return (await env.json<{ status: Record<string, unknown> }>(['get', 'cluster', 'postgres', '-n', 'data-layer'])).status;
}

before(async () => {
  await env.ok(['apply', '-f', '-'], secret('postgres-archives-dev-password', 'dev-secret-1'));
  await env.ok(['apply', '-f', '-'], cluster());
  await env.ok(['wait', '--for=condition=Ready', 'cluster/postgres', '-n', 'data-layer', '--timeout=180s'], undefined, 200_000);
});

after(() => env.cleanup());

test("X-app carries the owner's managed-role password, and its URI logs in", async () => {
  const app = await eventually('X-app mirrors the role Secret', async () => ((await appSecret()).password === 'dev-secret-1' ? appSecret() : undefined), 30_000);
  assert.equal(app.username, 'myapp_dev');
  assert.ok(await eventually('the X-app URI logs in', () => canLogIn(app.uri ?? ''), 30_000));
});

test('a managed role whose Secret is missing is reported, and gets its password once the Secret exists', async () => {
  const status = await eventually('cannotReconcile names myapp_prod', async () => {
    const s = (await clusterStatus()).managedRolesStatus as { cannotReconcile?: Record<string, string[]> } | undefined;
    return s?.cannotReconcile?.myapp_prod ? s : undefined;
  }, 30_000);
  assert.match(status.cannotReconcile?.myapp_prod?.[0] ?? '', /postgres-myapp-prod-password does not exist/);
  assert.match(await env.ok(['describe', 'cluster', 'postgres', '-n', 'data-layer']), /ManagedRoleSecretMissing/);
  await env.ok(['apply', '-f', '-'], secret('postgres-myapp-prod-password', 'prod-secret-1'));
  const app = await appSecret();
  const prod = new URL(app.uri ?? '');
  prod.username = 'myapp_prod';
  prod.password = 'prod-secret-1';
  prod.pathname = '/postgres';
  assert.ok(await eventually('myapp_prod logs in with its Secret', () => canLogIn(prod.toString()), 60_000));
  await eventually('cannotReconcile cleared', async () => {
    const s = (await clusterStatus()).managedRolesStatus as { cannotReconcile?: unknown; byStatus?: { reconciled?: string[] } } | undefined;
    return s?.cannotReconcile === undefined && s?.byStatus?.reconciled?.includes('myapp_prod');
  }, 30_000);
});

test('an overwritten X-app is put back, with an Event, and still logs in', async () => {
  await env.ok(['apply', '-f', '-'], `
apiVersion: v1
kind: Secret
metadata:
  name: postgres-app
  namespace: data-layer
stringData:
  username: intruder
  password: dev-secret-1
`);
  const app = await eventually('X-app put back', async () => {
    const a = await appSecret();
    return a.username === 'myapp_dev' && a.uri ? a : undefined;
  }, 30_000);
  const labels = (await env.json<{ metadata: { labels?: Record<string, string> } }>(['get', 'secret', 'postgres-app', '-n', 'data-layer'])).metadata.labels;
  assert.equal(labels?.['cnpg.io/cluster'], 'postgres');
  assert.match(await env.ok(['describe', 'cluster', 'postgres', '-n', 'data-layer']), /SecretReconciled/);
  assert.ok(await canLogIn(app.uri ?? ''));
});

test('a changed bootstrap, a shrunk volume and a moved namespace are refused and change nothing', async () => {
  const before = await appSecret();
  const bootstrap = await env.run(['apply', '-f', '-'], cluster('elsewhere'));
  assert.notEqual(bootstrap.code, 0);
  assert.match(bootstrap.stderr, /Cluster\/postgres: spec\.bootstrap: bootstrap is used only when the cluster is created/);
  const shrink = await env.run(['apply', '-f', '-'], cluster('myapp_dev', '512Mi'));
  assert.notEqual(shrink.code, 0);
  assert.match(shrink.stderr, /spec\.storage\.size: cannot shrink the volume from 1Gi to 512Mi/);
  const moved = await env.run(['patch', 'cluster', 'postgres', '-n', 'data-layer', '--type=merge', '-p', '{"metadata":{"namespace":"default"}}']);
  assert.notEqual(moved.code, 0);
  assert.match(moved.stderr, /metadata\.namespace cannot be changed/);
  assert.equal((await env.run(['get', 'cluster', 'postgres', '-n', 'default'])).code === 0, false);
  const spec = (await env.json<{ spec: { bootstrap: { initdb: { database: string } }; storage: { size: string } } }>(['get', 'cluster', 'postgres', '-n', 'data-layer'])).spec;
  assert.equal(spec.bootstrap.initdb.database, 'myapp_dev');
  assert.equal(spec.storage.size, '1Gi');
  assert.deepEqual(await appSecret(), before);
});
