// Interoperability with Debian's barman-cloud tools, both ways, on a real S3 endpoint:
// barman-cloud-restore + barman-cloud-wal-restore bring up our backup, and we recover a cluster
// from what barman-cloud-backup + barman-cloud-wal-archive wrote for a PostgreSQL we never managed.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv } from './support/env.js';
import { archiveCurrentWal, sql, waitReady } from './support/backup.js';
import { PostgresUser } from './support/postgres-user.js';
import { freePort, gzipStoreYaml, startS3Server, type S3Server } from './support/s3.js';
import { setTimeout as sleep } from 'node:timers/promises';

const env = new TestEnv();
let s3: S3Server;
const pg = new PostgresUser(mkdtempSync(join(tmpdir(), 'cnpg-interop-')), () => s3);
const { bin } = pg;
const run = pg.run.bind(pg);
const ownedDir = pg.ownedDir.bind(pg);
const startPostgres = pg.start.bind(pg);
const psql = pg.psql.bind(pg);

const cloud = () => ['--cloud-provider', 'aws-s3', '--endpoint-url', s3.endpoint];

before(async () => {
  await pg.prepare();
  s3 = await startS3Server();
  await s3.createBucket('interop');
  await env.ok(['create', 'secret', 'generic', 's3-creds', `--from-literal=ACCESS_KEY_ID=${s3.accessKeyId}`, `--from-literal=SECRET_ACCESS_KEY=${s3.secretAccessKey}`]);
});

after(async () => {
  await pg.stopAll();
  await env.cleanup();
  await s3?.stop();
  rmSync(pg.work, { recursive: true, force: true });
});

const storeYaml = (indent: string, path: string) => gzipStoreYaml(s3, indent, path);

test('barman-cloud lists and restores our backup, and replays our WAL', { timeout: 300_000 }, async () => {
  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: ours
spec:
  instances: 1
  storage:
    size: 1Gi
  backup:
${storeYaml('    ', 's3://interop/ours')}
`);
  await waitReady(env, 'ours');
  await sql(env, 'ours-1', 'CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 100)');
  const out = await env.ok(['backup', 'ours', '--backup-name', 'for-barman', '--wait', '--timeout', '2m'], undefined, 150_000);
  const backupId = /completed: (\S+)/.exec(out)![1]!;
  await sql(env, 'ours-1', 'INSERT INTO t SELECT generate_series(101, 150)');
  await archiveCurrentWal(env, 'ours', 'ours-1');

  const list = JSON.parse(await run('barman-cloud-backup-list', [...cloud(), '--format', 'json', 's3://interop/ours', 'ours'])) as { backups_list: Array<{ backup_id: string; backup_name?: string; status: string; begin_wal: string; end_wal: string }> };
  const listed = list.backups_list.find((b) => b.backup_id === backupId);
  assert.ok(listed, `barman-cloud-backup-list shows ${backupId}: ${JSON.stringify(list)}`);
  assert.equal(listed.backup_name, 'for-barman');
  assert.equal(listed.status, 'DONE');

  const pgdata = ownedDir('restored-by-barman');
  await run('barman-cloud-restore', [...cloud(), 's3://interop/ours', 'ours', backupId, pgdata]);
  const port = await freePort();
  const restore = `barman-cloud-wal-restore ${cloud().join(' ')} s3://interop/ours ours %f %p`;
  writeFileSync(join(pgdata, 'postgresql.auto.conf'), `restore_command = '${restore}'\nrecovery_target_action = 'promote'\n`);
  // Our settings stay (replay needs max_worker_processes and friends as high as the source's); the
  // instance-specific ones are overridden.
  appendFileSync(join(pgdata, 'postgresql.conf'), `port = ${port}\nunix_socket_directories = '${pgdata}'\narchive_mode = off\n`);
  writeFileSync(join(pgdata, 'recovery.signal'), '');
  for (const f of ['postgresql.auto.conf', 'recovery.signal']) pg.own(join(pgdata, f));
  await startPostgres(pgdata, port, pgdata);
  let count = '';
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    count = await psql(port, pgdata, 'SELECT CASE WHEN pg_is_in_recovery() THEN -1 ELSE (SELECT count(*) FROM t) END', 'app').catch((e: Error) => e.message);
    if (count === '150') break;
    await sleep(500);
  }
  assert.equal(count, '150', 'barman-cloud restored every row, replaying the WAL we archived');
});

test('we recover from what barman-cloud-backup and barman-cloud-wal-archive wrote', { timeout: 300_000 }, async () => {
  const pgdata = ownedDir('theirs');
  await run(join(bin, 'initdb'), ['-D', pgdata, '-U', 'postgres', '--auth=trust']);
  const port = await freePort();
  const archive = `barman-cloud-wal-archive ${cloud().join(' ')} --gzip s3://interop/theirs theirs %p`;
  writeFileSync(join(pgdata, 'postgresql.auto.conf'), `archive_mode = on\narchive_command = '${archive}'\nwal_level = replica\n`);
  pg.own(join(pgdata, 'postgresql.auto.conf'));
  await startPostgres(pgdata, port, pgdata);
  await psql(port, pgdata, 'CREATE TABLE theirs (x int); INSERT INTO theirs SELECT generate_series(1, 42)');
  await run('barman-cloud-backup', [...cloud(), '--gzip', '--immediate-checkpoint', '-h', pgdata, '-p', String(port), '-U', 'postgres', '-d', 'postgres', 's3://interop/theirs', 'theirs']);
  await psql(port, pgdata, 'INSERT INTO theirs SELECT generate_series(43, 50)');
  await psql(port, pgdata, 'SELECT pg_switch_wal()');
  const deadline = Date.now() + 60_000;
  while ((await psql(port, pgdata, 'SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE \'%.ready\'')) !== '0' && Date.now() < deadline) {
    await sleep(500);
  }

  await env.ok(['apply', '-f', '-'], `apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: from-barman
spec:
  instances: 2
  storage:
    size: 1Gi
  bootstrap:
    recovery:
      source: theirs
  externalClusters:
    - name: theirs
${storeYaml('      ', 's3://interop/theirs')}
`);
  await waitReady(env, 'from-barman', 240);
  assert.equal(await sql(env, 'from-barman-1', 'SELECT count(*) FROM theirs', 'postgres'), '50');
});
