// The pooler manager against real PgBouncer and real PostgreSQL 15, without the operator: a
// handout file in, PgBouncer serving clients out. Both servers run as an unprivileged user.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { handoutHash, type PoolerHandout } from '../src/pgbouncer/handout.js';
import { eventually, ownedTempDir, POOLER_MAIN, removeDir, startPoolerManager, startPostgres, unprivileged, type TestPoolerManager, type TestPostgres } from './support/pooler.js';

const as = unprivileged();
const dir = ownedTempDir('cnpg-pooler-', as);
let postgres: TestPostgres;
let manager: TestPoolerManager;

// server_tls_sslmode stays PgBouncer's default (disable): the CA file is written but not used here.
const CA = '-----BEGIN CERTIFICATE-----\nMIIBdGVzdA==\n-----END CERTIFICATE-----\n';
const APP_PASSWORD = 'p"w with spaces';

function handout(over: Partial<PoolerHandout> = {}, settings: Record<string, string> = {}): PoolerHandout {
  return {
    settings: { pool_mode: 'session', auth_type: 'hba', max_client_conn: '1200', default_pool_size: '20', ignore_startup_parameters: 'extra_float_digits,options', ...settings },
    target: { host: '127.0.0.1', port: postgres.port },
    // PgBouncer's trust still needs the user in its userlist (or an auth_query); no superuser there.
    hba: ['host all app 127.0.0.1/32 scram-sha-256', 'host all tester 127.0.0.1/32 trust'],
    users: [
      { name: 'app', password: APP_PASSWORD },
      { name: 'tester', password: 'unused-with-trust' },
    ],
    serverTLS: { ca: CA },
    paused: false,
    ...over,
  };
}

const pooled = (user = 'tester', password?: string) => new pg.Client({ host: '127.0.0.1', port: manager.port, user, password, database: 'postgres', connectionTimeoutMillis: 10_000 });
const direct = () => new pg.Client({ host: '127.0.0.1', port: postgres.port, user: 'postgres', database: 'postgres' });

async function query(client: pg.Client, sql: string): Promise<string> {
  const r = await client.query<Record<string, unknown>>(sql);
  return String(Object.values(r.rows[0] ?? {})[0]);
}

async function once(sql: string): Promise<string> {
  const c = pooled();
  await c.connect();
  try {
    return await query(c, sql);
  } finally {
    await c.end();
  }
}

async function applied(h: PoolerHandout): Promise<void> {
  const hash = handoutHash(h);
  await eventually(`handout ${hash} applied`, async () => {
    const s = await manager.client.status();
    return s.appliedHash === hash && s.ready ? true : undefined;
  });
}

before(async () => {
  postgres = await startPostgres(dir, as, { max_connections: '100' });
  const c = direct();
  await c.connect();
  await c.query(`CREATE ROLE app LOGIN PASSWORD '${APP_PASSWORD.replace(/'/g, "''")}'`);
  await c.query('CREATE ROLE tester LOGIN');
  await c.end();
});

after(async () => {
  await manager?.stop();
  await postgres?.stop();
  removeDir(dir);
});

test('a hostile handout is refused with its field path, nothing runs, and /readyz answers 503', async () => {
  const hostile = handout({}, { pool_mode: 'session\n[databases]\nevil = host=203.0.113.1', listen_port: '5432' });
  manager = await startPoolerManager(dir, as, { ...hostile, paused: false });
  const status = await eventually('the refusal reported', async () => ((await manager.client.status()).error ? manager.client.status() : undefined));
  assert.match(status.error!, /settings\.pool_mode: contains the control character U\+000A/);
  assert.match(status.error!, /settings\.listen_port: is set by the pooler manager/);
  assert.equal(status.ready, false);
  assert.equal(status.pid, undefined, 'PgBouncer is not started with a refused handout');
  assert.equal(status.appliedHash, undefined);
  assert.equal(await manager.client.ready(), false);
  assert.throws(() => readFileSync(join(manager.runDir, 'pgbouncer.ini')), /ENOENT/, 'no file was written');
});

