// The plugin's imperative logical replication verbs between two local clusters, as CloudNativePG's
// kubectl-cnpg has them: `publication create|drop` on the source, `subscription create|drop|
// sync-sequences` on the destination through its externalClusters entry. Rows follow after
// `subscription create`; the source's password is in no output, argument or catalog, only in a
// 0600 passfile on the primary; `drop` removes the subscription, its slot and the publication.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { sql, waitReady } from './support/backup.js';
import { manifest } from './support/manifests.js';

interface Secret {
  data?: Record<string, string>;
}

const env = new TestEnv();
const secretValue = async (name: string, key: string) => Buffer.from((await env.json<Secret>(['get', 'secret', name])).data?.[key] ?? '', 'base64').toString();
const apply = (yaml: string) => env.ok(['apply', '-f', '-'], yaml);
const schema = { initdb: { postInitApplicationSQL: ['CREATE TABLE numbers (id serial PRIMARY KEY, label text)'] } };
const cluster = (name: string, spec: Record<string, unknown> = {}) => manifest('cluster.yaml', { name, spec: { bootstrap: schema, ...spec } });
let password = '';

before(async () => {
  await apply(cluster('source', { enableSuperuserAccess: true }));
  await waitReady(env, 'source');
  await sql(env, 'source-1', "INSERT INTO numbers (label) SELECT 'n' || g FROM generate_series(1, 100) g");
  const port = new URL(await secretValue('source-app', 'uri')).port;
  password = await secretValue('source-superuser', 'password');
  const source = { host: '127.0.0.1', port, user: 'postgres', dbname: 'app', sslmode: 'require' };
  await apply(cluster('dest', { externalClusters: [{ name: 'source', connectionParameters: source, password: { name: 'source-superuser', key: 'password' } }] }));
  await waitReady(env, 'dest');
});

after(() => env.cleanup());

test('publication create and subscription create carry a table; rows inserted later follow', { timeout: 180_000 }, async () => {
  const dry = await env.ok(['publication', 'create', 'source', '--publication', 'numbers_pub', '--table', 'public.numbers', '--dry-run']);
  assert.equal(dry, 'CREATE PUBLICATION "numbers_pub" FOR TABLE "public"."numbers"\n');
  assert.equal(await sql(env, 'source-1', 'SELECT count(*) FROM pg_publication'), '0', '--dry-run creates nothing');

  await env.ok(['publication', 'create', 'source', '--publication', 'numbers_pub', '--table', 'public.numbers']);
  assert.equal(await sql(env, 'source-1', "SELECT tablename FROM pg_publication_tables WHERE pubname = 'numbers_pub'"), 'numbers');

  const created = await env.run(['subscription', 'create', 'dest', '--external-cluster', 'source', '--publication', 'numbers_pub', '--subscription', 'numbers_sub']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^CREATE SUBSCRIPTION "numbers_sub" CONNECTION '.*passfile=.*' PUBLICATION "numbers_pub"\n$/);
  assert.ok(!created.stdout.includes(password) && !created.stderr.includes(password), 'the password is not printed');
  await eventually('the initial copy', async () => (await sql(env, 'dest-1', 'SELECT count(*) FROM numbers')) === '100', 60_000, 500);
  await sql(env, 'source-1', "INSERT INTO numbers (label) VALUES ('after')");
  await eventually('the insert to follow', async () => (await sql(env, 'dest-1', "SELECT id FROM numbers WHERE label = 'after'")) === '101', 60_000, 300);

  // The catalog names the passfile, a 0600 file in the primary's folder holding the password.
  const conninfo = await sql(env, 'dest-1', "SELECT subconninfo FROM pg_subscription WHERE subname = 'numbers_sub'");
  assert.ok(!conninfo.includes(password), conninfo);
  const passfile = /passfile=(\S+)/.exec(conninfo)?.[1] ?? '';
  assert.ok(passfile.startsWith(join(env.home, 'instances')), conninfo);
  assert.equal(statSync(passfile).mode & 0o777, 0o600);
  assert.ok(readFileSync(passfile, 'utf8').includes(password));
  assert.deepEqual(readdirSync(join(passfile, '..')).filter((f) => f.endsWith('.tmp')), []);
});

