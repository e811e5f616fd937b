// The seed's lab cluster end to end on real PostgreSQL: bootstrap, data through every endpoint,
// scaling without touching the primary, pod deletion, and a daemon restart that adopts everything.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { tableName } from '../src/platform/local/nft-rules.js';
import { TestEnv, eventually } from './support/env.js';

interface Obj {
  metadata: { name: string; labels?: Record<string, string> };
  status?: Record<string, unknown> & { local?: { pid?: number; port: number } };
  spec?: { ports?: Array<{ port: number }> };
  data?: Record<string, string>;
}

const env = new TestEnv();
let uri = '';

async function query(connectionString: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

function withPort(port: number): string {
  const u = new URL(uri);
  u.port = String(port);
  return u.toString();
}

async function servicePort(name: string): Promise<number> {
  const out = await env.ok(['get', 'svc', name, '-o', 'jsonpath={.spec.ports[0].port}']);
  return Number(out.trim());
}

async function pods(): Promise<Obj[]> {
  return (await env.json<{ items: Obj[] }>(['get', 'pods', '-l', 'cnpg.io/cluster=lab-postgres'])).items;
}

async function waitHealthy(instances: number): Promise<void> {
  await eventually(`cluster healthy with ${instances} instances`, async () => {
    const c = await env.json<Obj>(['get', 'cluster', 'lab-postgres']);
    return c.status?.phase === 'Cluster in healthy state' && c.status.readyInstances === instances && (await pods()).length === instances;
  }, 120_000, 300);
}

before(async () => {
  await env.ok(['apply', '-f', 'examples/lab-postgres.yaml']);
  await env.ok(['wait', '--for=condition=Ready', 'cluster/lab-postgres', '--timeout=180s'], undefined, 200_000);
  const raw = await env.ok(['get', 'secret', 'lab-postgres-app', '-o', 'jsonpath={.data.uri}']);
  uri = Buffer.from(raw.trim(), 'base64').toString('utf8');
});

after(() => env.cleanup());

test('three instances: one primary, two streaming replicas, labelled like CloudNativePG pods', async () => {
  const list = await pods();
  assert.deepEqual(list.map((p) => p.metadata.name), ['lab-postgres-1', 'lab-postgres-2', 'lab-postgres-3']);
  const primary = (await env.ok(['get', 'pods', '-l', 'cnpg.io/cluster=lab-postgres', '-o', 'jsonpath={.items[?(@.metadata.labels.role=="primary")].metadata.name}'])).trim();
  assert.equal(primary, 'lab-postgres-1');
  for (const p of list) {
    assert.equal(p.metadata.labels?.['cnpg.io/instanceRole'], p.metadata.name === primary ? 'primary' : 'replica');
    assert.ok(p.status?.local?.pid, `${p.metadata.name} reports its postmaster pid`);
  }
  const table = await env.ok(['get', 'cluster', 'lab-postgres']);
  assert.match(table, /^NAME\s+AGE\s+INSTANCES\s+READY\s+STATUS\s+PRIMARY/);
  assert.match(table, /lab-postgres\s+\S+\s+3\s+3\s+Cluster in healthy state\s+lab-postgres-1/);
});

test('the app secret URI works through -rw, as the initdb owner', async () => {
  const u = new URL(uri);
  assert.equal(u.username, 'testuser');
  assert.equal(u.pathname, '/testdb');
  assert.equal(Number(u.port), await servicePort('lab-postgres-rw'));
  const r = await query(uri, 'SELECT current_user, pg_is_in_recovery() AS standby');
  assert.deepEqual(r.rows[0], { current_user: 'testuser', standby: false });
});

test('as root, -rw is forwarded by the kernel: PostgreSQL sees the client itself, no proxy in between', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    const local = (c as unknown as { connection: { stream: { localPort: number } } }).connection.stream.localPort;
    const r = await c.query('SELECT inet_client_port() AS port');
    assert.equal(r.rows[0].port, local);
  } finally {
    await c.end();
  }
  assert.match(await env.ok(['status', 'lab-postgres']), new RegExp(`Forwarding: kernel \\(nftables table ip ${tableName(env.home)}\\)`));
});

test('1000 rows written through -rw are read through -ro on each replica and through -r', async () => {
  await env.ok(['exec', '-it', 'lab-postgres-1', '--', 'psql', '-v', 'ON_ERROR_STOP=1', '-U', 'testuser', '-d', 'testdb'],
    `CREATE TABLE important_data (id SERIAL PRIMARY KEY, value TEXT NOT NULL, created_at TIMESTAMP DEFAULT NOW());
     INSERT INTO important_data (value) SELECT 'Record ' || generate_series(1, 1000);`);
  const rw = await query(uri, 'SELECT count(*)::int AS n FROM important_data');
  assert.equal(rw.rows[0].n, 1000);

  const ro = withPort(await servicePort('lab-postgres-ro'));
  const seen = new Map<number, number>();
  await eventually('every replica serving all 1000 rows through -ro', async () => {
    const r = await query(ro, 'SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby, (SELECT count(*)::int FROM important_data) AS n');
    assert.equal(r.rows[0].standby, true, '-ro must only reach replicas');
    seen.set(r.rows[0].port, r.rows[0].n);
    return seen.size === 2 && [...seen.values()].every((n) => n === 1000);
  }, 30_000, 50);

  const r = withPort(await servicePort('lab-postgres-r'));
  const ports = new Set<number>();
  for (let i = 0; i < 6; i++) {
    const res = await query(r, 'SELECT inet_server_port() AS port, (SELECT count(*)::int FROM important_data) AS n');
    assert.equal(res.rows[0].n, 1000);
    ports.add(res.rows[0].port);
  }
  assert.equal(ports.size, 3, '-r balances over all three instances');
});