test('the handout applied: PgBouncer serves clients, authenticates a userlist user whose password needs quoting', async () => {
  const h = handout();
  manager.writeHandout(h);
  await applied(h);
  assert.equal(await manager.client.ready(), true);
  assert.equal((await manager.client.status()).error, undefined);
  assert.equal(await once('SELECT 1 AS one'), '1');
  const app = pooled('app', APP_PASSWORD);
  await app.connect();
  assert.equal(await query(app, 'SELECT current_user'), 'app');
  await app.end();
  const wrong = pooled('app', 'p"w');
  await assert.rejects(wrong.connect(), /password authentication failed|SASL authentication failed|auth failed/);
});

test('a changed handout is RELOADed: the client in a transaction keeps its server connection, new clients see the change', async () => {
  const client = pooled();
  await client.connect();
  const backend = await query(client, 'SELECT pg_backend_pid()');
  await client.query('BEGIN');
  await client.query('CREATE TEMP TABLE during_reload (x int)');
  const before = await manager.client.status();
  const changed = handout({}, { application_name_add_host: '1', default_pool_size: '25' });
  manager.writeHandout(changed);
  await applied(changed);
  assert.equal((await manager.client.status()).pid, before.pid, 'PgBouncer reloaded, not restarted');
  await client.query('INSERT INTO during_reload VALUES (1)');
  assert.equal(await query(client, 'SELECT pg_backend_pid()'), backend, 'the same server connection');
  await client.query('COMMIT');
  await client.end();
  assert.match(await once('SHOW application_name'), / - 127\.0\.0\.1:\d+$/, 'a new client gets the reloaded application_name_add_host');
});

test('paused: true drains PgBouncer (new queries wait); paused: false lets them through', async () => {
  const h = handout({ paused: true });
  manager.writeHandout(h);
  await applied(h);
  await eventually('paused reported', async () => ((await manager.client.status()).paused ? true : undefined));
  let done = false;
  const waiting = once('SELECT 42 AS answer').then((v) => {
    done = true;
    return v;
  });
  await sleep(1500);
  assert.equal(done, false, 'a query through a paused PgBouncer waits');
  const resumed = handout();
  manager.writeHandout(resumed);
  await applied(resumed);
  assert.equal(await waiting, '42');
  assert.equal((await manager.client.status()).paused, false);
});

test('a killed PgBouncer is started again, and a paused one comes back paused', async () => {
  const first = await manager.client.status();
  // The pid file it leaves will name a live process that is not PgBouncer (as when the number is reused).
  writeFileSync(join(manager.runDir, 'pgbouncer.pid'), `${process.pid}\n`);
  process.kill(first.pid!, 'SIGKILL');
  const second = await eventually('PgBouncer restarted', async () => {
    const s = await manager.client.status();
    return s.ready && s.pid !== undefined && s.pid !== first.pid ? s : undefined;
  });
  assert.equal(second.restarts, first.restarts + 1);
  assert.equal(await once('SELECT 2 AS two'), '2');

  const paused = handout({ paused: true });
  manager.writeHandout(paused);
  await eventually('paused', async () => ((await manager.client.status()).paused ? true : undefined));
  process.kill(second.pid!, 'SIGKILL');
  const third = await eventually('PgBouncer restarted, paused again', async () => {
    const s = await manager.client.status();
    return s.pid !== undefined && s.pid !== second.pid && s.paused ? s : undefined;
  });
  assert.equal(third.appliedHash, handoutHash(paused));
  manager.writeHandout(handout());
  await applied(handout());
  await eventually('resumed', async () => ((await manager.client.status()).paused ? undefined : true));
});

test('a PgBouncer that stops answering is not ready, and ready again once it answers', async () => {
  const { pid } = await manager.client.status();
  process.kill(pid!, 'SIGSTOP');
  try {
    await eventually('not ready', async () => ((await manager.client.ready()) ? undefined : true), 15_000);
  } finally {
    process.kill(pid!, 'SIGCONT');
  }
  await eventually('ready again', async () => ((await manager.client.ready()) ? true : undefined), 15_000);
  assert.equal((await manager.client.status()).pid, pid, 'the same PgBouncer, not a restarted one');
});

