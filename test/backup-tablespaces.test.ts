// A Cluster with a tablespace, on real PostgreSQL and a real S3 endpoint: its base backup holds
// the tablespace as <oid>.tar beside data.tar; a new Cluster declaring the tablespace recovers from
// it with the table's files in its own folder; barman-cloud-restore --tablespace restores the same
// backup elsewhere; a Cluster that does not declare the tablespace is refused with the field to
// add; bootstrap.pg_basebackup of the Cluster maps the tablespace into the copy's own folder.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestEnv, eventually } from './support/env.js';
import { archiveCurrentWal, sql, waitReady } from './support/backup.js';
import { PostgresUser } from './support/postgres-user.js';
import { freePort, gzipStoreYaml, startS3Server, type S3Server } from './support/s3.js';

const env = new TestEnv();
let s3: S3Server;
const pg = new PostgresUser(mkdtempSync(join(tmpdir(), 'cnpg-tbs-backup-')), () => s3);
let backupId = '';

const cloud = () => ['--cloud-provider', 'aws-s3', '--endpoint-url', s3.endpoint];
const instanceDir = (cluster: string, instance: string) => join(env.home, 'instances', 'default', cluster, instance);

const store = (indent: string, path: string) => gzipStoreYaml(s3, indent, path);

const tablespaces = (names: string[]) =>
  names.length === 0 ? '' : `  tablespaces:\n${names.map((n) => `    - name: ${n}\n      storage:\n        size: 1Gi\n`).join('')}`;

const recovering = (name: string, names: string[]) => `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ${name}
spec:
  instances: 1
  storage:
    size: 1Gi
${tablespaces(names)}  bootstrap:
    recovery:
      source: origin
  externalClusters:
    - name: origin
${store('      ', 's3://tbs/origin')}
`;

before(async () => {
  await pg.prepare();
  s3 = await startS3Server();
  await s3.createBucket('tbs');
  await env.ok(['create', 'secret', 'generic', 's3-creds', `--from-literal=ACCESS_KEY_ID=${s3.accessKeyId}`, `--from-literal=SECRET_ACCESS_KEY=${s3.secretAccessKey}`]);
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: origin
spec:
  instances: 1
  storage:
    size: 1Gi
${tablespaces(['analytics'])}  backup:
${store('    ', 's3://tbs/origin')}
`);
  await waitReady(env, 'origin');
  await eventually('the tablespace created', async () => (await sql(env, 'origin-1', "SELECT count(*) FROM pg_tablespace WHERE spcname = 'analytics'")) === '1');
  await sql(env, 'origin-1', "CREATE TABLE facts (id int, note text) TABLESPACE analytics; INSERT INTO facts SELECT g, 'before ' || g FROM generate_series(1, 1000) g");
});

after(async () => {
  await pg.stopAll();
  await env.cleanup();
  await s3?.stop();
  rmSync(pg.work, { recursive: true, force: true });
});

test('the backup stores the tablespace as <oid>.tar beside data.tar, and backup.info names it', { timeout: 240_000 }, async () => {
  const out = await env.ok(['backup', 'origin', '--backup-name', 'with-tablespace', '--wait', '--timeout', '3m'], undefined, 200_000);
  backupId = /completed: (\S+)/.exec(out)?.[1] ?? '';
  assert.ok(backupId, out);
  const oid = await sql(env, 'origin-1', "SELECT oid FROM pg_tablespace WHERE spcname = 'analytics'");
  const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'tbs', Prefix: `origin/origin/base/${backupId}/` }));
  client.destroy();
  // Each archive with its chunk index (parallel restore), which barman-cloud never reads.
  assert.deepEqual(
    (listed.Contents ?? []).map((o) => o.Key?.split('/').pop()).sort(),
    ['backup.info', 'data.tar.gz', `${oid}.tar.gz`, 'cnpg-chunks-data.tar.gz.json', `cnpg-chunks-${oid}.tar.gz.json`].sort(),
  );
  // barman reads backup.info as we wrote it.
  const output = await pg.run('barman-cloud-backup-show', [...cloud(), '--format', 'json', 's3://tbs/origin', 'origin', backupId]);
  const shown = Object.values(JSON.parse(output) as Record<string, { status: string; tablespaces: Array<[string, number, string]> }>)[0];
  assert.equal(shown?.status, 'DONE', output);
  assert.deepEqual(shown?.tablespaces.map((t) => [t[0], t[1]]), [['analytics', Number(oid)]], output);
  await sql(env, 'origin-1', "INSERT INTO facts SELECT g, 'after ' || g FROM generate_series(1001, 1500) g");
  await archiveCurrentWal(env, 'origin', 'origin-1');
});

test('a Cluster declaring the tablespace recovers from the backup, the table read from its own folder', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', '-'], recovering('restored', ['analytics']));
  await waitReady(env, 'restored', 240);
  assert.equal(await sql(env, 'restored-1', 'SELECT count(*) FROM facts'), '1500', 'the rows of the backup and the WAL after it');
  const dir = join(instanceDir('restored', 'restored-1'), 'tablespaces', 'analytics');
  const file = await sql(env, 'restored-1', "SELECT pg_relation_filepath('facts')");
  const [, oid, ...rest] = file.split('/');
  assert.ok(existsSync(join(dir, ...rest)), `${file} is in ${dir}: ${readdirSync(dir).join(', ')}`);
  assert.equal(readlinkSync(join(instanceDir('restored', 'restored-1'), 'pgdata', 'pg_tblspc', oid ?? '')), '/proc/self/cwd/cnpg_tablespaces/analytics');
  // Its own, and writable.
  await sql(env, 'restored-1', "INSERT INTO facts VALUES (0, 'restored only')");
  assert.equal(await sql(env, 'origin-1', 'SELECT count(*) FROM facts WHERE id = 0'), '0');
});

test('barman-cloud-restore --tablespace restores the same backup into folders of its choice', { timeout: 240_000 }, async () => {
  const pgdata = pg.ownedDir('barman-pgdata');
  const analytics = pg.ownedDir('barman-analytics');
  await pg.run('barman-cloud-restore', [...cloud(), '--tablespace', `analytics:${analytics}`, 's3://tbs/origin', 'origin', backupId, pgdata]);
  assert.ok(readdirSync(analytics).some((d) => d.startsWith('PG_')), `the tablespace in ${analytics}`);
  const port = await freePort();
  const restore = `barman-cloud-wal-restore ${cloud().join(' ')} s3://tbs/origin origin %f %p`;
  writeFileSync(join(pgdata, 'postgresql.auto.conf'), `restore_command = '${restore}'\nrecovery_target_action = 'promote'\nport = ${port}\nunix_socket_directories = '${pgdata}'\narchive_mode = off\n`);
  writeFileSync(join(pgdata, 'recovery.signal'), '');
  for (const f of ['postgresql.auto.conf', 'recovery.signal']) pg.own(join(pgdata, f));
  await pg.start(pgdata, port, pgdata);
  let count = '';
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    count = await pg.psql(port, pgdata, 'SELECT CASE WHEN pg_is_in_recovery() THEN -1 ELSE (SELECT count(*) FROM facts) END', 'app').catch((e: Error) => e.message);
    if (count === '1500') break;
    await sleep(500);
  }
  assert.equal(count, '1500', 'barman-cloud restored the table in its tablespace and replayed our WAL');
  assert.match(await pg.psql(port, pgdata, "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'analytics'"), new RegExp(analytics));
});