test('subscription sync-sequences sets the subscriber\'s sequences to the publisher\'s values', { timeout: 60_000 }, async () => {
  assert.equal(await sql(env, 'dest-1', "SELECT last_value FROM pg_sequences WHERE sequencename = 'numbers_id_seq'"), '', 'logical replication leaves sequences alone');
  const script = await env.ok(['subscription', 'sync-sequences', 'dest', '--subscription', 'numbers_sub', '--offset', '5']);
  assert.equal(script, `SELECT pg_catalog.setval('"public"."numbers_id_seq"', 106);\n`);
  assert.equal(await sql(env, 'dest-1', "SELECT last_value FROM pg_sequences WHERE sequencename = 'numbers_id_seq'"), '106');
});

test('--external-cluster runs a publication verb on that server, reached from the primary with the entry\'s files', { timeout: 60_000 }, async () => {
  assert.equal(await env.ok(['publication', 'create', 'dest', '--external-cluster', 'source', '--publication', 'ext_pub', '--all-tables']), 'CREATE PUBLICATION "ext_pub" FOR ALL TABLES\n');
  assert.equal(await sql(env, 'source-1', "SELECT puballtables FROM pg_publication WHERE pubname = 'ext_pub'"), 't');
  assert.equal(await sql(env, 'dest-1', 'SELECT count(*) FROM pg_publication'), '0');
  await env.ok(['publication', 'drop', 'dest', '--external-cluster', 'source', '--publication', 'ext_pub']);
  assert.equal(await sql(env, 'source-1', "SELECT count(*) FROM pg_publication WHERE pubname = 'ext_pub'"), '0');
});

test('values from the command line are checked before anything runs, and PostgreSQL\'s refusals are the command\'s', async () => {
  const dotted = await env.run(['publication', 'create', 'source', '--publication', 'p', '--table', 'a.b.c']);
  assert.notEqual(dotted.code, 0);
  assert.match(dotted.stderr, /--table "a.b.c": give a table as NAME or SCHEMA.NAME/);
  // CloudNativePG's plugin splices a table expression in as typed; here it stays one quoted name.
  const expression = await env.run(['publication', 'create', 'source', '--publication', 'p', '--table', 'numbers WHERE (id > 1)']);
  assert.notEqual(expression.code, 0);
  assert.match(expression.stderr, /relation "numbers WHERE \(id > 1\)" does not exist/);
  const params = await env.run(['subscription', 'create', 'dest', '--external-cluster', 'source', '--publication', 'numbers_pub', '--subscription', 's2', '--parameters', 'Copy_Data = false']);
  assert.notEqual(params.code, 0);
  assert.match(params.stderr, /"Copy_Data" is not a parameter name/);
  const entry = await env.run(['subscription', 'create', 'dest', '--external-cluster', 'nowhere', '--publication', 'numbers_pub', '--subscription', 's2']);
  assert.notEqual(entry.code, 0);
  assert.match(entry.stderr, /cluster dest has no spec.externalClusters entry named "nowhere"/);
  const missing = await env.run(['publication', 'drop', 'source', '--publication', 'no_such_pub']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /publication "no_such_pub" does not exist/);
  assert.equal(await sql(env, 'source-1', 'SELECT count(*) FROM pg_publication'), '1');
});

test('subscription drop removes the subscription and its slot; publication drop the publication', { timeout: 60_000 }, async () => {
  assert.equal(await sql(env, 'source-1', "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'numbers_sub'"), '1');
  assert.equal(await env.ok(['subscription', 'drop', 'dest', '--subscription', 'numbers_sub']), 'DROP SUBSCRIPTION "numbers_sub"\n');
  assert.equal(await sql(env, 'dest-1', 'SELECT count(*) FROM pg_subscription'), '0');
  assert.equal(await sql(env, 'source-1', "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'numbers_sub'"), '0');
  await sql(env, 'source-1', "INSERT INTO numbers (label) VALUES ('not followed')");
  assert.equal(await env.ok(['publication', 'drop', 'source', '--publication', 'numbers_pub']), 'DROP PUBLICATION "numbers_pub"\n');
  assert.equal(await sql(env, 'source-1', 'SELECT count(*) FROM pg_publication'), '0');
  assert.equal(await sql(env, 'dest-1', "SELECT count(*) FROM numbers WHERE label = 'not followed'"), '0');
});