test('a value PgBouncer itself refuses on RELOAD is reported in its words; what runs stays applied', async () => {
  const good = await manager.client.status();
  const bad = handout({}, { max_client_conn: 'lots' });
  manager.writeHandout(bad);
  const refused = await eventually('the refusal reported', async () => {
    const s = await manager.client.status();
    return s.error ? s : undefined;
  });
  assert.match(refused.error!, /PgBouncer refused the new configuration .*invalid value "lots" for parameter max_client_conn/);
  assert.equal(refused.appliedHash, good.appliedHash);
  assert.equal(refused.pid, good.pid);
  assert.equal(refused.ready, true, 'PgBouncer still serves with the previous handout');
  assert.equal(await once('SELECT 3 AS three'), '3');
  const fixed = handout({}, { max_client_conn: '1100' });
  manager.writeHandout(fixed);
  await applied(fixed);
  assert.equal((await manager.client.status()).error, undefined);
});

test('/metrics has CloudNativePG\'s cnpg_pgbouncer_* names from SHOW LISTS, POOLS and STATS', async () => {
  await once('SELECT 1');
  const text = await manager.client.metrics();
  for (const name of [
    'cnpg_pgbouncer_collections_total',
    'cnpg_pgbouncer_last_collection_error 0',
    'cnpg_pgbouncer_collection_duration_seconds{collector="Collect.up"}',
    'cnpg_pgbouncer_lists_databases',
    'cnpg_pgbouncer_lists_used_clients',
    'cnpg_pgbouncer_lists_free_servers',
    'cnpg_pgbouncer_pools_cl_active{database="postgres",user="tester"}',
    'cnpg_pgbouncer_pools_cl_waiting{database="postgres",user="tester"}',
    'cnpg_pgbouncer_pools_sv_active{database="postgres",user="tester"}',
    'cnpg_pgbouncer_pools_sv_idle{database="postgres",user="tester"}',
    'cnpg_pgbouncer_pools_maxwait{database="postgres",user="tester"}',
    'cnpg_pgbouncer_pools_pool_mode{database="postgres",user="tester"} 1',
    'cnpg_pgbouncer_stats_total_xact_count{database="postgres"}',
    'cnpg_pgbouncer_stats_total_query_count{database="postgres"}',
    'cnpg_pgbouncer_stats_avg_xact_time{database="postgres"}',
    'cnpg_pgbouncer_stats_total_received{database="postgres"}',
  ]) {
    assert.ok(text.includes(name), `${name} in\n${text}`);
  }
  const xacts = Number(/^cnpg_pgbouncer_stats_total_xact_count\{database="postgres"\} (\d+)$/m.exec(text)?.[1]);
  assert.ok(xacts > 0, 'transactions were counted');
  const together = await Promise.all(Array.from({ length: 8 }, () => manager.client.metrics()));
  for (const t of together) assert.match(t, /^cnpg_pgbouncer_pools_cl_active\{database="postgres",user="tester"\} \d+$/m, 'scrapes at the same time each see every pool');
});

test('1000 concurrent clients in transaction mode are all served on at most 25 of max_connections 100', async (t) => {
  const h = handout({}, { pool_mode: 'transaction', default_pool_size: '20', max_db_connections: '25' });
  manager.writeHandout(h);
  await applied(h);
  const watcher = direct();
  await watcher.connect();
  let most = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      most = Math.max(most, Number(await query(watcher, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")));
      await sleep(50);
    }
  })();
  const clients = Array.from({ length: 1000 }, () => pooled());
  const started = Date.now();
  const results = await Promise.allSettled(
    clients.map(async (c, i) => {
      await c.connect();
      await c.query('BEGIN');
      const r = await c.query<{ i: number }>('SELECT $1::int AS i, pg_sleep(0.02)', [i]);
      await c.query('COMMIT');
      return r.rows[0]!.i;
    }),
  );
  const elapsed = Date.now() - started;
  sampling = false;
  await sampler;
  t.diagnostic(`1000 clients served in ${elapsed} ms; at most ${most} server connections seen in pg_stat_activity`);
  await watcher.end();
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  const failed = results.filter((r) => r.status === 'rejected');
  assert.equal(failed.length, 0, `${failed.length} clients failed, e.g. ${(failed[0] as PromiseRejectedResult | undefined)?.reason}`);
  assert.deepEqual(results.map((r) => (r as PromiseFulfilledResult<number>).value), Array.from({ length: 1000 }, (_, i) => i));
  assert.ok(most <= 25, `at most 25 server connections, saw ${most}`);
  assert.ok(most > 0, 'the sampler saw the pool at work');
  const straight = Array.from({ length: 120 }, () => direct());
  const attempts = await Promise.allSettled(straight.map((c) => c.connect()));
  await Promise.all(straight.map((c) => c.end().catch(() => undefined)));
  assert.ok(
    attempts.some((a) => a.status === 'rejected' && /too many clients|remaining connection slots/.test(String(a.reason))),
    'without the pooler, clients beyond max_connections are refused',
  );
});

