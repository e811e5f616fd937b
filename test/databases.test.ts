// Database objects on the local platform with real PostgreSQL: seed 001's three databases and
// their owners made from Database manifests, kept as declared (dropped or re-owned by hand, put
// back), ensure: absent and object deletion with each reclaim policy, an extension installed and
// upgraded, a schema created, and a database no Database object names left alone.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { TestEnv, eventually } from './support/env.js';

const env = new TestEnv();
const NS = 'data-layer';
const CLUSTER = 'postgres';
const PRIMARY = `${CLUSTER}-1`;
/** Beyond CloudNativePG's 30 s database resync, with room for a slow machine. */
const RESYNC_WAIT_MS = 75_000;

interface DatabaseObject {
  metadata: { finalizers?: string[] };
  status?: { applied?: boolean; message?: string; observedGeneration?: number; extensions?: unknown[]; schemas?: unknown[]; fdws?: unknown[]; servers?: unknown[] };
}

async function sql(query: string, database = 'postgres'): Promise<string> {
  const r = await env.run(['exec', PRIMARY, '-n', NS, '--', 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', database, '-Atc', query]);
  if (r.code !== 0) throw new Error(`${query}: ${r.stderr}`);
  return r.stdout.trim();
}
const owners = () => sql("SELECT datname || '=' || pg_get_userbyid(datdba) FROM pg_database WHERE datname LIKE 'myapp%' OR datname LIKE 'scratch%' ORDER BY 1");
const exists = async (name: string) => (await sql(`SELECT count(*) FROM pg_database WHERE datname = '${name}'`)) === '1';
const getDatabase = (name: string) => env.json<DatabaseObject>(['get', 'database', name, '-n', NS]);

function database(name: string, spec: Record<string, unknown>): string {
  return stringify({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Database', metadata: { name, namespace: NS }, spec: { cluster: { name: CLUSTER }, ...spec } });
}

async function applied(name: string, generation?: number): Promise<DatabaseObject> {
  return eventually(`Database ${name} applied`, async () => {
    const d = await getDatabase(name);
    return d.status?.applied === true && (generation === undefined || d.status.observedGeneration === generation) ? d : undefined;
  }, RESYNC_WAIT_MS, 250);
}

/** Seed 001's multi-database cluster on one instance, its other databases left to Database objects. */
function seedCluster(): string {
  const doc = parse(readFileSync('examples/postgres-multi-db.yaml', 'utf8')) as { spec: Record<string, unknown> & { bootstrap: { initdb: Record<string, unknown> } } };
  doc.spec.instances = 1;
  doc.spec.storage = { size: '1Gi' };
  doc.spec.bootstrap.initdb = { database: 'myapp_dev', owner: 'myapp_dev' };
  return stringify(doc);
}

// As seed 001's ExternalSecrets make them: a password only (a username there must be the role's).
const secret = (name: string, password: string) => stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, stringData: { password } });

before(async () => {
  await env.ok(['create', 'namespace', NS]);
  for (const [name, password] of [['postgres-archives-dev-password', 'dev-pw'], ['postgres-myapp-staging-password', 'staging-pw'], ['postgres-myapp-prod-password', 'prod-pw']] as const) {
    await env.ok(['apply', '-f', '-'], secret(name, password));
  }
  await env.ok(['apply', '-f', '-'], seedCluster());
  await env.ok(['wait', '--for=condition=Ready', `cluster/${CLUSTER}`, '-n', NS, '--timeout=180s'], undefined, 200_000);
  await sql('CREATE DATABASE handmade');
  const applyOut = await env.run(['apply', '-f', 'examples/postgres-databases.yaml']);
  assert.equal(applyOut.code, 0, applyOut.stderr);
  assert.doesNotMatch(applyOut.stderr, /not acted on/, 'a Database is no longer "accepted, not acted on"');
});

after(() => env.cleanup());

test("seed 001's databases come from Database manifests, owned by their managed roles", async () => {
  for (const name of ['myapp-dev', 'myapp-staging', 'myapp-prod']) {
    const d = await applied(name);
    assert.deepEqual(d.metadata.finalizers, ['cnpg.io/deleteDatabase']);
    assert.equal(d.status?.message, '');
  }
  assert.equal(await owners(), 'myapp_dev=myapp_dev\nmyapp_prod=myapp_prod\nmyapp_staging=myapp_staging');
  assert.match(await env.ok(['get', 'databases', '-n', NS]), /^NAME\s+AGE\s+CLUSTER\s+PG NAME\s+APPLIED\s+MESSAGE\n(.*\n)*myapp-prod\s+\S+\s+postgres\s+myapp_prod\s+true\n/m);
});

test('a database dropped by hand comes back; an owner changed by hand is put back', async () => {
  await applied('myapp-staging');
  await applied('myapp-prod');
  await sql('DROP DATABASE myapp_staging');
  await sql('ALTER DATABASE myapp_prod OWNER TO postgres');
  await eventually('myapp_staging re-created and myapp_prod re-owned', async () => (await owners()) === 'myapp_dev=myapp_dev\nmyapp_prod=myapp_prod\nmyapp_staging=myapp_staging', RESYNC_WAIT_MS, 500);
  assert.ok(await exists('handmade'), 'a database no Database object names is never touched');
});

test('ensure: absent drops the database, whatever the reclaim policy; the object stays', async () => {
  for (const policy of ['retain', 'delete']) {
    const name = `scratch-absent-${policy}`;
    const pgName = `scratch_absent_${policy}`;
    await env.ok(['apply', '-f', '-'], database(name, { name: pgName, owner: 'myapp_dev', databaseReclaimPolicy: policy }));
    await applied(name, 1);
    assert.ok(await exists(pgName));
    await env.ok(['apply', '-f', '-'], database(name, { name: pgName, owner: 'myapp_dev', databaseReclaimPolicy: policy, ensure: 'absent' }));
    await applied(name, 2);
    assert.equal(await exists(pgName), false, `${policy}: dropped`);
    assert.ok(await getDatabase(name));
  }
});

test('deleting a Database object drops its database with reclaim policy delete, keeps it with retain', async () => {
  for (const policy of ['retain', 'delete']) {
    const name = `scratch-deleted-${policy}`;
    const pgName = `scratch_deleted_${policy}`;
    await env.ok(['apply', '-f', '-'], database(name, { name: pgName, owner: 'myapp_staging', databaseReclaimPolicy: policy }));
    await applied(name);
    await env.ok(['delete', 'database', name, '-n', NS]);
    await eventually(`Database ${name} gone`, async () => (await env.run(['get', 'database', name, '-n', NS])).code !== 0, 30_000, 250);
    assert.equal(await exists(pgName), policy === 'retain', `${policy}: ${policy === 'retain' ? 'kept' : 'dropped'}`);
  }
  assert.ok(await exists('handmade'));
});

test('an extension is installed at the version asked for, then upgraded; a schema is created with its owner', async () => {
  const spec = (version: string) => ({ name: 'myapp_dev', owner: 'myapp_dev', schemas: [{ name: 'reports', owner: 'myapp_dev' }], extensions: [{ name: 'hstore', version, schema: 'reports' }] });
  await env.ok(['apply', '-f', '-'], database('myapp-dev', spec('1.4')));
  const first = await applied('myapp-dev', 2);
  assert.deepEqual(first.status?.extensions, [{ name: 'hstore', applied: true }]);
  assert.deepEqual(first.status?.schemas, [{ name: 'reports', applied: true }]);
  const ext = "SELECT e.extversion || '@' || n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE extname = 'hstore'";
  assert.equal(await sql(ext, 'myapp_dev'), '1.4@reports');
  assert.equal(await sql("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'reports'", 'myapp_dev'), 'myapp_dev');
  await env.ok(['apply', '-f', '-'], database('myapp-dev', spec('1.8')));
  await applied('myapp-dev', 3);
  assert.equal(await sql(ext, 'myapp_dev'), '1.8@reports');
});

test('an extension that cannot be installed is named in the status, the rest applied', async () => {
  await env.ok(['apply', '-f', '-'], database('scratch-ext', { name: 'scratch_ext', owner: 'myapp_dev', extensions: [{ name: 'pg_trgm' }, { name: 'no_such_extension' }] }));
  const d = await eventually('scratch-ext reconciled', async () => {
    const o = await getDatabase('scratch-ext');
    return o.status?.extensions ? o : undefined;
  }, RESYNC_WAIT_MS, 250);
  assert.equal(d.status?.applied, false);
  assert.equal(d.status?.message, 'database object reconciliation failed');
  assert.deepEqual(d.status?.extensions?.[0], { name: 'pg_trgm', applied: true });
  const failed = d.status?.extensions?.[1] as { name: string; applied: boolean; message?: string };
  assert.equal(failed.applied, false);
  assert.match(failed.message ?? '', /extension "no_such_extension" is not available/);
  const events = await env.ok(['get', 'events', '-n', NS]);
  assert.match(events, /DatabaseNotApplied/);
});

test('a foreign data wrapper and a server with options and USAGE grants are made, altered and dropped', async () => {
  // The server points back at this very cluster, through the instance's own socket and port.
  const socket = (await sql('SHOW unix_socket_directories')).split(',')[0]?.trim() ?? '';
  const port = await sql('SHOW port');
  const options = (dbname: string, extra: object[] = []) => [{ name: 'host', value: socket }, { name: 'port', value: port }, { name: 'dbname', value: dbname }, ...extra];
  const spec = (servers: object[], fdwEnsure = 'present') => ({
    name: 'scratch_fdw',
    owner: 'myapp_dev',
    extensions: [{ name: 'postgres_fdw' }],
    fdws: [{ name: 'postgres_fdw', ensure: fdwEnsure, usage: [{ name: 'myapp_dev', type: 'grant' }] }],
    servers,
  });
  const server = (extra: object = {}) => ({ name: 'loopback', fdw: 'postgres_fdw', options: options('myapp_prod'), usage: [{ name: 'myapp_dev' }], ...extra });
  const inDb = (query: string) => sql(query, 'scratch_fdw');
  const serverOptions = () => inDb("SELECT array_to_string(srvoptions, ' ') FROM pg_foreign_server WHERE srvname = 'loopback'");
  const hasUsage = (kind: string, name: string) => inDb(`SELECT has_${kind}_privilege('myapp_dev', '${name}', 'USAGE')`);

  const plain = { name: 'plain', fdw: 'plain_fdw' };
  await env.ok(['apply', '-f', '-'], database('scratch-fdw', spec([server(), plain])));
  const missing = await eventually('scratch-fdw reconciled', async () => {
    const o = await getDatabase('scratch-fdw');
    return o.status?.servers ? o : undefined;
  }, RESYNC_WAIT_MS, 250);
  assert.equal(missing.status?.applied, false);
  assert.deepEqual(missing.status?.servers?.[0], { name: 'loopback', applied: true });
  assert.deepEqual(missing.status?.servers?.[1], { name: 'plain', applied: false, message: 'foreign-data wrapper "plain_fdw" does not exist' });
  // A wrapper listed after the server that uses it: wrappers are made first.
  const wrappers = [{ name: 'postgres_fdw', usage: [{ name: 'myapp_dev' }] }, { name: 'plain_fdw', options: [{ name: 'debug', value: 'on' }] }];
  await env.ok(['apply', '-f', '-'], database('scratch-fdw', { ...spec([server(), plain]), fdws: wrappers }));
  const d = await applied('scratch-fdw', 2);
  assert.deepEqual(d.status?.fdws, [{ name: 'postgres_fdw', applied: true }, { name: 'plain_fdw', applied: true }]);
  assert.deepEqual(d.status?.servers, [{ name: 'loopback', applied: true }, { name: 'plain', applied: true }]);
  assert.equal(await inDb("SELECT fdwname || ':' || fdwhandler::regproc || ':' || array_to_string(fdwoptions, ',') FROM pg_foreign_data_wrapper WHERE fdwname = 'plain_fdw'"), 'plain_fdw:-:debug=on');
  assert.equal(await serverOptions(), `host=${socket} port=${port} dbname=myapp_prod`);
  assert.equal(await hasUsage('foreign_data_wrapper', 'postgres_fdw'), 't');
  assert.equal(await hasUsage('server', 'loopback'), 't');
  assert.match(await inDb("SELECT array_to_string(srvacl, ',') FROM pg_foreign_server WHERE srvname = 'loopback'"), /(^|,)myapp_dev=U\//);

  // The server works: a foreign table through it reads the other database (the user mapping is SQL's business).
  await sql("CREATE TABLE fdw_probe AS SELECT 42 AS answer", 'myapp_prod');
  await inDb("CREATE USER MAPPING FOR postgres SERVER loopback OPTIONS (user 'postgres'); CREATE FOREIGN TABLE fdw_probe (answer int) SERVER loopback");
  assert.equal(await inDb('SELECT answer FROM fdw_probe'), '42');

  // An option changed is SET, one added is ADDed, one wanted absent is DROPped; a grant revoked goes.
  await sql("ALTER SERVER loopback OPTIONS (ADD fetch_size '10')", 'scratch_fdw');
  const altered = server({ options: [{ name: 'host', value: socket }, { name: 'dbname', value: 'myapp_staging' }, { name: 'port', value: port, ensure: 'absent' }, { name: 'fetch_size', value: '', ensure: 'absent' }, { name: 'use_remote_estimate', value: 'true' }], usage: [{ name: 'myapp_dev', type: 'revoke' }] });
  await env.ok(['apply', '-f', '-'], database('scratch-fdw', spec([altered])));
  await applied('scratch-fdw', 3);
  assert.equal(await serverOptions(), `host=${socket} dbname=myapp_staging use_remote_estimate=true`);
  assert.equal(await hasUsage('server', 'loopback'), 'f');

  // ensure: absent removes the server (its user mapping and table first, as PostgreSQL asks) and the wrapper.
  await inDb('DROP FOREIGN TABLE fdw_probe; DROP USER MAPPING FOR postgres SERVER loopback');
  await env.ok(['apply', '-f', '-'], database('scratch-fdw', { ...spec([server({ ensure: 'absent' }), { ...plain, ensure: 'absent' }]), fdws: [{ name: 'plain_fdw', ensure: 'absent' }] }));
  await applied('scratch-fdw', 4);
  assert.equal(await inDb("SELECT count(*) FROM pg_foreign_server WHERE srvname IN ('loopback', 'plain')"), '0');
  assert.equal(await inDb("SELECT string_agg(fdwname, ',') FROM pg_foreign_data_wrapper"), 'postgres_fdw', 'only the listed wrapper went');
});

test('bad Database manifests are refused with the field path and change nothing', async () => {
  const reserved = await env.run(['apply', '-f', '-'], database('bad', { name: 'template1', owner: 'app' }));
  assert.notEqual(reserved.code, 0);
  assert.match(reserved.stderr, /Database\/bad: spec\.name: the database name "template1" is reserved/);
  const immutable = await env.run(['apply', '-f', '-'], database('myapp-prod', { name: 'myapp_prod', owner: 'myapp_prod', encoding: 'LATIN1' }));
  assert.notEqual(immutable.code, 0);
  assert.match(immutable.stderr, /Database\/myapp-prod: spec\.encoding: encoding cannot be changed/);
  assert.equal((await env.run(['get', 'database', 'bad', '-n', NS])).code === 0, false);
});
