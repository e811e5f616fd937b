// A base backup written in many parts (data_0001.tar.gz…, barman's naming) and chunks, with part
// and chunk sizes far below the defaults so that a small database spans them: we restore it with
// every core and barman-cloud-restore restores it as well, and PostgreSQL starts on both copies
// with every row, replaying WAL archived by barman-cloud-wal-archive.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { takeBaseBackup } from '../src/instance/base-backup.js';
import { extractBaseBackup, openBlobStore, readBackupInfo, type BlobStore } from '../src/objectstore/index.js';
import { PostgresUser } from './support/postgres-user.js';
import { freePort, startS3Server, type S3Server } from './support/s3.js';

let s3: S3Server;
const pg = new PostgresUser(mkdtempSync(join(tmpdir(), 'cnpg-parts-')), () => s3);
const cloud = () => ['--cloud-provider', 'aws-s3', '--endpoint-url', s3.endpoint];

before(async () => {
  await pg.prepare();
  s3 = await startS3Server();
  await s3.createBucket('parts');
});

after(async () => {
  await pg.stopAll();
  await s3?.stop();
  rmSync(pg.work, { recursive: true, force: true });
});

async function waitForRows(port: number, socketDir: string, expected: string): Promise<string> {
  let count = '';
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    count = await pg.psql(port, socketDir, 'SELECT CASE WHEN pg_is_in_recovery() THEN -1 ELSE (SELECT count(*) FROM t) END').catch((e: Error) => e.message);
    if (count === expected) break;
    await sleep(500);
  }
  return count;
}

/** Recovery settings on a restored copy, then PostgreSQL started on it: WAL from barman-cloud-wal-restore. */
async function startRestored(pgdata: string): Promise<number> {
  if (pg.root) spawnSync('chown', ['-R', 'postgres:postgres', pgdata]);
  const port = await freePort();
  const restore = `barman-cloud-wal-restore ${cloud().join(' ')} s3://parts/src src %f %p`;
  writeFileSync(join(pgdata, 'postgresql.auto.conf'), `restore_command = '${restore}'\nrecovery_target_action = 'promote'\n`);
  appendFileSync(join(pgdata, 'postgresql.conf'), `port = ${port}\nunix_socket_directories = '${pgdata}'\narchive_mode = off\n`);
  writeFileSync(join(pgdata, 'recovery.signal'), '');
  for (const f of ['postgresql.auto.conf', 'recovery.signal']) pg.own(join(pgdata, f));
  await pg.start(pgdata, port, pgdata);
  return port;
}

test('a backup in many parts and chunks: restored by us on every core and by barman-cloud-restore, PostgreSQL starts on both', { timeout: 300_000 }, async () => {
  const pgdata = pg.ownedDir('src');
  await pg.run(join(pg.bin, 'initdb'), ['-D', pgdata, '-U', 'postgres', '--auth=trust']);
  const port = await freePort();
  const archive = `barman-cloud-wal-archive ${cloud().join(' ')} --gzip s3://parts/src src %p`;
  writeFileSync(join(pgdata, 'postgresql.auto.conf'), `archive_mode = on\narchive_command = '${archive}'\nwal_level = replica\n`);
  pg.own(join(pgdata, 'postgresql.auto.conf'));
  await pg.start(pgdata, port, pgdata);
  // About 25 MB of table: a file of its own larger than a part, cut into chunks.
  await pg.psql(port, pgdata, "CREATE TABLE t AS SELECT g AS id, md5(g::text) || repeat('x', 40) AS filler FROM generate_series(1, 250000) g");

  const store: BlobStore = openBlobStore({ destinationPath: 's3://parts/src', serverName: 'src', endpointURL: s3.endpoint, s3: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region } });
  const report = await takeBaseBackup(
    {
      instance: 'src-1',
      socket: { socketDir: pgdata, port },
      store,
      archive: { destinationPath: 's3://parts/src', serverName: 'src', endpointURL: s3.endpoint, walMaxParallel: 1, dataCompression: 'gzip', dataJobs: 2, immediateCheckpoint: true },
      switchWal: async () => void (await pg.psql(port, pgdata, 'SELECT pg_switch_wal()')),
      onUpdate: () => undefined,
    },
    { backupName: 'parts', partBytes: 4 * 1024 * 1024, chunkBytes: 1024 * 1024 },
  );
  assert.equal(report.phase, 'completed', report.error);
  const backupId = report.backupId!;
  const names = (await store.list(`src/base/${backupId}/`)).map((e) => e.key.split('/').pop()!);
  const parts = names.filter((n) => /^data(_\d{4})?\.tar\.gz$/.test(n));
  assert.ok(parts.length >= 4 && names.includes('data_0003.tar.gz'), `parts: ${names.join(' ')}`);
  assert.ok(names.filter((n) => n.startsWith('cnpg-chunks-')).length === parts.length, `an index per part: ${names.join(' ')}`);
  await pg.psql(port, pgdata, 'INSERT INTO t SELECT g, md5(g::text) FROM generate_series(250001, 250100) g');
  await pg.psql(port, pgdata, 'SELECT pg_switch_wal()');
  const deadline = Date.now() + 60_000;
  while ((await pg.psql(port, pgdata, "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'")) !== '0' && Date.now() < deadline) await sleep(500);

  const ours = pg.ownedDir('ours');
  await extractBaseBackup(store, 'src', await readBackupInfo(store, 'src', backupId), ours, [], { concurrency: 2 });
  assert.equal(await waitForRows(await startRestored(ours), ours, '250100'), '250100', 'our parallel restore starts with every row and replays the WAL');

  const theirs = pg.ownedDir('theirs');
  await pg.run('barman-cloud-restore', [...cloud(), 's3://parts/src', 'src', backupId, theirs]);
  assert.equal(await waitForRows(await startRestored(theirs), theirs, '250100'), '250100', 'barman-cloud-restore reads every part and chunk');
});
