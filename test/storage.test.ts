// spec.walStorage and spec.tablespaces on the local platform, on real PostgreSQL: WAL in each
// instance's own folder with pg_wal linked to it, through a failover under a writer; tablespaces
// created on the primary, replayed by the standbys into their own folders, a temporary one in
// temp_tablespaces.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { TestEnv, eventually, type LocalPod } from './support/env.js';
import { manifest } from './support/manifests.js';
import { Writer } from './support/writer.js';
import { allAcknowledgedPresent } from './support/ha.js';

const env = new TestEnv();
const CLUSTER = 'stor';
let uri = '';
let writer: Writer | undefined;

const instanceDir = (name: string, cluster = CLUSTER) => join(env.home, 'instances', 'default', cluster, name);
const pods = () => env.pods(CLUSTER);
const WAL_SEGMENT = /^[0-9A-F]{24}$/;

async function primaryPod(): Promise<LocalPod> {
  const p = (await pods()).find((x) => x.metadata.labels['cnpg.io/instanceRole'] === 'primary');
  assert.ok(p, 'a primary pod');
  return p;
}

function uriAt(port: number, base = uri): string {
  const u = new URL(base);
  u.host = `127.0.0.1:${port}`;
  return u.toString();
}

async function query<T extends pg.QueryResultRow>(connectionString: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** pg_wal links to the instance's own wal folder, which holds the segments. */
function assertWalApart(name: string, cluster = CLUSTER): string[] {
  const pgWal = join(instanceDir(name, cluster), 'pgdata', 'pg_wal');
  assert.ok(lstatSync(pgWal).isSymbolicLink(), `${name}: pg_wal is a symbolic link`);
  assert.equal(readlinkSync(pgWal), join(instanceDir(name, cluster), 'wal'), `${name}: pg_wal points to its own wal folder`);
  const segments = readdirSync(join(instanceDir(name, cluster), 'wal')).filter((f) => WAL_SEGMENT.test(f));
  assert.ok(segments.length > 0, `${name}: WAL segments in its wal folder`);
  return segments;
}

before(async () => {
  await env.ok(['apply', '-f', '-'], manifest('cluster-storage.yaml', { name: CLUSTER }));
  await env.ok(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '--timeout=180s'], undefined, 200_000);
  uri = Buffer.from((await env.ok(['get', 'secret', `${CLUSTER}-app`, '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
});

after(async () => {
  await writer?.stop();
  await env.cleanup();
});

test('apply warns about neither walStorage nor tablespaces', async () => {
  const r = await env.run(['apply', '-f', '-'], manifest('cluster-storage.yaml', { name: CLUSTER }));
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /walStorage|tablespaces/);
});

test('every instance writes its WAL into its own folder, pg_wal linking there', async () => {
  const names = (await pods()).map((p) => p.metadata.name).sort();
  assert.equal(names.length, 3);
  for (const name of names) assertWalApart(name);
});

test('cnpg get pvc shows each instance’s data, WAL and tablespace folders as CloudNativePG’s claims', async () => {
  const list = await env.json<{ items: Array<{ metadata: { name: string; labels: Record<string, string> }; status: { local: { path: string } } }> }>(['get', 'pvc', '-l', `cnpg.io/instanceName=${CLUSTER}-1`]);
  const claims = list.items.map((c) => [c.metadata.name, c.metadata.labels['cnpg.io/pvcRole'], c.metadata.labels['cnpg.io/tablespaceName'], c.status.local.path]);
  const dir = instanceDir(`${CLUSTER}-1`);
  assert.deepEqual(claims.sort((a, b) => String(a[0]).localeCompare(String(b[0]))), [
    [`${CLUSTER}-1`, 'PG_DATA', undefined, join(dir, 'pgdata')],
    [`${CLUSTER}-1-tbs-data-tbs`, 'PG_TABLESPACE', 'data_tbs', join(dir, 'tablespaces', 'data_tbs')],
    [`${CLUSTER}-1-tbs-tmp-tbs`, 'PG_TABLESPACE', 'tmp_tbs', join(dir, 'tablespaces', 'tmp_tbs')],
    [`${CLUSTER}-1-wal`, 'PG_WAL', undefined, join(dir, 'wal')],
  ]);
});

test('tablespaces are created and reconciled, as status.tablespacesStatus shows', async () => {
  const status = await eventually('both tablespaces reconciled', async () => {
    const c = await env.json<{ status?: { tablespacesStatus?: Array<{ name: string; owner?: string; state: string }> } }>(['get', 'cluster', CLUSTER]);
    const s = c.status?.tablespacesStatus;
    return s?.length === 2 && s.every((t) => t.state === 'reconciled') ? s : undefined;
  }, 60_000, 500);
  assert.deepEqual(status.map((t) => [t.name, t.owner]), [['data_tbs', 'app'], ['tmp_tbs', 'app']]);
  const rows = await query<{ spcname: string; owner: string }>(uri, `SELECT spcname, pg_get_userbyid(spcowner) AS owner FROM pg_tablespace WHERE spcname NOT LIKE 'pg\\_%' ORDER BY 1`);
  assert.deepEqual(rows.map((r) => [r.spcname, r.owner]), [['data_tbs', 'app'], ['tmp_tbs', 'app']]);
});

test('a table in a tablespace lives in each instance’s own tablespace folder and is read on a standby', async () => {
  await query(uri, 'CREATE TABLE in_tbs (id int) TABLESPACE data_tbs; INSERT INTO in_tbs SELECT generate_series(1, 1000)');
  const path = (await query<{ path: string }>(uri, `SELECT pg_relation_filepath('in_tbs') AS path`))[0]!.path;
  assert.match(path, /^pg_tblspc\/\d+\/PG_/);
  const standby = (await pods()).find((p) => p.metadata.labels['cnpg.io/instanceRole'] === 'replica');
  assert.ok(standby);
  const count = await eventually('the rows on a standby', async () => {
    const r = await query<{ n: string }>(uriAt(standby.status.local.port), 'SELECT count(*) AS n FROM in_tbs').catch(() => undefined);
    return r?.[0]?.n === '1000' ? r[0].n : undefined;
  }, 30_000, 200);
  assert.equal(count, '1000');
  for (const p of await pods()) {
    const relative = path.replace(/^pg_tblspc\/\d+\//, '');
    assert.ok(existsSync(join(instanceDir(p.metadata.name), 'tablespaces', 'data_tbs', relative)), `${p.metadata.name}: the table's file in its own tablespace folder`);
  }
});

test('a temporary tablespace is in temp_tablespaces and holds temporary tables', async () => {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    assert.equal((await c.query('SHOW temp_tablespaces')).rows[0].temp_tablespaces, 'tmp_tbs');
    await c.query('CREATE TEMPORARY TABLE scratch (x int)');
    const r = await c.query(`SELECT t.spcname FROM pg_class c JOIN pg_tablespace t ON t.oid = c.reltablespace WHERE c.relname = 'scratch'`);
    assert.equal(r.rows[0]?.spcname, 'tmp_tbs');
  } finally {
    await c.end();
  }
});

test('a failover loses no acknowledged write, and the new primary writes WAL into its own folder', async () => {
  await Writer.prepare(uri);
  writer = new Writer(uri);
  writer.start();
  const old = (await primaryPod()).metadata.name;
  await eventually('the writer committing', async () => writer!.acked.length > 20, 30_000, 50);
  await env.ok(['delete', 'pod', old]);
  const next = await eventually(`a new primary other than ${old} and a healthy cluster`, async () => {
    const c = await env.json<{ status?: { phase?: string; readyInstances?: number; currentPrimary?: string } }>(['get', 'cluster', CLUSTER]);
    const s = c.status;
    return s?.phase === 'Cluster in healthy state' && s.readyInstances === 3 && s.currentPrimary && s.currentPrimary !== old ? s.currentPrimary : undefined;
  }, 120_000, 200);
  const count = writer.acked.length;
  await eventually('the writer committing through -rw again', async () => writer!.acked.length > count + 10, 30_000, 50);
  await writer.stop();
  await allAcknowledgedPresent(uri, writer);
  writer = undefined;
  const file = (await query<{ file: string }>(uri, 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS file'))[0]!.file;
  assert.ok(assertWalApart(next).includes(file), `${next}'s current WAL file ${file} is in its own wal folder`);
  for (const p of await pods()) assertWalApart(p.metadata.name);
  const n = (await query<{ n: string }>(uri, 'SELECT count(*) AS n FROM in_tbs'))[0]!.n;
  assert.equal(n, '1000', 'the table in the tablespace survives the failover');
});

test('walStorage and a tablespace added to a running cluster: WAL moves at a rolling restart, the tablespace reaches the standby', { timeout: 400_000 }, async () => {
  const LATE = 'late';
  await env.ok(['apply', '-f', '-'], manifest('cluster.yaml', { name: LATE, spec: { instances: 2 } }));
  await env.ok(['wait', '--for=condition=Ready', `cluster/${LATE}`, '--timeout=180s'], undefined, 200_000);
  const lateUri = Buffer.from((await env.ok(['get', 'secret', `${LATE}-app`, '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString();
  const names = (await env.pods(LATE)).map((p) => p.metadata.name);
  for (const name of names) assert.ok(lstatSync(join(instanceDir(name, LATE), 'pgdata', 'pg_wal')).isDirectory(), `${name}: WAL in PGDATA before walStorage`);
  await query(lateUri, 'CREATE TABLE before_move (id int); INSERT INTO before_move SELECT generate_series(1, 100)');
  const spec = { instances: 2, walStorage: { size: '1Gi' }, tablespaces: [{ name: 'late_tbs', storage: { size: '1Gi' } }] };
  await env.ok(['apply', '-f', '-'], manifest('cluster.yaml', { name: LATE, spec }));
  await eventually('every instance’s WAL moved, the tablespace reconciled, the cluster healthy', async () => {
    const c = await env.json<{ status?: { phase?: string; readyInstances?: number; tablespacesStatus?: Array<{ state: string }> } }>(['get', 'cluster', LATE]);
    const s = c.status;
    const moved = names.every((n) => lstatSync(join(instanceDir(n, LATE), 'pgdata', 'pg_wal')).isSymbolicLink());
    return moved && s?.phase === 'Cluster in healthy state' && s.readyInstances === 2 && s.tablespacesStatus?.[0]?.state === 'reconciled';
  }, 300_000, 1000);
  for (const name of names) assertWalApart(name, LATE);
  await query(lateUri, 'CREATE TABLE late_rows (id int) TABLESPACE late_tbs; INSERT INTO late_rows SELECT generate_series(1, 10)');
  const standby = (await env.pods(LATE)).find((p) => p.metadata.labels['cnpg.io/instanceRole'] === 'replica');
  assert.ok(standby);
  await eventually('the new table and the old one on the standby', async () => {
    const r = await query<{ a: string; b: string }>(uriAt(standby.status.local.port, lateUri), 'SELECT (SELECT count(*) FROM late_rows) AS a, (SELECT count(*) FROM before_move) AS b').catch(() => undefined);
    return r?.[0]?.a === '10' && r[0].b === '100';
  }, 30_000, 200);
  assert.ok(readdirSync(join(instanceDir(standby.metadata.name, LATE), 'tablespaces', 'late_tbs')).some((d) => d.startsWith('PG_')), 'the standby replayed the tablespace into its own folder');
});
