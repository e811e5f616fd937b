// A major upgrade of a Cluster with a tablespace, on PyPI's PostgreSQL 16 and 17 builds: a refused
// pg_upgrade --check leaves the tablespace's PostgreSQL 16 folder as it was; the upgrade that
// succeeds moves the table into the PostgreSQL 17 folder pg_upgrade makes, removes the old one,
// and the standby cloned again gets the tablespace in its own folder.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { obtainPostgres } from '../src/postgres/distributions.js';
import { TestEnv, eventually } from './support/env.js';
import { sql } from './support/backup.js';

interface ClusterObj {
  status?: { phase?: string; phaseReason?: string; readyInstances?: number; currentPrimary?: string; instanceNames?: string[]; pgDataImageInfo?: { majorVersion: number } };
}

const env = new TestEnv();
const manifest = (tag: string, description?: string) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: tbsup
spec:
  instances: 2
  imageName: ghcr.io/cloudnative-pg/postgresql:${tag}
${description ? `  description: ${description}\n` : ''}  storage:
    size: 1Gi
  tablespaces:
    - name: analytics
      storage:
        size: 1Gi
`;

const cluster = () => env.json<ClusterObj>(['get', 'cluster', 'tbsup']);
const tablespaceFolder = (instance: string) => join(env.home, 'instances', 'default', 'tbsup', instance, 'tablespaces', 'analytics');
const majors = (instance: string) => readdirSync(tablespaceFolder(instance)).filter((n) => n.startsWith('PG_')).map((n) => n.split('_')[1]).sort();

before(async () => {
  await obtainPostgres({ major: 16, minor: 13 });
  await obtainPostgres({ major: 17, minor: 9 });
  await env.ok(['apply', '-f', '-'], manifest('16.13'));
  await env.ok(['wait', '--for=condition=Ready', 'cluster/tbsup', '--timeout=180s'], undefined, 200_000);
  await eventually('the tablespace created', async () => (await sql(env, 'tbsup-1', "SELECT count(*) FROM pg_tablespace WHERE spcname = 'analytics'")) === '1');
  await sql(env, 'tbsup-1', "CREATE TABLE facts (id int PRIMARY KEY, note text) TABLESPACE analytics; INSERT INTO facts SELECT g, md5(g::text) FROM generate_series(1, 3000) g");
  // pg_upgrade --check refuses user columns of most reg* types.
  await sql(env, 'tbsup-1', "CREATE TABLE functions (f regproc); INSERT INTO functions VALUES ('now')");
});

after(() => env.cleanup());

test('a refused upgrade leaves the tablespace’s PostgreSQL 16 folder as it was', { timeout: 240_000 }, async () => {
  await env.ok(['apply', '-f', '-'], manifest('17.9'));
  const failed = await eventually('the failed upgrade reported', async () => {
    const c = await cluster();
    return c.status?.phase === 'Waiting for user action' && c.status.readyInstances === 2 ? c : undefined;
  }, 180_000, 500);
  // Refused for the reg* column, not for the tablespace.
  assert.match(failed.status?.phaseReason ?? '', /pg_upgrade --check: .*reg\* data types in user tables/);
  const primary = failed.status?.currentPrimary ?? '';
  assert.deepEqual(majors(primary), ['16']);
  assert.equal(await sql(env, primary, 'SELECT count(*) FROM facts'), '3000');
});

test('the upgrade moves the tablespace to PostgreSQL 17’s folder, the old one removed, and the standby gets its own', { timeout: 300_000 }, async () => {
  const primary = (await cluster()).status?.currentPrimary ?? '';
  await sql(env, primary, 'DROP TABLE functions');
  await env.ok(['apply', '-f', '-'], manifest('17.9', 'retry'));
  const c = await eventually('the cluster upgraded and healthy', async () => {
    const obj = await cluster();
    if (obj.status?.phase === 'Cluster in healthy state' && obj.status.readyInstances === 2 && obj.status.pgDataImageInfo?.majorVersion === 17) return obj;
    // Thrown: eventually keeps polling and names the last state if it times out.
    throw new Error(`${obj.status?.phase ?? 'no phase'}: ${obj.status?.phaseReason ?? ''}`);
  }, 240_000, 500);
  assert.equal(c.status?.currentPrimary, primary);
  assert.equal(await sql(env, primary, "SELECT count(*) || ' ' || sum(length(note)) || ' ' || current_setting('server_version_num')::int / 10000 FROM facts"), '3000 96000 17');
  assert.match(await sql(env, primary, "SELECT pg_relation_filepath('facts')"), /^pg_tblspc\/\d+\/PG_17_/);
  assert.deepEqual(majors(primary), ['17'], 'the PostgreSQL 16 folder went after the success');
  const standby = c.status?.instanceNames?.find((n) => n !== primary) ?? '';
  await sql(env, primary, "INSERT INTO facts VALUES (3001, 'after the upgrade')");
  await eventually('the standby replays the new row', async () => (await sql(env, standby, 'SELECT count(*) FROM facts')) === '3001');
  assert.deepEqual(majors(standby), ['17']);
});