test('a manager told to stop lets a transaction in flight finish before PgBouncer exits', async () => {
  const client = pooled();
  await client.connect();
  await client.query('BEGIN');
  await client.query('CREATE TEMP TABLE in_flight (x int)');
  const { pid } = await manager.client.status();
  const sleeping = client.query('SELECT pg_sleep(1)');
  await sleep(200);
  const stopping = manager.stop();
  await sleeping;
  await client.query('INSERT INTO in_flight VALUES (1)');
  await client.query('COMMIT');
  await client.end().catch(() => undefined);
  await stopping;
  assert.throws(() => process.kill(pid!, 0), /ESRCH/, 'PgBouncer is gone with its manager');
});

function runMain(args: string[], as2 = as): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [POOLER_MAIN, ...args], { uid: as2.uid, gid: as2.gid, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('bad command lines are usage errors that name the flag and exit 2', async () => {
  const none = await runMain([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--run-dir is required\nusage: pooler-manager/);
  const both = await runMain(['--run-dir', '/tmp/x', '--port', '6432', '--http-port', '9127', '--handout-file', '/tmp/h.json', '--handout-secret', 'p-config']);
  assert.match(both.stderr, /give exactly one of --handout-file and --handout-secret/);
  const port = await runMain(['--run-dir', '/tmp/x', '--port', '65536', '--http-port', '9127', '--handout-file', '/tmp/h.json']);
  assert.match(port.stderr, /--port "65536" is not a port number \(1 to 65535\)/);
  const unknown = await runMain(['--run-dir', '/tmp/x', '--bogus']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown option '--bogus'/);
  const missing = await runMain(['--run-dir', '/tmp/x', '--port', '6432', '--http-port', '9127', '--handout-file', '/tmp/h.json', '--pgbouncer', '/usr/sbin/no-such-pgbouncer']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /PgBouncer is not an executable at \/usr\/sbin\/no-such-pgbouncer; install Debian's pgbouncer package/);
  if (userInfo().uid === 0) {
    const root = await runMain(['--run-dir', join(dir, 'root-run'), '--port', '6432', '--http-port', '9127', '--handout-file', '/tmp/h.json'], {});
    assert.equal(root.code, 2);
    assert.match(root.stderr, /refusing to run as root/);
  }
});

test('a first handout PgBouncer refuses to start with is reported in its words; a corrected one starts it', async () => {
  const own = ownedTempDir('cnpg-pooler-first-', as);
  const second = await startPoolerManager(own, as, handout({}, { max_client_conn: 'lots' }));
  try {
    const refused = await eventually('the refusal reported', async () => {
      const s = await second.client.status();
      return s.error && /invalid value/.test(s.error) ? s : undefined;
    });
    assert.match(refused.error!, /PgBouncer exited \(code 1\): ERROR invalid value "lots" for parameter max_client_conn/);
    assert.equal(refused.ready, false);
    assert.equal(refused.appliedHash, undefined);
    const fixed = handout({}, { max_client_conn: '100' });
    second.writeHandout(fixed);
    await eventually('the corrected handout runs', async () => {
      const s = await second.client.status();
      return s.ready && s.appliedHash === handoutHash(fixed) && !s.error ? true : undefined;
    });
  } finally {
    await second.stop();
    removeDir(own);
  }
});