test('a Cluster that does not declare the tablespace is refused, naming it and spec.tablespaces', { timeout: 180_000 }, async () => {
  await env.ok(['apply', '-f', '-'], recovering('undeclared', []));
  const reason = await eventually('the refused recovery in the status', async () => {
    const c = await env.json<{ status?: { phaseReason?: string } }>(['get', 'cluster', 'undeclared']);
    return c.status?.phaseReason?.includes('does not declare') ? c.status.phaseReason : undefined;
  }, 120_000, 500);
  assert.match(reason, /tablespace "analytics", which this Cluster does not declare: add it to spec\.tablespaces/);
  const pgdata = join(instanceDir('undeclared', 'undeclared-1'), 'pgdata');
  assert.deepEqual(existsSync(pgdata) ? readdirSync(pgdata) : [], [], 'nothing restored');
});

test('bootstrap.pg_basebackup copies the tablespace into the new Cluster’s own folder', { timeout: 300_000 }, async () => {
  const port = new URL(Buffer.from((await env.ok(['get', 'secret', 'origin-app', '-o', 'jsonpath={.data.uri}'])).trim(), 'base64').toString()).port;
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: copy
spec:
  instances: 2
  storage:
    size: 1Gi
${tablespaces(['analytics'])}  bootstrap:
    pg_basebackup:
      source: origin
  externalClusters:
    - name: origin
      connectionParameters:
        host: 127.0.0.1
        port: "${port}"
        user: streaming_replica
        sslmode: require
      password:
        name: origin-replication
        key: password
`);
  await waitReady(env, 'copy', 240);
  for (const instance of ['copy-1', 'copy-2']) {
    assert.equal(await sql(env, instance, 'SELECT count(*) FROM facts'), '1500', instance);
    const file = await sql(env, instance, "SELECT pg_relation_filepath('facts')");
    const rest = file.split('/').slice(2);
    assert.ok(existsSync(join(instanceDir('copy', instance), 'tablespaces', 'analytics', ...rest)), `${instance}: ${file} in its own folder`);
  }
  await sql(env, 'copy-1', "INSERT INTO facts VALUES (-1, 'copy only')");
  assert.equal(await sql(env, 'origin-1', 'SELECT count(*) FROM facts WHERE id = -1'), '0', 'the copy writes into its own tablespace folder, not the origin’s');
});
