// The Pooler on the local platform with real PgBouncer and PostgreSQL: the seeds' Pooler manifests
// applied as written, built-in authentication as CloudNativePG sets it up, a thousand clients on a
// cluster that takes a hundred connections, pause/resume, a killed PgBouncer or pooler manager
// started again, scaling, and nothing left behind when the Pooler goes.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { resolveInstallation } from '../src/postgres/binaries.js';
import { TestEnv, eventually } from './support/env.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = new TestEnv();
const NS = 'data-layer';
const CLUSTER = 'postgres';
const POOLER = 'postgres-pooler';
let appUri: URL;

interface PoolerObject {
  spec: { instances: number; pgbouncer: { paused: boolean } };
  status?: { instances?: number; readyInstances?: number; phase?: string; phaseReason?: string; localEndpoint?: { host: string; port: number } };
}

interface PoolerReport {
  name: string;
  running: number;
  ready: number;
  paused: boolean;
  address?: string;
  instancesStatus: Array<{ name: string; ready: boolean; paused: boolean; pid?: number; managerPid?: number; metricsPort?: number }>;
}

const getPooler = (name = POOLER, ns = NS) => env.json<PoolerObject>(['get', 'pooler', name, '-n', ns]);
const poolerReport = async (cluster = CLUSTER, ns = NS, name = POOLER): Promise<PoolerReport | undefined> =>
  (JSON.parse(await env.ok(['status', cluster, '-n', ns, '-o', 'json'])) as { poolers?: PoolerReport[] }).poolers?.find((p) => p.name === name);

async function poolerReady(instances: number, name = POOLER, ns = NS): Promise<{ host: string; port: number }> {
  return eventually(`${name} with ${instances} ready PgBouncer(s)`, async () => {
    const p = await getPooler(name, ns);
    return p.status?.readyInstances === instances && p.status.instances === instances && p.status.phase !== 'failed' ? p.status.localEndpoint : undefined;
  }, 90_000, 250);
}

/** A client of the pooler, with the application's credentials, as an application would connect. */
function poolerClient(endpoint: { host: string; port: number }, extra: Partial<pg.ClientConfig> = {}): pg.Client {
  const c = new pg.Client({ host: endpoint.host, port: endpoint.port, user: decodeURIComponent(appUri.username), password: decodeURIComponent(appUri.password), database: 'postgres', ...extra });
  c.on('error', () => undefined);
  return c;
}