test('scaling 3 → 5 → 3 adds and removes replicas without touching the primary', async () => {
  const primaryPid = (await pods())[0]?.status?.local?.pid;
  const held = new pg.Client({ connectionString: uri });
  await held.connect();
  try {
    await env.ok(['patch', 'cluster', 'lab-postgres', '--type', 'merge', '-p', '{"spec":{"instances":5}}']);
    await waitHealthy(5);
    assert.deepEqual((await pods()).map((p) => p.metadata.name), ['lab-postgres-1', 'lab-postgres-2', 'lab-postgres-3', 'lab-postgres-4', 'lab-postgres-5']);
    const slots = await query(uri, 'SELECT slot_name FROM pg_replication_slots ORDER BY 1');
    assert.deepEqual(slots.rows.map((r) => r.slot_name), ['_cnpg_lab_postgres_2', '_cnpg_lab_postgres_3', '_cnpg_lab_postgres_4', '_cnpg_lab_postgres_5']);

    await env.ok(['patch', 'cluster', 'lab-postgres', '--type', 'merge', '-p', '{"spec":{"instances":3}}']);
    await waitHealthy(3);
    assert.deepEqual((await pods()).map((p) => p.metadata.name), ['lab-postgres-1', 'lab-postgres-2', 'lab-postgres-3']);
    assert.equal((await pods())[0]?.status?.local?.pid, primaryPid, 'the primary postmaster was never restarted');
    const r = await held.query('SELECT count(*)::int AS n FROM important_data');
    assert.equal(r.rows[0].n, 1000, 'a connection held through -rw survived both scale operations');
  } finally {
    await held.end();
  }
});

test('a deleted replica pod comes back and catches up', async () => {
  const before = (await pods()).find((p) => p.metadata.name === 'lab-postgres-3')?.status?.local?.pid;
  await env.ok(['delete', 'pod', 'lab-postgres-3']);
  await query(uri, "INSERT INTO important_data (value) VALUES ('while 3 was away')");
  await waitHealthy(3);
  const after = (await pods()).find((p) => p.metadata.name === 'lab-postgres-3')?.status?.local;
  assert.notEqual(after?.pid, before, 'a new postmaster runs');
  const direct = withPort(after?.port ?? 0);
  await eventually('replica 3 replays the row written while it was down', async () =>
    (await query(direct, 'SELECT count(*)::int AS n FROM important_data')).rows[0].n === 1001);
});

test('a restarted operator adopts the running instances and the cluster stays healthy', async () => {
  const before = (await pods()).map((p) => p.status?.local?.pid);
  assert.match(await env.ok(['operator', 'stop']), /stopped/);
  assert.notEqual(spawnSync('nft', ['list', 'table', 'ip', tableName(env.home)]).status, 0, 'the stopped operator removed its nftables table');
  const r = await query(uri, 'SELECT count(*)::int AS n FROM important_data');
  assert.equal(r.rows[0].n, 1001, 'the endpoints and instances keep serving without the operator');
  await waitHealthy(3);
  assert.deepEqual((await pods()).map((p) => p.status?.local?.pid), before, 'the same postmasters, adopted rather than restarted');
});

test('clients of an instance that leaves an endpoint are cut: -ro clients of the replica promoted', async () => {
  const target = (await pods()).find((p) => p.metadata.name === 'lab-postgres-2')?.status?.local?.port;
  const ro = withPort(await servicePort('lab-postgres-ro'));
  let held: pg.Client | undefined;
  for (let i = 0; i < 10 && !held; i++) {
    const c = new pg.Client({ connectionString: ro });
    c.on('error', () => undefined);
    await c.connect();
    if ((await c.query('SELECT inet_server_port() AS port')).rows[0].port === target) held = c;
    else await c.end();
  }
  assert.ok(held, 'a client through -ro on lab-postgres-2');
  await env.ok(['promote', 'lab-postgres', 'lab-postgres-2']);
  await eventually('lab-postgres-2 takes writes through -rw', async () => {
    const r = await query(uri, 'SELECT inet_server_port() AS port, pg_is_in_recovery() AS standby');
    return r.rows[0].port === target && r.rows[0].standby === false;
  }, 120_000, 300);
  const stillThere = await held.query('SELECT pg_is_in_recovery() AS standby').then(
    (r) => `still connected, standby=${r.rows[0].standby}`,
    () => undefined,
  );
  await held.end().catch(() => undefined);
  assert.equal(stillThere, undefined, 'the -ro client of the promoted instance was cut');
  await waitHealthy(3);
});

test('status shows roles, LSNs and endpoints', async () => {
  const out = await env.ok(['status', 'lab-postgres']);
  assert.match(out, /lab-postgres-1/);
  assert.match(out, /Primary/);
  assert.match(out, /Standby/);
  assert.match(out, /lab-postgres-rw/);
});

test('deleting the cluster stops its instances and removes its data', async () => {
  await env.ok(['delete', 'cluster', 'lab-postgres']);
  const r = await env.run(['get', 'cluster', 'lab-postgres']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /not found/);
  await eventually('no instance or endpoint process left', async () => env.processes().length === 0, 30_000);
});
