// Libraries and extensions with real PostgreSQL 15: pg_stat_statements and pgaudit loaded because
// their parameters are set, created by the operator, and answering; pgvector created by
// postInitSQL (scripts/build-pgvector.sh installs it, as Debian 12 has no package); ALTER SYSTEM refused by default and allowed by
// enableAlterSystem; a new library rolled out by restarts; a library the build lacks refused at apply.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, eventually } from './support/env.js';
import { manifest } from './support/manifests.js';
import { sql, waitReady } from './support/backup.js';

const env = new TestEnv();
const CLUSTER = 'ext';
const PODS = [1, 2].map((n) => `${CLUSTER}-${n}`);
// Debian 12 has no postgresql-15-pgvector: scripts/build-pgvector.sh (run by setup) builds it where the package would go.
const VECTOR = existsSync('/usr/share/postgresql/15/extension/vector.control');

before(async () => {
  await env.ok(
    ['apply', '-f', '-'],
    manifest('cluster.yaml', {
      name: CLUSTER,
      spec: {
        instances: 2,
        postgresql: { parameters: { 'pg_stat_statements.max': '1000', 'pgaudit.log': 'write' } },
        bootstrap: { initdb: { postInitApplicationSQL: [...(VECTOR ? ['CREATE EXTENSION vector'] : []), 'CREATE TABLE audited (id int)'] } },
      },
    }),
  );
  await waitReady(env, CLUSTER);
});

after(() => env.cleanup());

const primaryLog = (pod: string) => readFileSync(join(env.home, 'instances', 'default', CLUSTER, pod, 'postgres.log'), 'utf8');

test('pg_stat_statements and pgaudit: preloaded from their parameters, created in every database, answering', { timeout: 120_000 }, async () => {
  for (const pod of PODS) assert.equal(await sql(env, pod, 'SHOW shared_preload_libraries', 'postgres'), 'pgaudit,pg_stat_statements', pod);
  for (const database of ['app', 'postgres', 'template1']) {
    await eventually(`the managed extensions in ${database}`, async () => (await sql(env, `${CLUSTER}-1`, 'SELECT string_agg(extname, \',\' ORDER BY extname) FROM pg_extension', database)).includes('pg_stat_statements'), 30_000, 500);
    assert.match(await sql(env, `${CLUSTER}-1`, 'SELECT string_agg(extname, \',\' ORDER BY extname) FROM pg_extension', database), /pg_stat_statements.*pgaudit|pgaudit.*pg_stat_statements/, database);
  }
  await sql(env, `${CLUSTER}-1`, 'INSERT INTO audited VALUES (42)');
  assert.ok(Number(await sql(env, `${CLUSTER}-1`, "SELECT count(*) FROM pg_stat_statements WHERE query LIKE 'INSERT INTO audited%'")) > 0, 'the insert is in pg_stat_statements');
  await eventually('an audit line for the insert in the PostgreSQL log', async () => /AUDIT: SESSION,\d+,\d+,WRITE,INSERT,.*INSERT INTO audited/.test(primaryLog(`${CLUSTER}-1`)), 10_000, 200);
});

test('pgvector: created by postInitApplicationSQL, a distance query answers', { timeout: 30_000, skip: VECTOR ? false : 'pgvector is not installed for PostgreSQL 15 (scripts/build-pgvector.sh installs it as root)' }, async () => {
  assert.equal(await sql(env, `${CLUSTER}-1`, "SELECT '[1,2,3]'::vector <-> '[1,2,5]'::vector"), '2');
});

test('ALTER SYSTEM: refused by default, allowed with enableAlterSystem; a new library rolls out by restarts', { timeout: 180_000 }, async () => {
  await assert.rejects(sql(env, `${CLUSTER}-1`, "ALTER SYSTEM SET work_mem = '8MB'", 'postgres'), /postgresql\.auto\.conf.*Permission denied/s);
  await env.ok(['patch', 'cluster', CLUSTER, '--type', 'merge', '-p', JSON.stringify({ spec: { postgresql: { enableAlterSystem: true, shared_preload_libraries: ['auto_explain'] } } })]);
  await eventually('auto_explain preloaded on every instance', async () => {
    const libraries = await Promise.all(PODS.map((pod) => sql(env, pod, 'SHOW shared_preload_libraries', 'postgres').catch(() => '')));
    return libraries.every((l) => l === 'auto_explain,pgaudit,pg_stat_statements');
  }, 120_000, 1000).catch(async (e: Error) => {
    throw new Error(`${e.message}\n${await env.diagnostics()}`);
  });
  await waitReady(env, CLUSTER);
  await eventually('ALTER SYSTEM allowed on the primary', async () => {
    await sql(env, `${CLUSTER}-1`, "ALTER SYSTEM SET work_mem = '8MB'", 'postgres');
    return true;
  }, 30_000, 500);
  await sql(env, `${CLUSTER}-1`, 'SELECT pg_reload_conf()', 'postgres');
  await eventually('the setting ALTER SYSTEM wrote in effect', async () => (await sql(env, `${CLUSTER}-1`, 'SHOW work_mem', 'postgres')) === '8MB', 10_000, 200);
});

test('a library this build does not have, or a name that is not one, is refused at apply with its field path', { timeout: 30_000 }, async () => {
  const missing = await env.run(['apply', '-f', '-'], manifest('cluster.yaml', { name: 'nolib', spec: { instances: 1, postgresql: { shared_preload_libraries: ['no_such_library'] } } }));
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /spec\.postgresql\.shared_preload_libraries\[0\].*no_such_library.*not installed for PostgreSQL 15/);
  const bad = await env.run(['apply', '-f', '-'], manifest('cluster.yaml', { name: 'badlib', spec: { instances: 1, postgresql: { shared_preload_libraries: ['pgaudit,auto_explain'] } } }));
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /spec\.postgresql\.shared_preload_libraries\[0\].*file name without its suffix/);
  assert.doesNotMatch(await env.ok(['get', 'clusters']), /nolib|badlib/, 'nothing was stored');
});