async function queryThroughPooler(endpoint: { host: string; port: number }, sql: string): Promise<unknown[]> {
  const c = poolerClient(endpoint, { connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Direct to the cluster's -rw endpoint, bypassing the pooler. */
async function direct<T>(sql: string, database = 'postgres'): Promise<T[]> {
  const c = new pg.Client({ connectionString: appUri.toString(), database });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

/** The seed's basic cluster, on one instance and at max_connections 100 so that the pool is what lets a thousand clients in. */
function seedCluster(): string {
  const doc = parse(readFileSync('examples/postgres.yaml', 'utf8')) as { spec: Record<string, unknown> & { postgresql: { parameters: Record<string, string> } } };
  doc.spec.instances = 1;
  doc.spec.postgresql.parameters.max_connections = '100';
  return stringify(doc);
}

before(async () => {
  await env.ok(['create', 'namespace', NS]);
  await env.ok(['apply', '-f', '-'], seedCluster());
  await env.ok(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '-n', NS, '--timeout=180s'], undefined, 200_000);
  appUri = new URL(Buffer.from((await env.ok(['get', 'secret', `${CLUSTER}-app`, '-n', NS, '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString());
  await env.ok(['apply', '-f', 'examples/postgres-pooler.yaml']);
});

after(() => env.cleanup());

test("seed 001's Pooler runs two PgBouncers behind one endpoint named after the pooler", async () => {
  const endpoint = await poolerReady(2);
  assert.equal(endpoint.host, '127.0.0.1');
  assert.deepEqual(await queryThroughPooler(endpoint, 'SELECT 1 AS one'), [{ one: 1 }]);
  const svc = await env.json<{ spec: { ports: Array<{ name: string; port: number }>; selector: Record<string, string> } }>(['get', 'svc', POOLER, '-n', NS]);
  assert.deepEqual(svc.spec.ports.map((p) => [p.name, p.port]), [['pgbouncer', endpoint.port]]);
  assert.deepEqual(svc.spec.selector, { 'cnpg.io/poolerName': POOLER });
  const table = await env.ok(['get', 'pooler', '-n', NS]);
  assert.match(table, new RegExp(`${POOLER}\\s+\\S+\\s+${CLUSTER}\\s+rw\\s+2\\s+2/2\\s+active\\s+127\\.0\\.0\\.1:${endpoint.port}`));
  const text = await env.ok(['status', CLUSTER, '-n', NS]);
  assert.match(text, /Poolers\n/);
  assert.match(text, new RegExp(`${POOLER}\\s+rw\\s+transaction\\s+2/2\\s+2\\s+no\\s+127\\.0\\.0\\.1:${endpoint.port}`));
  const report = await poolerReport();
  assert.equal(report?.instancesStatus.length, 2);
  for (const i of report?.instancesStatus ?? []) {
    const metrics = await (await fetch(`http://127.0.0.1:${i.metricsPort}/metrics`)).text();
    assert.match(metrics, /^cnpg_pgbouncer_/m, `${i.name} serves CloudNativePG's metric names`);
  }
  const warnings = await env.run(['apply', '-f', 'examples/postgres-pooler.yaml']);
  assert.doesNotMatch(warnings.stderr, /not acted on/, 'a Pooler is no longer "accepted, not acted on yet"');
});

test('built-in authentication: the pooler role, its lookup function in every database, X-pooler, and no password in any file', async (t) => {
  const endpoint = await poolerReady(2);
  const cert = await env.json<{ data: Record<string, string> }>(['get', 'secret', `${CLUSTER}-pooler`, '-n', NS]);
  const pem = Buffer.from(cert.data['tls.crt'] ?? '', 'base64').toString();
  const subject = spawnSync('openssl', ['x509', '-noout', '-subject'], { input: pem, encoding: 'utf8' }).stdout;
  assert.match(subject, /CN ?= ?cnpg_pooler_pgbouncer/);
  const roles = await direct<{ rolname: string; rolsuper: boolean }>("SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'cnpg_pooler_pgbouncer'");
  assert.deepEqual(roles, [{ rolname: 'cnpg_pooler_pgbouncer', rolsuper: false }]);
  for (const database of ['postgres', 'template1']) {
    const fn = await direct<{ prosecdef: boolean; proconfig: string[]; can: boolean; public_can: boolean }>(
      `SELECT p.prosecdef, p.proconfig, has_function_privilege('cnpg_pooler_pgbouncer', p.oid, 'EXECUTE') AS can,
              has_function_privilege('public', p.oid, 'EXECUTE') AS public_can
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proname = 'user_search'`,
      database,
    );
    assert.deepEqual(fn, [{ prosecdef: true, proconfig: ['search_path=pg_catalog, pg_temp'], can: true, public_can: false }], `user_search in ${database}`);
  }
  // PostgreSQL lets the pooler's role in with its certificate over TLS, and only so.
  const dir = mkdtempSync(join(tmpdir(), 'pooler-cert-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = await env.json<{ data: Record<string, string> }>(['get', 'secret', `${CLUSTER}-ca`, '-n', NS]);
  writeFileSync(join(dir, 'tls.crt'), pem);
  writeFileSync(join(dir, 'tls.key'), Buffer.from(cert.data['tls.key'] ?? '', 'base64'), { mode: 0o600 });
  writeFileSync(join(dir, 'ca.crt'), Buffer.from(ca.data['ca.crt'] ?? '', 'base64'));
  const psql = join(resolveInstallation(undefined).binDir, 'psql');
  const rw = appUri.port;
  const asPooler = (extra: string) =>
    spawnSync(psql, [`host=127.0.0.1 port=${rw} user=cnpg_pooler_pgbouncer dbname=postgres ${extra}`, '-XAtc', "SELECT count(*) > 0 FROM public.user_search('postgres')"], {
      encoding: 'utf8',
      env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
    });
  const withCert = asPooler(`sslmode=verify-ca sslrootcert=${join(dir, 'ca.crt')} sslcert=${join(dir, 'tls.crt')} sslkey=${join(dir, 'tls.key')}`);
  assert.equal(withCert.status, 0, withCert.stderr);
  assert.equal(withCert.stdout.trim(), 't');
  const withoutCert = asPooler(`sslmode=require password=x`);
  assert.notEqual(withoutCert.status, 0, 'no certificate, no login');
  // The pooler's files hold no password: neither the application's nor any superuser's.
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) files.push(p);
    }
  };
  walk(join(env.home, 'poolers'));
  assert.ok(files.some((f) => f.endsWith('handout.json')));
  for (const f of files) assert.ok(!readFileSync(f).includes(decodeURIComponent(appUri.password)), `${f} holds the application password`);
  assert.deepEqual(await queryThroughPooler(endpoint, 'SELECT current_user AS u'), [{ u: decodeURIComponent(appUri.username) }]);
});

test('1000 concurrent clients in transaction mode share the pool of a cluster with max_connections 100, all served', async () => {
  const endpoint = await poolerReady(2);
  const CLIENTS = 1000;
  const clients = Array.from({ length: CLIENTS }, () => poolerClient(endpoint, { connectionTimeoutMillis: 60_000 }));
  // Server connections of the application's role (the pool), and of every role (the pool, the
  // pooler's own logins that look passwords up, this watch); PostgreSQL refuses the 101st.
  const peak = { app: 0, all: 0 };
  let watching = true;
  const user = decodeURIComponent(appUri.username);
  const watch = (async () => {
    while (watching) {
      const [row] = await direct<{ app: number; all: number }>(
        `SELECT count(*) FILTER (WHERE usename = '${user}' AND application_name <> 'cnpg-instance-manager')::int AS app, count(*)::int AS all
           FROM pg_stat_activity WHERE backend_type = 'client backend'`,
      );
      peak.app = Math.max(peak.app, (row?.app ?? 1) - 1);
      peak.all = Math.max(peak.all, row?.all ?? 0);
      await sleep(100);
    }
  })();
  try {
    await Promise.all(clients.map((c) => c.connect()));
    // Every client is connected at once before any of them queries.
    const results = await Promise.all(
      clients.map(async (c, i) => {
        await c.query('BEGIN');
        const r = await c.query('SELECT $1::int AS i, pg_sleep(0.01)', [i]);
        await c.query('COMMIT');
        return (r.rows[0] as { i: number }).i;
      }),
    );
    assert.deepEqual(results, Array.from({ length: CLIENTS }, (_, i) => i));
  } finally {
    watching = false;
    await watch;
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
  process.stdout.write(`# ${CLIENTS} clients served on at most ${peak.app} server connections of the pool (2 PgBouncers, default_pool_size 25), ${peak.all} in all (max_connections 100)\n`);
  assert.ok(peak.app <= 2 * 25, `peak server connections of the pool: ${peak.app}`);
});

test('cnpg pooler pause holds new transactions until cnpg pooler resume', async () => {
  const endpoint = await poolerReady(2);
  assert.match(await env.ok(['pooler', 'pause', POOLER, '-n', NS]), /pause requested/);
  await eventually('every PgBouncer paused', async () => {
    const r = await poolerReport();
    return r?.paused && r.instancesStatus.length === 2 && r.instancesStatus.every((i) => i.paused);
  }, 30_000, 200);
  assert.equal((await getPooler()).status?.phase, 'paused');
  const started = performance.now();
  const held = queryThroughPooler(endpoint, 'SELECT 1 AS one');
  const early = await Promise.race([held.then(() => 'answered'), sleep(1500).then(() => 'held')]);
  assert.equal(early, 'held', 'a paused pooler does not run new transactions');
  assert.match(await env.ok(['pooler', 'resume', POOLER, '-n', NS]), /resume requested/);
  assert.deepEqual(await held, [{ one: 1 }]);
  process.stdout.write(`# held for ${((performance.now() - started) / 1000).toFixed(1)} s, answered after resume\n`);
  await eventually('active again', async () => (await getPooler()).status?.phase === 'active', 30_000, 200);
  assert.match(await env.ok(['pooler', 'resume', POOLER, '-n', NS]), /already running/);
  const bad = await env.run(['pooler', 'drain', POOLER, '-n', NS]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /pooler takes "pause" or "resume", got "drain"/);
  const missing = await env.run(['pooler', 'pause', 'nope', '-n', NS]);
  assert.notEqual(missing.code, 0);
});

test('a killed PgBouncer is started again by its pooler manager, a killed pooler manager by the operator', async () => {
  const endpoint = await poolerReady(2);
  const before = (await poolerReport())?.instancesStatus[0];
  assert.ok(before?.pid && before.managerPid, 'the first instance reports its PgBouncer and manager pids');
  process.kill(before.pid, 'SIGKILL');
  const restarted = await eventually('a new PgBouncer', async () => {
    const now = (await poolerReport())?.instancesStatus.find((i) => i.name === before.name);
    return now?.ready && now.pid !== undefined && now.pid !== before.pid ? now : undefined;
  }, 30_000, 200);
  assert.equal(restarted.managerPid, before.managerPid, 'the manager itself kept running');
  process.kill(before.managerPid, 'SIGKILL');
  await eventually('a new pooler manager', async () => {
    const now = (await poolerReport())?.instancesStatus.find((i) => i.name === before.name);
    return now?.ready && now.managerPid !== undefined && now.managerPid !== before.managerPid;
  }, 60_000, 250);
  assert.deepEqual(await queryThroughPooler(endpoint, 'SELECT 1 AS one'), [{ one: 1 }]);
  const again = await poolerReady(2);
  assert.deepEqual(again, endpoint, 'the endpoint stays where it was');
});

test('a spec change reaches every PgBouncer with a RELOAD: connected clients stay, PgBouncer is not restarted', async () => {
  const endpoint = await poolerReady(2);
  const before = await poolerReport();
  const client = poolerClient(endpoint);
  await client.connect();
  try {
    await client.query('SELECT 1');
    await env.ok(['patch', 'pooler', POOLER, '-n', NS, '--type', 'merge', '-p', '{"spec":{"pgbouncer":{"parameters":{"max_client_conn":"1000","default_pool_size":"20"}}}}']);
    await eventually('the new configuration applied and settled', async () => {
      const p = await getPooler();
      return p.status?.phase === 'active' && p.status.phaseReason === undefined && p.status.readyInstances === 2;
    }, 30_000, 200);
    assert.deepEqual((await client.query('SELECT 2 AS two')).rows, [{ two: 2 }], 'the client connected before the change still works');
  } finally {
    await client.end();
  }
  const after = await poolerReport();
  assert.deepEqual(after?.instancesStatus.map((i) => i.pid), before?.instancesStatus.map((i) => i.pid), 'the same PgBouncer processes');
});

test('scaling keeps the endpoint; deleting the Pooler stops its PgBouncers and removes the role, X-pooler and its folder', async () => {
  const endpoint = await poolerReady(2);
  await env.ok(['patch', 'pooler', POOLER, '-n', NS, '--type', 'merge', '-p', '{"spec":{"instances":1}}']);
  assert.deepEqual(await poolerReady(1), endpoint);
  await env.ok(['patch', 'pooler', POOLER, '-n', NS, '--type', 'merge', '-p', '{"spec":{"instances":3}}']);
  assert.deepEqual(await poolerReady(3), endpoint);
  assert.deepEqual(await queryThroughPooler(endpoint, 'SELECT 1 AS one'), [{ one: 1 }]);
  await env.ok(['delete', 'pooler', POOLER, '-n', NS]);
  const folder = join(env.home, 'poolers', NS, POOLER);
  await eventually('the pooler folder gone', async () => !existsSync(folder), 30_000, 200);
  const pgbouncers = () => env.processes().filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(folder));
  await eventually('no PgBouncer or pooler manager left', async () => pgbouncers().length === 0, 30_000, 200);
  await eventually('X-pooler deleted', async () => (await env.run(['get', 'secret', `${CLUSTER}-pooler`, '-n', NS])).code !== 0, 30_000, 250);
  await eventually('the pooler role and its function removed', async () => {
    const roles = await direct("SELECT 1 FROM pg_roles WHERE rolname = 'cnpg_pooler_pgbouncer'");
    const fns = await direct("SELECT 1 FROM pg_proc WHERE proname = 'user_search'", 'template1');
    return roles.length === 0 && fns.length === 0;
  }, 30_000, 250);
  assert.equal((await env.run(['get', 'svc', POOLER, '-n', NS])).code === 0, false, 'its Service went with it');
});

test('a custom authQuerySecret: PgBouncer logs in as that user with its password and runs its query; no built-in role or X-pooler', async () => {
  await direct(`CREATE ROLE lookup LOGIN PASSWORD 'lookup-secret';
    CREATE FUNCTION public.my_lookup(uname text) RETURNS TABLE (usename name, passwd text) LANGUAGE sql SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp AS 'SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename = uname';
    REVOKE ALL ON FUNCTION public.my_lookup(text) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION public.my_lookup(text) TO lookup;`);
  await env.ok(['create', 'secret', 'generic', 'lookup-login', '-n', NS, '--from-literal=username=lookup', '--from-literal=password=lookup-secret']);
  const custom = {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Pooler',
    metadata: { name: 'custom-pooler', namespace: NS },
    spec: { cluster: { name: CLUSTER }, instances: 1, pgbouncer: { poolMode: 'session', authQuerySecret: { name: 'lookup-login' }, authQuery: 'SELECT usename, passwd FROM public.my_lookup($1)' } },
  };
  await env.ok(['apply', '-f', '-'], stringify(custom));
  const endpoint = await poolerReady(1, 'custom-pooler');
  assert.deepEqual(await queryThroughPooler(endpoint, 'SELECT current_user AS u'), [{ u: decodeURIComponent(appUri.username) }]);
  assert.notEqual((await env.run(['get', 'secret', `${CLUSTER}-pooler`, '-n', NS])).code, 0, 'no X-pooler for a custom-authenticated pooler');
  assert.deepEqual(await direct("SELECT 1 FROM pg_roles WHERE rolname = 'cnpg_pooler_pgbouncer'"), []);
  const status = await env.json<{ status?: { secrets?: { pgBouncerSecrets?: { authQuery?: { name: string } } } } }>(['get', 'pooler', 'custom-pooler', '-n', NS]);
  assert.equal(status.status?.secrets?.pgBouncerSecrets?.authQuery?.name, 'lookup-login');
  await env.ok(['delete', 'pooler', 'custom-pooler', '-n', NS]);
});

test("seed 002's Pooler, as written, in front of platform-pg", async () => {
  await env.ok(['create', 'namespace', 'data']);
  const cluster = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'platform-pg', namespace: 'data' }, spec: { instances: 1, storage: { size: '1Gi' } } };
  await env.ok(['apply', '-f', '-'], stringify(cluster));
  await env.ok(['apply', '-f', 'examples/platform-pg-pooler.yaml']);
  const endpoint = await poolerReady(2, 'platform-pg-pooler', 'data');
  const app = new URL(Buffer.from((await env.ok(['get', 'secret', 'platform-pg-app', '-n', 'data', '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString());
  const c = new pg.Client({ host: endpoint.host, port: endpoint.port, user: app.username, password: decodeURIComponent(app.password), database: 'app' });
  await c.connect();
  try {
    assert.deepEqual((await c.query('SELECT current_database() AS db')).rows, [{ db: 'app' }]);
  } finally {
    await c.end();
  }
  const svc = await env.ok(['get', 'svc', '-n', 'data']);
  assert.match(svc, new RegExp(`platform-pg-pooler\\s+ClusterIP\\s+127\\.0\\.0\\.1\\s+<none>\\s+${endpoint.port}/TCP`));
  // Deleting the Cluster stops its pooler's PgBouncers (they run as the cluster's user); the Pooler waits for it.
  await env.ok(['delete', 'cluster', 'platform-pg', '-n', 'data', '--timeout=60s'], undefined, 90_000);
  await eventually('the Pooler waiting for its Cluster', async () => {
    const p = await getPooler('platform-pg-pooler', 'data');
    return p.status?.phase === 'inactive' && /waiting for Cluster platform-pg/.test(p.status.phaseReason ?? '') && p.status.instances === 0;
  }, 30_000, 250);
  const folder = join(env.home, 'poolers', 'data', 'platform-pg-pooler');
  assert.equal(env.processes().filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(folder)).length, 0);
});
