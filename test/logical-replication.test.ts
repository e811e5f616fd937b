// Declarative logical replication between two local clusters: a Publication on the source, a
// Subscription on the destination through an externalClusters entry that reaches the source's rw
// endpoint with the superuser's password. Rows are copied, later inserts follow, the password
// stays out of pg_subscription, deletion honours each reclaim policy, bad manifests are refused.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { sql, waitReady } from './support/backup.js';
import { manifest } from './support/manifests.js';

interface Secret {
  data?: Record<string, string>;
}
interface Logical {
  status?: { applied?: boolean; message?: string; observedGeneration?: number };
  metadata: { finalizers?: string[] };
}

const env = new TestEnv();
const secretValue = async (name: string, key: string) => Buffer.from((await env.json<Secret>(['get', 'secret', name])).data?.[key] ?? '', 'base64').toString();
const apply = (yaml: string) => env.ok(['apply', '-f', '-'], yaml);

const numbersTable = { initdb: { postInitApplicationSQL: ['CREATE TABLE numbers (id int PRIMARY KEY, label text)'] } };
const cluster = (name: string, spec: Record<string, unknown> = {}) => manifest('cluster.yaml', { name, spec: { bootstrap: numbersTable, ...spec } });
const publication = (name: string, spec: Record<string, unknown> = {}) => manifest('publication.yaml', { name, spec });

async function applied(kind: string, name: string): Promise<Logical> {
  return eventually(`${kind} ${name} applied`, async () => {
    const o = await env.json<Logical>(['get', kind, name]);
    return o.status?.applied === true ? o : undefined;
  }, 60_000, 300);
}

before(async () => {
  await apply(cluster('source', { enableSuperuserAccess: true }));
  await waitReady(env, 'source');
  await sql(env, 'source-1', "INSERT INTO numbers SELECT g, 'n' || g FROM generate_series(1, 100) g");
  const port = new URL(await secretValue('source-app', 'uri')).port;
  const source = { host: '127.0.0.1', port, user: 'postgres', dbname: 'app', sslmode: 'require' };
  await apply(cluster('dest', { externalClusters: [{ name: 'source', connectionParameters: source, password: { name: 'source-superuser', key: 'password' } }] }));
  await waitReady(env, 'dest');
});

after(() => env.cleanup());

test('a Publication and a Subscription carry a table from one cluster to another, and follow inserts', { timeout: 180_000 }, async () => {
  await apply(publication('numbers-pub', { publicationReclaimPolicy: 'delete' }));
  const pub = await applied('publication', 'numbers-pub');
  assert.deepEqual(pub.metadata.finalizers, ['cnpg.io/deletePublication']);
  assert.equal(await sql(env, 'source-1', "SELECT tablename FROM pg_publication_tables WHERE pubname = 'numbers_pub'"), 'numbers');

  await apply(manifest('subscription.yaml', { spec: { subscriptionReclaimPolicy: 'delete' } }));
  await applied('subscription', 'numbers-sub');
  await eventually('the initial copy', async () => (await sql(env, 'dest-1', 'SELECT count(*) FROM numbers')) === '100', 60_000, 500);
  await sql(env, 'source-1', "INSERT INTO numbers VALUES (101, 'after')");
  await eventually('the insert to follow', async () => (await sql(env, 'dest-1', 'SELECT label FROM numbers WHERE id = 101')) === 'after', 60_000, 300);

  // PostgreSQL keeps the connection string in its catalog: it names the passfile, never the password.
  const conninfo = await sql(env, 'dest-1', "SELECT subconninfo FROM pg_subscription WHERE subname = 'numbers_sub'");
  const password = await secretValue('source-superuser', 'password');
  assert.ok(!conninfo.includes(password), conninfo);
  const passfile = /passfile=(\S+)/.exec(conninfo)?.[1] ?? '';
  assert.ok(passfile.startsWith(join(env.home, 'instances')), conninfo);
  assert.equal(statSync(passfile).mode & 0o777, 0o600);
});

test('what PostgreSQL refuses is reported in the status', async () => {
  await apply(publication('missing-table', { name: 'missing_pub', target: { objects: [{ table: { name: 'no_such_table' } }] } }));
  const failed = await eventually('the failure in the status', async () => {
    const o = await env.json<Logical>(['get', 'publication', 'missing-table']);
    return o.status?.applied === false ? o.status : undefined;
  }, 60_000, 300);
  assert.match(failed.message ?? '', /relation "no_such_table" does not exist/);
  await env.ok(['delete', 'publication', 'missing-table']);
  await eventually('missing-table to go', async () => (await env.run(['get', 'publication', 'missing-table'])).code !== 0, 30_000, 300);
});

test('manifests that cannot work are refused with the field path, and nothing is stored', async () => {
  const bad = await env.run(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Publication
metadata:
  name: broken
spec:
  cluster:
    name: source
  name: broken
  dbname: app
  target:
    allTables: true
    objects:
      - tablesInSchema: public
`);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /Publication\/broken: spec\.target\.objects: only one of allTables, objects may be set/);
  const missing = await env.run(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Subscription
metadata:
  name: broken
spec:
  cluster:
    name: dest
  name: broken
  dbname: app
  externalClusterName: source
`);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Subscription\/broken: spec\.publicationName/);
  assert.notEqual((await env.run(['get', 'publication', 'broken'])).code, 0);
  // A name once set cannot change: the object would lose track of what it created.
  const renamed = await env.run(['patch', 'publication', 'numbers-pub', '--type=merge', '-p', '{"spec":{"name":"other"}}']);
  assert.notEqual(renamed.code, 0);
  assert.match(renamed.stderr, /spec\.name: name cannot be changed/);
});

test('deleting with reclaim policy delete drops the subscription and the publication; retain keeps them', { timeout: 180_000 }, async () => {
  await apply(publication('kept-pub', { name: 'kept_pub', target: { allTables: true } }));
  await applied('publication', 'kept-pub');
  // Reconciled continuously: one dropped by hand comes back at the next pass (every 30 s).
  await sql(env, 'source-1', 'DROP PUBLICATION kept_pub');
  await eventually('kept_pub to come back', async () => (await sql(env, 'source-1', "SELECT count(*) FROM pg_publication WHERE pubname = 'kept_pub'")) === '1', 60_000, 1000);
  await env.ok(['delete', 'publication', 'kept-pub']);
  await eventually('kept-pub to go', async () => (await env.run(['get', 'publication', 'kept-pub'])).code !== 0, 30_000, 300);
  assert.equal(await sql(env, 'source-1', "SELECT count(*) FROM pg_publication WHERE pubname = 'kept_pub'"), '1', 'retain leaves the publication');

  await env.ok(['delete', 'subscription', 'numbers-sub']);
  await eventually('numbers-sub to go', async () => (await env.run(['get', 'subscription', 'numbers-sub'])).code !== 0, 60_000, 300);
  assert.equal(await sql(env, 'dest-1', "SELECT count(*) FROM pg_subscription WHERE subname = 'numbers_sub'"), '0');
  // Dropping the subscription dropped its slot on the publisher too.
  assert.equal(await sql(env, 'source-1', "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'numbers_sub'"), '0');
  await env.ok(['delete', 'publication', 'numbers-pub']);
  await eventually('numbers-pub to go', async () => (await env.run(['get', 'publication', 'numbers-pub'])).code !== 0, 60_000, 300);
  assert.equal(await sql(env, 'source-1', "SELECT count(*) FROM pg_publication WHERE pubname = 'numbers_pub'"), '0');
});
